package io.imagegate.chunk;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The name of a pack: 48 bits of creation time in milliseconds, then 80 random bits, so pack
 * names sort by age and the collector can tell a pack's age from its name alone.
 */
public record PackId(long msb, long lsb) implements Comparable<PackId> {

    public static final int BYTES = 16;

    /** Not a stored pack: a reference into it is a run of zero bytes that needs no storage. */
    public static final PackId ZERO = new PackId(0, 0);

    private static final SecureRandom RANDOM = new SecureRandom();

    public static PackId generate(Instant now) {
        long millis = now.toEpochMilli() & 0xFFFF_FFFF_FFFFL;
        long msb = (millis << 16) | (RANDOM.nextInt() & 0xFFFFL);
        long lsb = RANDOM.nextLong();
        if (msb == 0 && lsb == 0) {
            lsb = 1;
        }
        return new PackId(msb, lsb);
    }

    public static PackId read(ByteBuffer src) {
        return new PackId(src.getLong(), src.getLong());
    }

    public static PackId parse(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a pack id is 32 hex digits: " + hex);
        }
        ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(hex));
        return new PackId(b.getLong(), b.getLong());
    }

    public void write(ByteBuffer dst) {
        dst.putLong(msb).putLong(lsb);
    }

    public Instant createdAt() {
        return Instant.ofEpochMilli(msb >>> 16);
    }

    public boolean isZero() {
        return msb == 0 && lsb == 0;
    }

    public String hex() {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        write(b);
        return HexFormat.of().formatHex(b.array());
    }

    @Override
    public int compareTo(PackId o) {
        int c = Long.compareUnsigned(msb, o.msb);
        return c != 0 ? c : Long.compareUnsigned(lsb, o.lsb);
    }

    @Override
    public String toString() {
        return hex();
    }
}
