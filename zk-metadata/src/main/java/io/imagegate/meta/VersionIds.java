package io.imagegate.meta;

import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * Version ids: 16 bytes written as 22 characters of an order-preserving URL-safe base64 alphabet.
 * Byte 0 is the format tag 0x81 (so an id starts with a letter, never with {@code -}, which
 * command lines would take for an option), bytes 1-6 the key's birth time (epoch millis of the key
 * node's creation), 7-11 the version's ordinal within that key, 12-14 random, 15 a check byte (low
 * byte of the CRC-32 of bytes 0-14). Ids of one key sort in publication order; a key deleted and
 * created again gets a new birth time, so an old id never names a new version; the tag and check
 * byte tell a foreign string from an id.
 */
final class VersionIds {

    static final String ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    static final int LENGTH = 22;
    private static final byte TAG = (byte) 0x81;

    private VersionIds() {}

    /** Where a version id points: its key's birth time and its ordinal. */
    record Parsed(long born, long ordinal) {}

    static String create(long born, long ordinal) {
        byte[] b = new byte[16];
        b[0] = TAG;
        put(b, 1, born, 6);
        put(b, 7, ordinal, 5);
        put(b, 12, ThreadLocalRandom.current().nextInt(), 3);
        b[15] = check(b);
        return encode(b);
    }

    static boolean isNull(String versionId) {
        return VersionRecord.NULL_VERSION.equals(versionId);
    }

    /** @throws IllegalArgumentException when the string is not a version id this store made */
    static Parsed parse(String id) {
        if (id == null || id.length() != LENGTH) {
            throw invalid(id);
        }
        byte[] b = decode(id);
        if (b == null || b[0] != TAG || b[15] != check(b)) {
            throw invalid(id);
        }
        return new Parsed(get(b, 1, 6), get(b, 7, 5));
    }

    /** Rejects anything but {@code "null"} and well-formed ids, given as the request's {@code argument}. */
    static void validate(String id, String argument) {
        if (isNull(id)) {
            return;
        }
        try {
            parse(id);
        } catch (IllegalArgumentException e) {
            throw new MetadataException.InvalidVersionId(argument, id);
        }
    }

    private static IllegalArgumentException invalid(String id) {
        return new IllegalArgumentException("Invalid version id specified: " + id);
    }

    private static void put(byte[] b, int at, long value, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            b[at + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static long get(byte[] b, int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static byte check(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, 15);
        return (byte) crc.getValue();
    }

    private static String encode(byte[] b) {
        StringBuilder out = new StringBuilder(LENGTH);
        int buffer = 0;
        int bits = 0;
        for (byte x : b) {
            buffer = (buffer << 8) | (x & 0xFF);
            bits += 8;
            while (bits >= 6) {
                out.append(ALPHABET.charAt((buffer >>> (bits - 6)) & 0x3F));
                bits -= 6;
            }
        }
        out.append(ALPHABET.charAt((buffer << (6 - bits)) & 0x3F));
        return out.toString();
    }

    // Null when a character is outside the alphabet or the four padding bits are not zero.
    private static byte[] decode(String s) {
        byte[] out = new byte[16];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = ALPHABET.indexOf(s.charAt(i));
            if (v < 0) {
                return null;
            }
            buffer = (buffer << 6) | v;
            bits += 6;
            if (bits >= 8 && n < 16) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        return (buffer & ((1 << bits) - 1)) == 0 ? out : null;
    }
}
