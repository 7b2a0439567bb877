package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The range-GET hot path: maps a byte range onto chunks, reads each run of chunks that lie back
 * to back in one pack with a single positional read (capped at {@code maxReadBytes}), checks the
 * SHA-256 of every chunk read whole before any of the run's bytes leave, and writes the requested
 * slices. Edge chunks a range covers in part are read in part, unless the configuration asks for
 * them to be read whole and checked too. Zero runs cost no I/O. Buffers, digests and scratch
 * arrays are pooled, so a warm read allocates little beyond the cursor.
 */
final class RangeReader {

    private static final int MAX_POOLED_RUNS = 256;

    private final ChunkStore store;
    private final PageSource pages;
    private final BufferPool buffers;
    private final boolean verify;
    private final boolean verifyEdges;
    private final VerifiedChunks verified;
    private final int maxReadBytes;
    /** Pooled read state; bounded so a burst of virtual threads does not leave thousands behind. */
    private final ConcurrentLinkedQueue<Run> runs = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooledRuns = new AtomicInteger();

    RangeReader(ChunkStore store, PageSource pages, BufferPool buffers, RepositoryConfig config) {
        this.store = store;
        this.pages = pages;
        this.buffers = buffers;
        this.verify = config.verifyOnRead();
        this.verifyEdges = config.verifyOnRead() && config.verifyPartialChunks();
        this.verified = new VerifiedChunks(config.verifyOnRead() ? config.verifiedMemorySeconds() : 0);
        this.maxReadBytes = config.maxReadBytes();
    }

    void read(ManifestRoot root, long offset, long length, OutputStream out) throws IOException {
        Objects.checkFromIndexSize(offset, length, root.size());
        if (length == 0) {
            return;
        }
        ChunkCursor cursor = ChunkCursor.at(pages, root, offset);
        Run run = runs.poll();
        if (run == null) {
            run = new Run();
        } else {
            pooledRuns.decrementAndGet();
        }
        try {
            copy(cursor, offset, offset + length, out, run);
        } finally {
            run.release(buffers);
            if (pooledRuns.incrementAndGet() <= MAX_POOLED_RUNS) {
                runs.offer(run);
            } else {
                pooledRuns.decrementAndGet();
            }
        }
    }

    /** The whole of one chunk, always verified: used where its bytes are written again. */
    byte[] readChunk(ChunkRef ref) throws IOException {
        byte[] b = new byte[ref.length()];
        if (ref.isZero()) {
            return b;
        }
        VerifiedReads.read(store, ref.pack(), ref.offset(), b, b.length, () -> {
            if (!ChunkHash.sha256(b, 0, b.length).equals(ref.hash())) {
                throw new CorruptChunkException("chunk does not match its hash " + ref.hash(), ref.pack(), ref.offset());
            }
        });
        return b;
    }

    private void copy(ChunkCursor cursor, long pos, long end, OutputStream out, Run run) throws IOException {
        while (pos < end) {
            if (!cursor.valid()) {
                throw new CorruptChunkException("manifest ends at " + pos + " before the object's size");
            }
            if (cursor.page().isZero(cursor.index())) {
                long n = Math.min(end, cursor.end()) - pos;
                ZeroChunks.write(out, n);
                pos += n;
                if (pos < end) {
                    cursor.next();
                }
                continue;
            }
            run.start(cursor);
            while (run.objectEnd() < end && cursor.next() && run.canTake(cursor, maxReadBytes)) {
                run.add(cursor);
            }
            pos = emit(run, pos, end, out);
        }
    }

    /**
     * Reads the run and writes object bytes {@code [pos, min(end, run end))}, skipping the entry
     * headers between chunks. Every chunk read whole is checked against its hash before any byte
     * of the run leaves, unless it was checked a moment ago; an edge chunk the range covers in part
     * is read whole and checked too when edges are verified, unless it was checked a moment ago,
     * in which case only the wanted part is read. Returns the new position.
     */
    private long emit(Run run, long pos, long end, OutputStream out) throws IOException {
        long stop = Math.min(end, run.objectEnd());
        int first = run.chunkAt(pos);
        int last = run.chunkAt(stop - 1);
        boolean wholeFirst = verifyEdges && pos > run.objectStarts[first]
                && !verified.contains(run.pack, run.packOffsets[first]);
        boolean wholeLast = verifyEdges && stop < run.objectStarts[last] + run.lengths[last]
                && !verified.contains(run.pack, run.packOffsets[last]);
        long readFrom = wholeFirst ? run.packOffsets[first] : run.packOffsetOf(first, pos);
        long readTo = wholeLast ? run.packOffsets[last] + run.lengths[last] : run.packOffsetOf(last, stop - 1) + 1;
        int n = (int) (readTo - readFrom);
        byte[] buf = run.buffer(buffers, n);
        VerifiedReads.read(store, run.pack, readFrom, buf, n, () -> {
            for (int k = first; verify && k <= last; k++) {
                long at = run.packOffsets[k];
                if (at >= readFrom && at + run.lengths[k] <= readTo && !verified.contains(run.pack, at)) {
                    run.verify(buf, (int) (at - readFrom), k);
                    verified.add(run.pack, at);
                }
            }
        });
        for (int k = first; k <= last; k++) {
            long from = Math.max(pos, run.objectStarts[k]);
            long to = Math.min(stop, run.objectStarts[k] + run.lengths[k]);
            if (from < to) {
                out.write(buf, (int) (run.packOffsetOf(k, from) - readFrom), (int) (to - from));
            }
        }
        return stop;
    }

    /** Chunks that lie back to back in one pack, read together; pooled with its scratch state. */
    private static final class Run {
        final MessageDigest md = ChunkHash.newDigest();
        final byte[] digest = new byte[ChunkHash.BYTES];
        ManifestPage[] pages = new ManifestPage[16];
        int[] indexes = new int[16];
        long[] packOffsets = new long[16];
        long[] objectStarts = new long[16];
        int[] lengths = new int[16];
        int size;
        PackId pack;
        byte[] buffer;

        void start(ChunkCursor c) {
            size = 0;
            pack = c.page().pack(c.index());
            add(c);
        }

        void add(ChunkCursor c) {
            if (size == pages.length) {
                int n = size * 2;
                pages = Arrays.copyOf(pages, n);
                indexes = Arrays.copyOf(indexes, n);
                packOffsets = Arrays.copyOf(packOffsets, n);
                objectStarts = Arrays.copyOf(objectStarts, n);
                lengths = Arrays.copyOf(lengths, n);
            }
            ManifestPage p = c.page();
            int i = c.index();
            pages[size] = p;
            indexes[size] = i;
            packOffsets[size] = p.packOffset(i);
            objectStarts[size] = c.start();
            lengths[size] = p.refLength(i);
            size++;
        }

        long objectEnd() {
            return objectStarts[size - 1] + lengths[size - 1];
        }

        long packEnd() {
            return packOffsets[size - 1] + lengths[size - 1];
        }

        /** Whether the cursor's chunk adjoins this run in its pack ({@link ChunkRef#adjoins}) and the run stays under the cap. */
        boolean canTake(ChunkCursor c, int maxBytes) {
            ManifestPage p = c.page();
            int i = c.index();
            long gap = p.packOffset(i) - packEnd();
            return !p.isZero(i) && p.pack(i).equals(pack) && gap >= 0 && gap <= ChunkRef.MAX_ADJOINING_GAP
                    && p.packOffset(i) + p.refLength(i) - packOffsets[0] <= maxBytes;
        }

        /** The run's chunk holding object byte {@code objectOffset}. */
        int chunkAt(long objectOffset) {
            int k = size - 1;
            while (objectStarts[k] > objectOffset) {
                k--;
            }
            return k;
        }

        long packOffsetOf(int k, long objectOffset) {
            return packOffsets[k] + (objectOffset - objectStarts[k]);
        }

        byte[] buffer(BufferPool pool, int min) {
            if (buffer == null || buffer.length < min) {
                pool.release(buffer);
                buffer = pool.acquire(min);
            }
            return buffer;
        }

        void verify(byte[] buf, int off, int k) throws CorruptChunkException {
            md.update(buf, off, lengths[k]);
            try {
                md.digest(digest, 0, ChunkHash.BYTES);
            } catch (DigestException e) {
                throw new IllegalStateException("a 32-byte array holds a SHA-256", e);
            }
            ManifestPage p = pages[k];
            int i = indexes[k];
            if (!p.hashMatches(i, digest)) {
                throw new CorruptChunkException("chunk does not match its hash " + p.hash(i), pack, packOffsets[k]);
            }
        }

        void release(BufferPool pool) {
            pool.release(buffer);
            buffer = null;
            Arrays.fill(pages, 0, size, null); // do not pin evicted pages while pooled
            size = 0;
        }
    }
}
