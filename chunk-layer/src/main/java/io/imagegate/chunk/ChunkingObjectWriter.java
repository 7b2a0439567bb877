package io.imagegate.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@link ObjectWriter} of a {@link DefaultChunkRepository}: fills a chunk buffer (or takes
 * whole chunks straight from the caller's array), names each chunk by SHA-256, turns all-zero
 * chunks into zero references, reuses chunks this upload or its {@link DedupIndex} already holds,
 * appends the rest to its own packs, and streams leaf and inner pages out as they fill.
 */
final class ChunkingObjectWriter implements ObjectWriter {

    private enum State { OPEN, FINISHED, ABORTED }

    private final int chunkSize;
    private final DedupIndex dedup;
    private final BufferPool buffers;
    private final PackSink sink;
    private final PageTreeBuilder tree;
    private final ChunkTable written;
    private final MessageDigest md = ChunkHash.newDigest();
    private final byte[] digest = new byte[ChunkHash.BYTES];
    private byte[] buffer;
    private int fill;
    private long logical;
    private long stored;
    private long deduped;
    private long chunks;
    private State state = State.OPEN;

    ChunkingObjectWriter(ChunkStore store, RepositoryConfig config, BufferPool buffers, int chunkSize,
            DedupIndex dedup, Supplier<PackId> packIds) {
        if (chunkSize < 4096 || chunkSize > ManifestRoot.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size outside 4 KiB..4 MiB: " + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.dedup = Objects.requireNonNull(dedup, "dedup");
        this.buffers = buffers;
        this.sink = new PackSink(store, config.maxPackBytes(), buffers, packIds);
        this.written = new ChunkTable(1024, config.dedupTableEntries());
        this.tree = PageTreeBuilder.objectTree(this::storePage, config.pageEntries());
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        try {
            while (len > 0) {
                if (fill == 0 && len >= chunkSize) {
                    addChunk(b, off, chunkSize); // whole chunk in the caller's array: no copy
                    off += chunkSize;
                    len -= chunkSize;
                    continue;
                }
                if (buffer == null) {
                    buffer = buffers.acquire(chunkSize);
                }
                int n = Math.min(len, chunkSize - fill);
                System.arraycopy(b, off, buffer, fill, n);
                fill += n;
                off += n;
                len -= n;
                if (fill == chunkSize) {
                    fill = 0;
                    addChunk(buffer, 0, chunkSize);
                }
            }
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    /** Adds {@code len} bytes as one chunk of their own, whatever their length: for slice edges. */
    void writeChunk(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        if (fill != 0 || len <= 0 || len > ManifestRoot.MAX_CHUNK_SIZE) {
            throw new IllegalStateException("a chunk of its own needs an empty buffer and 1..4 MiB bytes");
        }
        addChunk(b, off, len);
    }

    /** Adds a chunk that is already stored, as a slice shares the chunks it covers whole. */
    void writeRef(ChunkRef ref) throws IOException {
        ensureOpen();
        if (fill != 0) {
            throw new IllegalStateException("a stored chunk cannot follow a partial one");
        }
        logical += ref.length();
        deduped += ref.length();
        chunks++;
        tree.add(PageEntry.chunk(ref));
    }

    @Override
    public ManifestRoot finish() throws IOException {
        ensureOpen();
        try {
            if (fill > 0) {
                int n = fill;
                fill = 0;
                addChunk(buffer, 0, n);
            }
            PageEntry top = tree.finish();
            sink.sealAll();
            state = State.FINISHED;
            releaseBuffer();
            if (top == null) {
                return ManifestRoot.empty(chunkSize);
            }
            return new ManifestRoot(top.ref(), top.depth(), logical, chunkSize);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    @Override
    public WriteStats stats() {
        return new WriteStats(logical, stored, deduped, chunks);
    }

    @Override
    public void abort() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        sink.abortAll();
        releaseBuffer();
    }

    @Override
    public void close() {
        abort();
    }

    private void addChunk(byte[] b, int off, int len) throws IOException {
        logical += len;
        chunks++;
        ChunkRef ref;
        if (ZeroChunks.isZero(b, off, len)) {
            ref = ZeroChunks.ref(len);
            deduped += len;
        } else {
            ChunkHash hash = sha256(b, off, len);
            ref = reusable(hash, len);
            if (ref == null) {
                ref = sink.append(PackReader.EntryType.CHUNK, hash, b, off, len);
                written.putIfAbsent(ref);
                stored += len;
            } else {
                deduped += len;
            }
        }
        tree.add(PageEntry.chunk(ref));
    }

    /** Pages are content-addressed blobs like chunks: an identical page already stored is reused. */
    private ChunkRef storePage(byte[] page) throws IOException {
        ChunkHash hash = sha256(page, 0, page.length);
        ChunkRef ref = reusable(hash, page.length);
        if (ref == null) {
            ref = sink.append(PackReader.EntryType.MANIFEST_PAGE, hash, page, 0, page.length);
            written.putIfAbsent(ref);
        }
        return ref;
    }

    private ChunkRef reusable(ChunkHash hash, int len) throws IOException {
        ChunkRef ref = written.get(hash);
        if (ref != null) {
            return ref;
        }
        Optional<ChunkRef> found;
        try {
            found = dedup.find(hash);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // a length mismatch can only be a broken index; storing the bytes again is always safe
        return found.filter(r -> r.length() == len && !r.isZero()).orElse(null);
    }

    private ChunkHash sha256(byte[] b, int off, int len) {
        md.update(b, off, len);
        try {
            md.digest(digest, 0, ChunkHash.BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("a 32-byte array holds a SHA-256", e);
        }
        return ChunkHash.of(digest);
    }

    private void ensureOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("object writer is " + state.name().toLowerCase());
        }
    }

    private void releaseBuffer() {
        buffers.release(buffer);
        buffer = null;
    }
}
