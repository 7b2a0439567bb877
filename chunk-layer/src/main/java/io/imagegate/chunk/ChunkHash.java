package io.imagegate.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a chunk or manifest page: the name under which its bytes are stored. */
public record ChunkHash(long h0, long h1, long h2, long h3) implements Comparable<ChunkHash> {

    public static final int BYTES = 32;

    public static ChunkHash of(byte[] digest) {
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + digest.length);
        }
        ByteBuffer b = ByteBuffer.wrap(digest);
        return new ChunkHash(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    public static ChunkHash read(ByteBuffer src) {
        return new ChunkHash(src.getLong(), src.getLong(), src.getLong(), src.getLong());
    }

    /** Hashes the remaining bytes of {@code data} without moving its position. */
    public static ChunkHash sha256(ByteBuffer data) {
        MessageDigest md = newDigest();
        md.update(data.duplicate());
        return of(md.digest());
    }

    public static ChunkHash sha256(byte[] data, int offset, int length) {
        MessageDigest md = newDigest();
        md.update(data, offset, length);
        return of(md.digest());
    }

    public static ChunkHash parse(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a chunk hash is 64 hex digits: " + hex);
        }
        return of(HexFormat.of().parseHex(hex));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public void write(ByteBuffer dst) {
        dst.putLong(h0).putLong(h1).putLong(h2).putLong(h3);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        write(b);
        return b.array();
    }

    public String hex() {
        return HexFormat.of().formatHex(toBytes());
    }

    @Override
    public int compareTo(ChunkHash o) {
        int c = Long.compareUnsigned(h0, o.h0);
        if (c == 0) c = Long.compareUnsigned(h1, o.h1);
        if (c == 0) c = Long.compareUnsigned(h2, o.h2);
        if (c == 0) c = Long.compareUnsigned(h3, o.h3);
        return c;
    }

    @Override
    public String toString() {
        return hex();
    }
}
