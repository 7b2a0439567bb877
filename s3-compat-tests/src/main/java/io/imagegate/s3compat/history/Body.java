package io.imagegate.s3compat.history;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * The content of one write, named by its tag: the bytes are the tag followed by pseudo-random
 * bytes seeded by it, so every write of a run stores different bytes and a read identifies the
 * write it returns. {@code etag} is the ETag S3 gives the bytes as one PUT (their MD5), or as a
 * one-part multipart upload when {@code multipart}.
 */
public record Body(String tag, int length, String sha256, String etag) {

    /** The body for a tag, with its digests computed. */
    public static Body of(String tag, int length, boolean multipart) {
        byte[] bytes = bytes(tag, length);
        length = bytes.length;
        String md5 = hex(digest("MD5", bytes));
        String etag = multipart ? hex(digest("MD5", HexFormat.of().parseHex(md5))) + "-1" : md5;
        return new Body(tag, length, hex(digest("SHA-256", bytes)), etag);
    }

    /** The bytes this body stands for. */
    public byte[] bytes() {
        return bytes(tag, length);
    }

    static byte[] bytes(String tag, int length) {
        byte[] head = (tag + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[Math.max(length, head.length)];
        System.arraycopy(head, 0, out, 0, head.length);
        SplittableRandom random = new SplittableRandom(tag.hashCode() * 0x9E3779B97F4A7C15L + length);
        for (int i = head.length; i < out.length; i++) {
            out[i] = (byte) random.nextInt(256);
        }
        return out;
    }

    public static String sha256(byte[] bytes) {
        return hex(digest("SHA-256", bytes));
    }

    static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
