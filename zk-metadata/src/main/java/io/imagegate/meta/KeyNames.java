package io.imagegate.meta;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Reversible mapping from object keys (and bucket, user and access-key names) to legal ZooKeeper
 * node names. Characters ZooKeeper rejects, {@code '/'}, {@code '%'}, space and every code point
 * outside a safe set are written as {@code %XX} per UTF-8 byte; the names {@code .} and {@code ..}
 * are escaped whole. Escaped names longer than {@link #MAX_NAME_BYTES} keep a prefix and end in
 * {@code %~} plus a hash, so a partition's child list stays small whatever the key lengths.
 */
final class KeyNames {

    /** S3's limit on a key's UTF-8 length. */
    static final int MAX_KEY_BYTES = 1024;
    /** Longest node name written for a key; longer escaped keys are truncated and hashed. */
    static final int MAX_NAME_BYTES = 120;
    static final int TRUNCATED_PREFIX_BYTES = 100;
    static final String TRUNCATION_MARK = "%~";

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private KeyNames() {}

    /** A decoded node name: the key's UTF-8 bytes, or only a prefix of them when truncated. */
    record Decoded(byte[] bytes, boolean truncated) {}

    /** Rejects keys S3 would reject: empty, not well-formed Unicode, or over 1024 UTF-8 bytes. */
    static void validateKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new MetadataException.InvalidKey("an object key must not be empty", false);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new MetadataException.InvalidKey("an object key must be valid UTF-8", false);
            }
        }
        if (utf8(key).length > MAX_KEY_BYTES) {
            throw new MetadataException.InvalidKey("an object key is at most " + MAX_KEY_BYTES + " bytes of UTF-8", true);
        }
    }

    /** The node name of an object key: escaped, and truncated plus hashed when long. */
    static String name(String key) {
        String escaped = escape(key);
        if (utf8Length(escaped) <= MAX_NAME_BYTES) {
            return escaped;
        }
        return truncatedPrefix(escaped) + TRUNCATION_MARK + hash(key);
    }

    /** Escapes a name completely, never truncating (bucket, user and access-key names). */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        s.codePoints().forEach(cp -> {
            if (isSafe(cp)) {
                out.appendCodePoint(cp);
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX.toHexDigits(b));
                }
            }
        });
        String name = out.toString();
        if (name.equals(".")) {
            return "%2E";
        }
        return name.equals("..") ? "%2E%2E" : name;
    }

    /** The original string of a name that {@link #escape} produced (never a truncated one). */
    static String unescape(String name) {
        Decoded d = decode(name);
        if (d.truncated()) {
            throw new IllegalArgumentException("truncated name: " + name);
        }
        return new String(d.bytes(), StandardCharsets.UTF_8);
    }

    /** Decodes a node name back to key bytes. */
    static Decoded decode(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length());
        for (int i = 0; i < name.length(); ) {
            char c = name.charAt(i);
            if (c != '%') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i++;
            } else if (name.startsWith(TRUNCATION_MARK, i)) {
                return new Decoded(out.toByteArray(), true);
            } else if (i + 2 < name.length()) {
                out.write(HexFormat.fromHexDigits(name, i + 1, i + 3));
                i += 3;
            } else {
                throw new IllegalArgumentException("not an escaped name: " + name);
            }
        }
        return new Decoded(out.toByteArray(), false);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // Printable ASCII except '/' and '%', and the BMP ranges ZooKeeper's PathUtils accepts.
    private static boolean isSafe(int cp) {
        if (cp < 0x80) {
            return cp > 0x20 && cp < 0x7F && cp != '/' && cp != '%';
        }
        return (cp >= 0xA0 && cp < 0xD800) || (cp >= 0xF900 && cp < 0xFFF0);
    }

    private static int utf8Length(String s) {
        return utf8(s).length;
    }

    // Cuts at a character boundary that does not split a %XX triple.
    private static String truncatedPrefix(String escaped) {
        int bytes = 0;
        int i = 0;
        while (i < escaped.length()) {
            char c = escaped.charAt(i);
            int step = c == '%' ? 3 : 1;
            int cost = c == '%' ? 3 : String.valueOf(c).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + cost > TRUNCATED_PREFIX_BYTES) {
                break;
            }
            bytes += cost;
            i += step;
        }
        return escaped.substring(0, i);
    }

    private static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(utf8(key));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
