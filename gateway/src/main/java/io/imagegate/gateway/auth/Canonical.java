package io.imagegate.gateway.auth;

import java.util.List;

/**
 * The pieces of a SigV4 canonical request, built from the request as it arrived.
 *
 * <p>S3 signs the path as the client encoded it, once, without normalising "." or ".." segments
 * or repeated slashes. Clients disagree on which bytes they escape (some send "!" or "(" raw),
 * so the path and query are re-encoded here with the AWS rules: decode every valid %XX escape,
 * then escape every byte outside A-Z a-z 0-9 - _ . ~ as upper-case %XX. A "/" in the path stays
 * a separator, but "%2F" stays escaped: it is part of a key, not a separator.
 */
final class Canonical {

    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private Canonical() {}

    /** The canonical URI: the raw path re-encoded, "/" for an empty path. */
    static String uri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        if (isCanonical(rawPath, 0, rawPath.length(), false)) {
            return rawPath;
        }
        StringBuilder out = new StringBuilder(rawPath.length() + 16);
        appendEncoded(rawPath, 0, rawPath.length(), false, out);
        return out.toString();
    }

    /** The canonical headers block: "name:value\n" for each signed header, in the order signed. */
    static String headers(RequestHeaders headers, List<String> signedHeaders) {
        StringBuilder out = new StringBuilder(256);
        for (String name : signedHeaders) {
            out.append(name).append(':');
            List<String> values = headers.all(name);
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendTrimmed(values.get(i), out);
            }
            out.append('\n');
        }
        return out.toString();
    }

    static String request(String method, String uri, String query, String headers, String signedHeaders,
            String payloadHash) {
        return method + '\n' + uri + '\n' + query + '\n' + headers + '\n' + signedHeaders + '\n' + payloadHash;
    }

    static String stringToSign(String timestamp, String scope, String canonicalRequest) {
        return "AWS4-HMAC-SHA256\n" + timestamp + '\n' + scope + '\n' + Hashes.sha256Hex(bytes(canonicalRequest));
    }

    /**
     * The bytes a canonical request is hashed as: the bytes the request carried. Everything in it
     * is US-ASCII but header values, which HTTP reads byte for byte as ISO-8859-1 characters, so a
     * canonical request of such characters hashes as ISO-8859-1: a header value sent as UTF-8 bytes
     * is signed as those bytes, as S3 signs them. One holding other characters (built in-process,
     * not read from the wire) hashes as UTF-8.
     */
    static byte[] bytes(String canonicalRequest) {
        for (int i = 0; i < canonicalRequest.length(); i++) {
            if (canonicalRequest.charAt(i) > 0xFF) {
                return canonicalRequest.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return canonicalRequest.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** A header value with leading and trailing whitespace removed and inner runs made one space. */
    static void appendTrimmed(String value, StringBuilder out) {
        boolean pendingSpace = false;
        boolean started = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isWhitespace(c)) {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            out.append(c);
            started = true;
        }
    }

    /**
     * True when raw[from, to) is already canonical, so the common case allocates nothing: only
     * unreserved characters, path slashes, and upper-case escapes of bytes that need escaping.
     */
    static boolean isCanonical(String raw, int from, int to, boolean query) {
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (isUnreserved(c) || (c == '/' && !query)) {
                continue;
            }
            if (c != '%' || i + 2 >= to) {
                return false;
            }
            char h = raw.charAt(i + 1);
            char l = raw.charAt(i + 2);
            if (!isUpperHex(h) || !isUpperHex(l) || isUnreserved((char) (hex(h) << 4 | hex(l)))) {
                return false;
            }
            i += 2;
        }
        return true;
    }

    /**
     * Appends raw[from, to) decoded and re-encoded the AWS way. In a query, "+" means a space (as
     * form encoding and the SDKs' canonical forms agree); in a path it is a plus sign.
     */
    static void appendEncoded(String raw, int from, int to, boolean query, StringBuilder out) {
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < to && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                appendByte(hex(raw.charAt(i + 1)) << 4 | hex(raw.charAt(i + 2)), out);
                i += 2;
            } else if (c == '/' && !query) {
                out.append('/');
            } else if (c == '+' && query) {
                appendByte(' ', out);
            } else if (c < 0x80) {
                appendByte(c, out);
            } else {
                int cp = raw.codePointAt(i);
                if (Character.isSupplementaryCodePoint(cp)) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    cp = 0xFFFD;
                }
                appendUtf8(cp, out);
            }
        }
    }

    private static void appendUtf8(int cp, StringBuilder out) {
        if (cp < 0x800) {
            appendByte(0xC0 | cp >> 6, out);
        } else if (cp < 0x10000) {
            appendByte(0xE0 | cp >> 12, out);
            appendByte(0x80 | (cp >> 6 & 0x3F), out);
        } else {
            appendByte(0xF0 | cp >> 18, out);
            appendByte(0x80 | (cp >> 12 & 0x3F), out);
            appendByte(0x80 | (cp >> 6 & 0x3F), out);
        }
        appendByte(0x80 | (cp & 0x3F), out);
    }

    private static void appendByte(int b, StringBuilder out) {
        if (isUnreserved((char) b)) {
            out.append((char) b);
        } else {
            out.append('%').append(HEX_UPPER[b >> 4 & 0xF]).append(HEX_UPPER[b & 0xF]);
        }
    }

    static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '~';
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
