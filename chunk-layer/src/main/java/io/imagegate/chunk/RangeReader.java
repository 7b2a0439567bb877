package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The range-GET hot path: maps a byte range onto chunks, reads each run of chunks that lie back
 * to back in one pack with a single positional read (capped at {@code maxReadBytes}), checks each
 * chunk's SHA-256 before any of the run's bytes leave, and writes the requested slice. Zero runs
 * cost no I/O. Buffers, digests and scratch arrays are pooled, so a warm read allocates little
 * beyond the cursor.
 */
final class RangeReader {

    private final ChunkStore store;
    private final PageSource pages;
    private final BufferPool buffers;
    private final boolean verify;
    private final int maxReadBytes;
    private final ConcurrentLinkedQueue<Run> runs = new ConcurrentLinkedQueue<>();

    RangeReader(ChunkStore store, PageSource pages, BufferPool buffers, boolean verify, int maxReadBytes) {
        this.store = store;
        this.pages = pages;
        this.buffers = buffers;
        this.verify = verify;
        this.maxReadBytes = maxReadBytes;
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
        }
        try {
            copy(cursor, offset, offset + length, out, run);
        } finally {
            run.release(buffers);
            runs.offer(run);
        }
    }

    /** The whole of one chunk, always verified: used where its bytes are written again. */
    byte[] readChunk(ChunkRef ref) throws IOException {
        byte[] b = new byte[ref.length()];
        if (ref.isZero()) {
            return b;
        }
        store.read(ref.pack(), ref.offset(), ByteBuffer.wrap(b));
        if (!ChunkHash.sha256(b, 0, b.length).equals(ref.hash())) {
            throw new CorruptChunkException("chunk does not match its hash " + ref.hash(), ref.pack(), ref.offset());
        }
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
            while (run.objectEnd() < end && cursor.next() && run.extends_(cursor, maxReadBytes)) {
                run.add(cursor);
            }
            pos = emit(run, pos, end, out);
        }
    }

    /** Reads the run, verifies it, writes bytes {@code [pos, min(end, run end))}; returns the new position. */
    private long emit(Run run, long pos, long end, OutputStream out) throws IOException {
        long stop = Math.min(end, run.objectEnd());
        int n = (int) (stop - pos);
        if (!verify) {
            byte[] buf = run.buffer(buffers, n);
            store.read(run.pack, run.packOffset + (pos - run.objectStart), ByteBuffer.wrap(buf, 0, n));
            out.write(buf, 0, n);
            return stop;
        }
        byte[] buf = run.buffer(buffers, run.bytes);
        store.read(run.pack, run.packOffset, ByteBuffer.wrap(buf, 0, run.bytes));
        int chunkOff = 0;
        for (int k = 0; k < run.size; k++) {
            ManifestPage p = run.pages[k];
            int i = run.indexes[k];
            int len = p.refLength(i);
            if (!run.digestMatches(buf, chunkOff, len, p, i)) {
                throw new CorruptChunkException("chunk does not match its hash " + p.hash(i), p.pack(i), p.packOffset(i));
            }
            chunkOff += len;
        }
        out.write(buf, (int) (pos - run.objectStart), n);
        return stop;
    }

    /** Chunks that lie back to back in one pack, read together; pooled with its scratch state. */
    private static final class Run {
        final MessageDigest md = ChunkHash.newDigest();
        final byte[] digest = new byte[ChunkHash.BYTES];
        ManifestPage[] pages = new ManifestPage[16];
        int[] indexes = new int[16];
        int size;
        PackId pack;
        long packOffset;
        long objectStart;
        int bytes;
        byte[] buffer;

        void start(ChunkCursor c) {
            size = 0;
            bytes = 0;
            pack = c.page().pack(c.index());
            packOffset = c.page().packOffset(c.index());
            objectStart = c.start();
            add(c);
        }

        void add(ChunkCursor c) {
            if (size == pages.length) {
                pages = Arrays.copyOf(pages, size * 2);
                indexes = Arrays.copyOf(indexes, size * 2);
            }
            pages[size] = c.page();
            indexes[size] = c.index();
            size++;
            bytes += c.page().refLength(c.index());
        }

        long objectEnd() {
            return objectStart + bytes;
        }

        /** Whether the cursor's chunk follows this run in the same pack and fits the read cap. */
        boolean extends_(ChunkCursor c, int maxBytes) {
            ManifestPage p = c.page();
            int i = c.index();
            return !p.isZero(i) && p.pack(i).equals(pack) && p.packOffset(i) == packOffset + bytes
                    && (long) bytes + p.refLength(i) <= maxBytes;
        }

        byte[] buffer(BufferPool pool, int min) {
            if (buffer == null || buffer.length < min) {
                pool.release(buffer);
                buffer = pool.acquire(min);
            }
            return buffer;
        }

        boolean digestMatches(byte[] buf, int off, int len, ManifestPage p, int i) throws CorruptChunkException {
            md.update(buf, off, len);
            try {
                md.digest(digest, 0, ChunkHash.BYTES);
            } catch (DigestException e) {
                throw new IllegalStateException("a 32-byte array holds a SHA-256", e);
            }
            return p.hashMatches(i, digest);
        }

        void release(BufferPool pool) {
            pool.release(buffer);
            buffer = null;
            Arrays.fill(pages, 0, size, null); // do not pin evicted pages while pooled
            size = 0;
        }
    }
}
