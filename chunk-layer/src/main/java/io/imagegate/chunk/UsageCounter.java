package io.imagegate.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Counts the distinct stored bytes that manifest roots reach: chunks and manifest pages, each
 * counted once however many roots share it (by where it is stored). Zero runs are not stored and
 * not counted. A counter may pass everything it sees on to a parent (a bucket's counter to the
 * whole store's), so one walk serves both. Memory grows with the distinct entries seen, about
 * eight bytes each. One thread.
 */
public final class UsageCounter {

    private final DefaultChunkRepository repository;
    private final UsageCounter parent;
    private final RefMarks chunks = new RefMarks();
    private final RefMarks pages = new RefMarks();
    private final Set<ChunkHash> entered = new HashSet<>();
    private long roots;

    public UsageCounter(DefaultChunkRepository repository) {
        this(repository, null);
    }

    public UsageCounter(DefaultChunkRepository repository, UsageCounter parent) {
        this.repository = repository;
        this.parent = parent;
    }

    /** What a counter has seen: roots added, distinct chunks and pages, and their data bytes. */
    public record Usage(long roots, long chunks, long chunkBytes, long pages, long pageBytes) {

        /** Stored data bytes: chunks and pages, without pack framing. */
        public long bytes() {
            return chunkBytes + pageBytes;
        }
    }

    /** Adds everything {@code root} reaches. */
    public void add(ManifestRoot root) throws IOException {
        roots++;
        if (parent != null) {
            parent.roots++;
        }
        if (root.top() == null) {
            return;
        }
        if (root.depth() == 0) {
            chunk(root.top());
            return;
        }
        try {
            repository.walkPages(root, this::page, this::chunk);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Counts a page where it is stored; descends it unless this counter and its parent both have. */
    private boolean page(ChunkRef ref) {
        pages.mark(ref.pack(), ref.offset(), ref.length());
        boolean fresh = entered.add(ref.hash());
        if (parent != null) {
            fresh |= parent.page(ref);
        }
        return fresh;
    }

    private void chunk(ChunkRef ref) {
        if (ref.isZero()) {
            return;
        }
        chunks.mark(ref.pack(), ref.offset(), ref.length());
        if (parent != null) {
            parent.chunk(ref);
        }
    }

    /**
     * The distinct chunks and pages this counter has seen and {@code others} has not: what only these
     * roots hold, so what removing them (and nothing else) frees.
     */
    public Usage notIn(UsageCounter others) {
        long[] c = chunks.totalsNotIn(others.chunks);
        long[] p = pages.totalsNotIn(others.pages);
        return new Usage(roots, c[0], c[1], p[0], p[1]);
    }

    /** The distinct chunks and pages seen so far. */
    public Usage usage() {
        long[] c = chunks.totals();
        long[] p = pages.totals();
        return new Usage(roots, c[0], c[1], p[0], p[1]);
    }
}
