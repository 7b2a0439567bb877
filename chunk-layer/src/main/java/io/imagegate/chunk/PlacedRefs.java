package io.imagegate.chunk;

import java.util.Arrays;

/**
 * Chunk references with an object offset each, in flat primitive arrays: 68 bytes an entry, against
 * some 150 for a list of records, so an edit that replaces half a million chunks holds 34 MB, not
 * 75. Grows as entries are added; read back by index.
 */
final class PlacedRefs {

    /** Bytes one entry takes (the arrays' share; growth may hold up to twice as much for a moment). */
    static final int BYTES_PER_ENTRY = 8 + 4 * 8 + 2 * 8 + 8 + 4;

    private long[] at = new long[16];
    private long[] hashes = new long[16 * 4];
    private long[] packs = new long[16 * 2];
    private long[] packOffsets = new long[16];
    private int[] lengths = new int[16];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void add(long offset, ChunkRef ref) {
        if (size == at.length) {
            int n = Math.toIntExact(Math.min((long) size * 2, Integer.MAX_VALUE / 4 - 8));
            if (n <= size) {
                throw new IllegalStateException("too many references: " + size);
            }
            at = Arrays.copyOf(at, n);
            hashes = Arrays.copyOf(hashes, n * 4);
            packs = Arrays.copyOf(packs, n * 2);
            packOffsets = Arrays.copyOf(packOffsets, n);
            lengths = Arrays.copyOf(lengths, n);
        }
        int i = size++;
        at[i] = offset;
        ChunkHash h = ref.hash();
        hashes[4 * i] = h.h0();
        hashes[4 * i + 1] = h.h1();
        hashes[4 * i + 2] = h.h2();
        hashes[4 * i + 3] = h.h3();
        packs[2 * i] = ref.pack().msb();
        packs[2 * i + 1] = ref.pack().lsb();
        packOffsets[i] = ref.offset();
        lengths[i] = ref.length();
    }

    long offset(int i) {
        return at[i];
    }

    int length(int i) {
        return lengths[i];
    }

    /** Where the entry ends in the object; callers have checked it fits a long when adding it. */
    long end(int i) {
        return at[i] + lengths[i];
    }

    ChunkRef ref(int i) {
        return new ChunkRef(new ChunkHash(hashes[4 * i], hashes[4 * i + 1], hashes[4 * i + 2], hashes[4 * i + 3]),
                new PackId(packs[2 * i], packs[2 * i + 1]), packOffsets[i], lengths[i]);
    }
}
