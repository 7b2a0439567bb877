package io.imagegate.meta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Keys as UTF-8 byte strings, ordered the way S3 orders them (unsigned, byte by byte). */
final class ByteKeys {

    static final byte[] EMPTY = new byte[0];
    static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private ByteKeys() {}

    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than {@code key}. */
    static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** The smallest key greater than every key that starts with {@code prefix}; null when there is none. */
    static byte[] pastPrefix(byte[] prefix) {
        byte[] p = prefix.clone();
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] != (byte) 0xFF) {
                p[i]++;
                return Arrays.copyOf(p, i + 1);
            }
        }
        return null;
    }

    /** Index of {@code needle} in {@code key} at or after {@code from}, or -1. */
    static int indexOf(byte[] key, byte[] needle, int from) {
        outer:
        for (int i = from; i <= key.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (key[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The common prefix {@code key} rolls up into under {@code prefix} and {@code delimiter}: the key up
     * to and including the first delimiter after the prefix; null when the key does not roll up.
     */
    static byte[] rollup(byte[] key, byte[] prefix, byte[] delimiter) {
        if (delimiter == null || delimiter.length == 0 || !startsWith(key, prefix)) {
            return null;
        }
        int at = indexOf(key, delimiter, prefix.length);
        return at < 0 ? null : Arrays.copyOf(key, at + delimiter.length);
    }

    /**
     * A short key {@code s} with {@code a < s <= b} (for {@code a < b}), ending on a UTF-8 character
     * boundary so it is a valid string: partition bounds stay short whatever the keys.
     */
    static byte[] separator(byte[] a, byte[] b) {
        int i = Arrays.mismatch(a, b);
        if (i < 0 || i >= b.length) {
            throw new IllegalArgumentException("separator needs a < b");
        }
        int end = i + 1;
        while (end < b.length && (b[end] & 0xC0) == 0x80) {
            end++;
        }
        return Arrays.copyOf(b, end);
    }

    static String text(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    static byte[] max(byte[] a, byte[] b) {
        return compare(a, b) >= 0 ? a : b;
    }
}
