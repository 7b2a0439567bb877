package io.imagegate.chunk;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which chunk locations were read whole and matched their hash a short while ago, so a read
 * that covers them again (in whole or in part) need not hash them again. A lossy, fixed-size
 * table: a slot holds the last location hashed into it, so memory is bounded and a forgotten
 * chunk is simply verified again. Entries expire after the configured memory; with a memory of
 * zero every read verifies.
 *
 * <p>Why this is safe: a location is only ever added after its bytes matched the chunk's name,
 * and packs are immutable, so what the table says was true of those bytes; it stops saying so
 * after {@code memorySeconds}, bounding how long rot that sets in after a check could go unseen.
 */
final class VerifiedChunks {

    private static final int SLOTS = 1 << 18;

    private final AtomicLongArray keys = new AtomicLongArray(SLOTS);
    private final AtomicIntegerArray stamps = new AtomicIntegerArray(SLOTS);
    private final long origin = System.nanoTime();
    private final int memorySeconds;

    VerifiedChunks(int memorySeconds) {
        this.memorySeconds = memorySeconds;
    }

    boolean contains(PackId pack, long offset) {
        if (memorySeconds <= 0) {
            return false;
        }
        long key = key(pack, offset);
        int slot = slot(key);
        return keys.get(slot) == key && now() - stamps.get(slot) <= memorySeconds;
    }

    void add(PackId pack, long offset) {
        if (memorySeconds <= 0) {
            return;
        }
        long key = key(pack, offset);
        int slot = slot(key);
        stamps.set(slot, now());
        keys.set(slot, key);
    }

    private int now() {
        return (int) ((System.nanoTime() - origin) / 1_000_000_000L);
    }

    private static int slot(long key) {
        return (int) (key ^ (key >>> 32)) & (SLOTS - 1);
    }

    /** A 64-bit mix of the location; 0 is never produced, so an empty slot matches nothing. */
    private static long key(PackId pack, long offset) {
        long h = pack.msb() * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(pack.lsb(), 31) ^ offset * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }
}
