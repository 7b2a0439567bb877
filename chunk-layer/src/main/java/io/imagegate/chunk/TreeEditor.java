package io.imagegate.chunk;

import java.io.IOException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@link ManifestEditor} of a {@link DefaultChunkRepository}. {@link #finish} walks the base
 * tree in object order while a {@link PageTreeBuilder} builds the new one. A base page that no
 * replacement touches is handed to the builder whole when the builder stands at a boundary of that
 * page's height, and is then shared by reference without being read; pages that hold a replacement
 * are read and their entries added one by one, so the builder writes new pages only along the
 * paths to the replacements (and for the parts pages of a multipart base, which it turns into
 * inner pages). Base chunks covered in part are read, verified and stored again as the remainder.
 */
final class TreeEditor implements ManifestEditor {

    private enum State { OPEN, FINISHED, ABORTED }

    private final ManifestRoot base;
    private final PageSource pages;
    private final RangeReader reader;
    private final PackSink sink;
    private final ChunkTable written;
    private final int pageEntries;
    private final MessageDigest md = ChunkHash.newDigest();
    private final byte[] digest = new byte[ChunkHash.BYTES];
    private final PlacedRefs replacements = new PlacedRefs();
    /** All-zero subtrees of full grid chunks, by height - 1, written once per edit when an extension needs them. */
    private final List<PageEntry> zeroTrees = new ArrayList<>();
    private State state = State.OPEN;
    private PageTreeBuilder tree;
    private long storedChunks;
    private long storedBytes;
    private long rewrittenBytes;
    private long pagesWritten;
    private long pagesReused;
    private long pagesEncoded;
    // the walk: next byte of the new version to add, its end, the next replacement
    private long pos;
    private long end;
    private int next;

    TreeEditor(ChunkStore store, RepositoryConfig config, BufferPool buffers, PageSource pages, RangeReader reader,
            ManifestRoot base) {
        this.base = Objects.requireNonNull(base, "base");
        this.pages = pages;
        this.reader = reader;
        this.sink = new PackSink(store, config.maxPackBytes(), buffers);
        this.written = new ChunkTable(1024, config.dedupTableEntries());
        this.pageEntries = config.pageEntries();
    }

    @Override
    public ManifestRoot base() {
        return base;
    }

    @Override
    public ChunkRef store(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        if (len <= 0 || len > ManifestRoot.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("a chunk has 1 byte to 4 MiB: " + len);
        }
        try {
            return storeBytes(b, off, len);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    @Override
    public void replace(long offset, ChunkRef chunk) {
        ensureOpen();
        Objects.requireNonNull(chunk, "chunk");
        if (offset < 0 || chunk.length() <= 0 || offset > Long.MAX_VALUE - chunk.length()) {
            throw new IllegalArgumentException("a replacement needs an offset >= 0, a non-empty chunk, and an end "
                    + "that fits a long: " + offset + " + " + chunk.length());
        }
        if (!replacements.isEmpty() && offset < replacements.end(replacements.size() - 1)) {
            throw new IllegalArgumentException("replacement at " + offset + " is out of order or overlaps the one before");
        }
        replacements.add(offset, chunk);
    }

    @Override
    public ManifestRoot finish(long size) throws IOException {
        ensureOpen();
        if (size < 0 || (!replacements.isEmpty() && replacements.end(replacements.size() - 1) > size)) {
            throw new IllegalArgumentException("the new size " + size + " cuts a replacement");
        }
        try {
            tree = PageTreeBuilder.objectTree(this::storePage, pageEntries);
            end = size;
            if (base.top() != null) {
                if (base.depth() == 0) {
                    visitChunk(base.top(), 0);
                } else {
                    visitPage(base.top(), base.depth(), 0, base.size(), false);
                }
            }
            fillTo(size);
            PageEntry top = tree.finish();
            sink.sealAll();
            state = State.FINISHED;
            if (top == null) {
                return ManifestRoot.empty(base.chunkSize());
            }
            return new ManifestRoot(top.ref(), top.depth(), size, base.chunkSize());
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    @Override
    public EditStats stats() {
        return new EditStats(storedChunks, storedBytes, rewrittenBytes, pagesWritten, pagesReused);
    }

    /** Pages this edit encoded and hashed, new or already written: the work of building the tree. */
    long pagesEncoded() {
        return pagesEncoded;
    }

    @Override
    public void abort() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        sink.abortAll();
    }

    @Override
    public void close() {
        abort();
    }

    // ---- the walk over the base ------------------------------------------------------------------

    /**
     * A base page covering object bytes {@code [start, start + size)}, of height {@code height}
     * (1 = leaf). {@code fromParts}: named by a parts page, so possibly a parts page itself, which
     * is never shared under an inner page.
     */
    private void visitPage(ChunkRef ref, int height, long start, long size, boolean fromParts) throws IOException {
        long stop = start + size;
        if (stop <= pos || start >= end || size == 0) {
            return; // wholly replaced already, or past the new end
        }
        boolean untouched = pos == start && stop <= end && (next >= replacements.size()
                || replacements.offset(next) >= stop);
        if (untouched && !fromParts && tree.addSubtree(subtree(ref, height, size))) {
            pagesReused++;
            pos = stop;
            return;
        }
        ManifestPage page = pages.get(ref);
        if (page.size != size) {
            throw new CorruptChunkException("page covers " + page.size + " bytes, its parent says " + size,
                    ref.pack(), ref.offset());
        }
        if (untouched && fromParts && page.kind != ManifestPage.PARTS && tree.addSubtree(subtree(ref, height, size))) {
            pagesReused++;
            pos = stop;
            return;
        }
        for (int i = 0; i < page.count && start + page.start(i) < end; i++) {
            long childStart = start + page.start(i);
            long childSize = page.end(i) - page.start(i);
            switch (page.child(i)) {
                case EMPTY -> { }
                case CHUNK -> visitChunk(page.ref(i), childStart);
                case PAGE -> {
                    boolean parts = page.kind == ManifestPage.PARTS;
                    int childHeight = parts ? page.depthAt(i) : Math.max(1, height - 1);
                    visitPage(page.ref(i), childHeight, childStart, childSize, parts);
                }
            }
        }
        if (page.kind != ManifestPage.PARTS && stop < Math.min(base.size(), end)) {
            // end the rebuilt page where the base's ended, so the base pages after it line up and are
            // shared whole (a multipart base's part leaves are not full, an edit may change a count)
            tree.flushBelow(height);
        }
    }

    private static PageEntry subtree(ChunkRef ref, int height, long size) {
        return new PageEntry(ManifestPage.PART_GROUP, height, 1, size, ref);
    }

    /** A base chunk at {@code start}: kept whole, cut around replacements, or skipped under one. */
    private void visitChunk(ChunkRef ref, long start) throws IOException {
        long stop = start + ref.length();
        while (pos < stop && pos < end) {
            boolean more = next < replacements.size();
            if (more && replacements.offset(next) == pos) {
                addReplacement();
                continue;
            }
            long to = Math.min(Math.min(stop, end), more ? replacements.offset(next) : Long.MAX_VALUE);
            if (pos == start && to == stop) {
                add(ref);
            } else {
                addRemainder(ref, (int) (pos - start), (int) (to - pos));
            }
            pos = to;
        }
    }

    /**
     * Past the base: replacements where they go, zero runs between them cut on the chunk grid. A
     * run is the same tree as if its zero references were added one by one, but built in time
     * logarithmic in its length: wherever the builder stands at a boundary of a page of height h,
     * an all-zero page of that height (written once per edit) is added whole, so extending a
     * version to 5 TiB costs a few hundred entries, not 5 TiB / chunk size.
     */
    private void fillTo(long size) throws IOException {
        int grid = base.chunkSize();
        while (pos < size) {
            boolean more = next < replacements.size();
            if (more && replacements.offset(next) == pos) {
                addReplacement();
                continue;
            }
            long gapEnd = more ? replacements.offset(next) : size;
            if (pos % grid == 0 && addZeroSubtree(gapEnd - pos)) {
                continue;
            }
            long cut = Math.min(gapEnd, (pos / grid + 1) * grid);
            add(ZeroChunks.ref((int) (cut - pos)));
            pos = cut;
        }
    }

    /**
     * Adds the highest all-zero page that covers at most {@code room} bytes from {@code pos} (on the
     * grid) and that the builder can take whole; false when it can take none (it holds entries
     * below every height that fits).
     */
    private boolean addZeroSubtree(long room) throws IOException {
        long span = (long) base.chunkSize() * pageEntries; // bytes under a zero leaf
        int height = 0;
        while (span <= room) {
            height++;
            if (span > room / pageEntries) {
                break;
            }
            span *= pageEntries;
        }
        for (int h = height; h >= 1; h--) {
            PageEntry zero = zeroTree(h);
            if (tree.addSubtree(zero)) {
                pos += zero.size();
                return true;
            }
        }
        return false;
    }

    /** The all-zero page of height {@code h} over full grid chunks, written when first needed. */
    private PageEntry zeroTree(int h) throws IOException {
        while (zeroTrees.size() < h) {
            int height = zeroTrees.size() + 1;
            List<PageEntry> entries;
            byte kind;
            if (height == 1) {
                kind = ManifestPage.LEAF;
                entries = java.util.Collections.nCopies(pageEntries, PageEntry.chunk(ZeroChunks.ref(base.chunkSize())));
            } else {
                kind = ManifestPage.INNER;
                entries = java.util.Collections.nCopies(pageEntries, zeroTrees.get(height - 2));
            }
            long size = entries.get(0).size() * pageEntries;
            zeroTrees.add(subtree(storePage(ManifestPage.encode(kind, entries)), height, size));
        }
        return zeroTrees.get(h - 1);
    }

    private void addReplacement() throws IOException {
        add(replacements.ref(next));
        pos = replacements.end(next);
        next++;
    }

    private void add(ChunkRef chunk) throws IOException {
        tree.add(PageEntry.chunk(chunk));
    }

    /** {@code len} bytes at {@code from} of a base chunk, read (verified) and stored as a chunk of their own. */
    private void addRemainder(ChunkRef ref, int from, int len) throws IOException {
        if (ref.isZero()) {
            add(ZeroChunks.ref(len));
            return;
        }
        byte[] whole = reader.readChunk(ref);
        rewrittenBytes += len;
        add(storeBytes(whole, from, len, false));
    }

    // ---- storing ----------------------------------------------------------------------------------

    private ChunkRef storeBytes(byte[] b, int off, int len) throws IOException {
        return storeBytes(b, off, len, true);
    }

    private ChunkRef storeBytes(byte[] b, int off, int len, boolean count) throws IOException {
        if (ZeroChunks.isZero(b, off, len)) {
            return ZeroChunks.ref(len);
        }
        ChunkHash hash = sha256(b, off, len);
        ChunkRef ref = written.get(hash);
        if (ref != null && ref.length() == len) {
            return ref;
        }
        ref = sink.append(PackReader.EntryType.CHUNK, hash, b, off, len);
        written.putIfAbsent(ref);
        if (count) {
            storedChunks++;
            storedBytes += len;
        }
        return ref;
    }

    private ChunkRef storePage(byte[] page) throws IOException {
        pagesEncoded++;
        ChunkHash hash = sha256(page, 0, page.length);
        ChunkRef ref = written.get(hash);
        if (ref == null) {
            ref = sink.append(PackReader.EntryType.MANIFEST_PAGE, hash, page, 0, page.length);
            written.putIfAbsent(ref);
            pagesWritten++;
        }
        return ref;
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
            throw new IllegalStateException("manifest editor is " + state.name().toLowerCase());
        }
    }
}
