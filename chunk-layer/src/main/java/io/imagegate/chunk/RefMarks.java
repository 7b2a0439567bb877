package io.imagegate.chunk;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Entries of packs that live references reach, kept compactly: per pack, one long per reference
 * (the entry's data offset and length packed together), appended as references are met and
 * sorted and deduplicated on demand. A walk that shares seen pages across roots meets each entry
 * about once, so memory is about eight bytes per live entry.
 */
final class RefMarks {

    private static final int LENGTH_BITS = 25;
    private static final long MAX_OFFSET = (1L << (64 - LENGTH_BITS)) - 1;

    private final Map<PackId, Entries> byPack = new HashMap<>();

    /** Marks the entry at {@code offset} of {@code pack} holding {@code length} bytes. */
    void mark(PackId pack, long offset, int length) {
        if (offset > MAX_OFFSET || length >= (1 << LENGTH_BITS)) {
            throw new IllegalArgumentException("reference beyond what a pack holds: " + offset + "+" + length);
        }
        byPack.computeIfAbsent(pack, p -> new Entries()).add((offset << LENGTH_BITS) | length);
    }

    boolean has(PackId pack) {
        return byPack.containsKey(pack);
    }

    /** Marked entries of the pack as sorted, distinct {@link #offset}/{@link #length} pairs. */
    long[] marked(PackId pack) {
        Entries e = byPack.get(pack);
        return e == null ? new long[0] : e.sortedDistinct();
    }

    /** Data bytes of the pack's marked entries. */
    long liveBytes(PackId pack) {
        long sum = 0;
        for (long m : marked(pack)) {
            sum += length(m);
        }
        return sum;
    }

    /** Distinct marked entries over all packs, and their data bytes. */
    long[] totals() {
        long count = 0;
        long bytes = 0;
        for (Entries e : byPack.values()) {
            for (long m : e.sortedDistinct()) {
                count++;
                bytes += length(m);
            }
        }
        return new long[] {count, bytes};
    }

    /** Distinct marked entries that {@code other} has not marked, and their data bytes. */
    long[] totalsNotIn(RefMarks other) {
        long count = 0;
        long bytes = 0;
        for (Map.Entry<PackId, Entries> e : byPack.entrySet()) {
            long[] mine = e.getValue().sortedDistinct();
            long[] theirs = other.marked(e.getKey());
            int j = 0;
            for (long m : mine) {
                while (j < theirs.length && theirs[j] < m) {
                    j++;
                }
                if (j == theirs.length || theirs[j] != m) {
                    count++;
                    bytes += length(m);
                }
            }
        }
        return new long[] {count, bytes};
    }

    static long offset(long mark) {
        return mark >>> LENGTH_BITS;
    }

    static int length(long mark) {
        return (int) (mark & ((1L << LENGTH_BITS) - 1));
    }

    private static final class Entries {
        long[] a = new long[4];
        int n;
        int sortedUpTo;

        void add(long v) {
            if (n == a.length) {
                compact(); // dropping duplicates first often makes room
                if (n > a.length * 3 / 4) {
                    a = Arrays.copyOf(a, a.length * 2);
                }
            }
            a[n++] = v;
        }

        long[] sortedDistinct() {
            compact();
            return Arrays.copyOf(a, n);
        }

        private void compact() {
            if (sortedUpTo == n) {
                return;
            }
            Arrays.sort(a, 0, n);
            int w = 0;
            for (int r = 0; r < n; r++) {
                if (w == 0 || a[w - 1] != a[r]) {
                    a[w++] = a[r];
                }
            }
            n = w;
            sortedUpTo = n;
        }
    }
}
