package io.imagegate.chunk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Cached byte ranges of packs, one tier of {@link CachingChunkStore}: per pack a sorted map of
 * ranges that never overlap, bounded by total bytes with CLOCK eviction. Packs are immutable, so
 * a cached range never goes stale; it is dropped only by eviction, invalidation or deletion.
 * Lookups are lock-free; inserts and invalidations take a per-pack lock; eviction never blocks on
 * a lock, so it may run while an insert into another pack holds that pack's lock.
 *
 * @param <R> what holds the bytes (memory, a file)
 */
final class CachedRanges<R extends CachedRanges.Range> {

    /** Bytes charged per range on top of its length: map entries, the node, the holder. */
    static final int OVERHEAD = 160;

    /** Bytes {@code [offset, offset + length)} of a pack. Identity equality: it is its own cache key. */
    abstract static class Range {
        final PackId pack;
        final long offset;
        final int length;
        PackRanges owner; // set on insert

        Range(PackId pack, long offset, int length) {
            this.pack = pack;
            this.offset = offset;
            this.length = length;
        }

        final long end() {
            return offset + length;
        }
    }

    /** The ranges overlapping a request, in order, and the part of it that none of them holds. */
    record Lookup<R>(List<R> pieces, long missingFrom, long missingTo) {
        boolean covered() {
            return missingFrom == missingTo;
        }
    }

    /** Makes the holder of pack bytes {@code [from, to)}; called for each uncovered part of an insert. */
    interface Maker<R> {
        R make(long from, int length) throws java.io.IOException;
    }

    private static final class PackRanges {
        final ConcurrentSkipListMap<Long, Range> byOffset = new ConcurrentSkipListMap<>();
        final ReentrantLock lock = new ReentrantLock();
        boolean dead; // guarded by lock: removed from the pack map, insert into a fresh one
    }

    private final ConcurrentHashMap<PackId, PackRanges> packs = new ConcurrentHashMap<>();
    private final ClockCache<R, R> clock;
    private final Consumer<R> onRemoved;

    CachedRanges(long maxBytes, Consumer<R> onRemoved) {
        this.onRemoved = onRemoved;
        this.clock = new ClockCache<>(maxBytes, r -> r.length + (long) OVERHEAD, this::removed);
    }

    /** What the cache holds of pack bytes {@code [offset, offset + length)}; marks what it finds as used. */
    @SuppressWarnings("unchecked")
    Lookup<R> lookup(PackId pack, long offset, int length) {
        long end = offset + length;
        PackRanges p = packs.get(pack);
        if (p == null) {
            return new Lookup<>(List.of(), offset, end);
        }
        List<R> pieces = new ArrayList<>(2);
        long pos = offset;
        long missingFrom = -1;
        long missingTo = -1;
        Long start = p.byOffset.floorKey(offset);
        for (Range r : p.byOffset.tailMap(start == null ? offset : start, true).values()) {
            if (r.offset >= end) {
                break;
            }
            if (r.end() <= pos) {
                continue;
            }
            if (r.offset > pos) {
                missingFrom = missingFrom < 0 ? pos : missingFrom;
                missingTo = r.offset;
            }
            pieces.add((R) r);
            clock.get((R) r);
            pos = r.end();
        }
        if (pos < end) {
            missingFrom = missingFrom < 0 ? pos : missingFrom;
            missingTo = end;
        }
        return missingFrom < 0 ? new Lookup<>(pieces, end, end) : new Lookup<>(pieces, missingFrom, missingTo);
    }

    /**
     * Caches pack bytes {@code [offset, offset + length)}: makes a holder for each part not cached
     * yet (what is cached already stays), then lets eviction bring the total back under the bound.
     */
    void insert(PackId pack, long offset, int length, Maker<R> maker) throws java.io.IOException {
        while (true) {
            PackRanges p = packs.computeIfAbsent(pack, k -> new PackRanges());
            p.lock.lock();
            try {
                if (p.dead) {
                    continue;
                }
                long end = offset + length;
                long pos = offset;
                Map.Entry<Long, Range> floor = p.byOffset.floorEntry(offset);
                if (floor != null && floor.getValue().end() > pos) {
                    pos = floor.getValue().end();
                }
                while (pos < end) {
                    Map.Entry<Long, Range> next = p.byOffset.ceilingEntry(pos);
                    long gapEnd = next == null ? end : Math.min(end, next.getKey());
                    if (gapEnd > pos) {
                        R r = maker.make(pos, (int) (gapEnd - pos));
                        r.owner = p;
                        p.byOffset.put(r.offset, r);
                        clock.putIfAbsent(r, r);
                    }
                    pos = next == null ? end : Math.max(gapEnd, next.getValue().end());
                }
                return;
            } finally {
                p.lock.unlock();
            }
        }
    }

    /** Drops every range that overlaps pack bytes {@code [offset, offset + length)}; returns how many. */
    int invalidate(PackId pack, long offset, long length) {
        PackRanges p = packs.get(pack);
        if (p == null) {
            return 0;
        }
        List<Range> doomed = new ArrayList<>();
        p.lock.lock();
        try {
            long end = offset + length;
            Long start = p.byOffset.floorKey(offset);
            for (Range r : p.byOffset.tailMap(start == null ? offset : start, true).values()) {
                if (r.offset >= end) {
                    break;
                }
                if (r.end() > offset) {
                    doomed.add(r);
                }
            }
            for (Range r : doomed) {
                remove(r);
            }
        } finally {
            p.lock.unlock();
        }
        return doomed.size();
    }

    /** Drops everything cached of a pack. */
    void invalidate(PackId pack) {
        invalidate(pack, 0, Long.MAX_VALUE);
    }

    /** Drops one range, e.g. one whose holder turned out to be unreadable. */
    @SuppressWarnings("unchecked")
    void remove(Range r) {
        clock.remove((R) r, (R) r);
        removed((R) r); // also when the clock never held it or dropped it meanwhile: idempotent
    }

    long weight() {
        return clock.weight();
    }

    int size() {
        return clock.size();
    }

    void clear() {
        clock.clear();
    }

    private void removed(R r) {
        PackRanges p = r.owner;
        if (p == null || !p.byOffset.remove(r.offset, r)) {
            return;
        }
        onRemoved.accept(r);
        if (p.byOffset.isEmpty() && p.lock.tryLock()) {
            try {
                if (p.byOffset.isEmpty() && !p.dead) {
                    p.dead = true;
                    packs.remove(r.pack, p);
                }
            } finally {
                p.lock.unlock();
            }
        }
    }
}
