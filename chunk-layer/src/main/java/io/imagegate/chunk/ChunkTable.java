package io.imagegate.chunk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A map from chunk hash to {@link ChunkRef} in flat primitive arrays (open addressing, linear
 * probing): about 48 bytes a slot, against some 150 for a HashMap of records, so the index of a
 * 20 GiB base (327,680 chunks of 64 KiB) takes about 25 MB. Holds at most {@code maxEntries};
 * past that, inserts are dropped, since every user treats the table as a best-effort cache.
 * Not thread-safe for writes; safe for concurrent reads once published.
 */
final class ChunkTable {

    /** Keeps the four-words-a-slot hash array within Java's array size limit. */
    static final int MAX_ENTRIES = 1 << 27;
    private static final float MAX_LOAD = 0.75f;

    private final int maxEntries;

    private final List<PackId> packs = new ArrayList<>();
    private final Map<PackId, Integer> packNumbers = new HashMap<>();
    private long[] hashes;   // four words per slot
    private long[] offsets;
    private int[] lengths;
    private int[] packOf;    // pack number + 1; 0 marks an empty slot
    private int size;

    ChunkTable(int expected, int maxEntries) {
        this.maxEntries = Math.min(maxEntries, MAX_ENTRIES);
        allocate(capacityFor(Math.max(Math.min(expected, this.maxEntries), 8)));
    }

    int size() {
        return size;
    }

    ChunkRef get(ChunkHash h) {
        int mask = packOf.length - 1;
        for (int s = slot(h, mask); packOf[s] != 0; s = (s + 1) & mask) {
            if (matches(s, h)) {
                return new ChunkRef(h, packs.get(packOf[s] - 1), offsets[s], lengths[s]);
            }
        }
        return null;
    }

    /** Adds {@code ref} unless its hash is present (any copy of the bytes will do) or the table is full. */
    void putIfAbsent(ChunkRef ref) {
        if (size >= maxEntries) {
            return;
        }
        if (size + 1 > packOf.length * MAX_LOAD) {
            grow();
        }
        ChunkHash h = ref.hash();
        int mask = packOf.length - 1;
        int s = slot(h, mask);
        for (; packOf[s] != 0; s = (s + 1) & mask) {
            if (matches(s, h)) {
                return;
            }
        }
        store(s, h.h0(), h.h1(), h.h2(), h.h3(), ref.offset(), ref.length(), packNumber(ref.pack()) + 1);
        size++;
    }

    private int packNumber(PackId pack) {
        Integer n = packNumbers.get(pack);
        if (n == null) {
            n = packs.size();
            packs.add(pack);
            packNumbers.put(pack, n);
        }
        return n;
    }

    private boolean matches(int s, ChunkHash h) {
        int w = s << 2;
        return hashes[w] == h.h0() && hashes[w + 1] == h.h1() && hashes[w + 2] == h.h2() && hashes[w + 3] == h.h3();
    }

    private static int slot(ChunkHash h, int mask) {
        return (int) (h.h0() ^ (h.h0() >>> 32)) & mask; // SHA-256 bits are already uniform
    }

    private void store(int s, long h0, long h1, long h2, long h3, long offset, int length, int pack) {
        int w = s << 2;
        hashes[w] = h0;
        hashes[w + 1] = h1;
        hashes[w + 2] = h2;
        hashes[w + 3] = h3;
        offsets[s] = offset;
        lengths[s] = length;
        packOf[s] = pack;
    }

    private void grow() {
        long[] oldHashes = hashes;
        long[] oldOffsets = offsets;
        int[] oldLengths = lengths;
        int[] oldPacks = packOf;
        allocate(oldPacks.length * 2);
        int mask = packOf.length - 1;
        for (int o = 0; o < oldPacks.length; o++) {
            if (oldPacks[o] == 0) {
                continue;
            }
            int w = o << 2;
            int s = (int) (oldHashes[w] ^ (oldHashes[w] >>> 32)) & mask;
            while (packOf[s] != 0) {
                s = (s + 1) & mask;
            }
            store(s, oldHashes[w], oldHashes[w + 1], oldHashes[w + 2], oldHashes[w + 3],
                    oldOffsets[o], oldLengths[o], oldPacks[o]);
        }
    }

    private void allocate(int capacity) {
        hashes = new long[capacity * 4];
        offsets = new long[capacity];
        lengths = new int[capacity];
        packOf = new int[capacity];
    }

    private static int capacityFor(int expected) {
        long needed = (long) Math.ceil(expected / MAX_LOAD);
        return (int) Long.highestOneBit(Math.max(needed, 2) - 1) << 1;
    }
}
