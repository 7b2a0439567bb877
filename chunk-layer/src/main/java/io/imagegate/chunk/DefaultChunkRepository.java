package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The chunk layer over any {@link ChunkStore}: writers, range reads, manifest composition and
 * whole-tree walks, sharing one cache of parsed manifest pages and one buffer pool. Thread-safe;
 * one instance serves the whole process. Closing it closes the store.
 */
public final class DefaultChunkRepository implements ChunkRepository {

    /** Parsed redirect records kept for readers of rewritten packs. */
    private static final long REDIRECT_CACHE_BYTES = 16 * RepositoryConfig.MiB;

    private final ChunkStore store;
    /** The store with rewritten packs' redirects followed: what every reader and writer here uses. */
    private final RedirectingChunkStore reads;
    private final RepositoryConfig config;
    private final BufferPool buffers;
    private final PageSource pages;
    private final RangeReader reader;
    private final Supplier<PackId> packIds;

    public DefaultChunkRepository(ChunkStore store, RepositoryConfig config) {
        this(store, config, PackSink::newPackId);
    }

    /**
     * @param packIds names the packs its writers and concatenations open: new random ids, except in
     *                tests that reproduce a pack byte for byte (a pack's pages name its id)
     */
    DefaultChunkRepository(ChunkStore store, RepositoryConfig config, Supplier<PackId> packIds) {
        this.packIds = Objects.requireNonNull(packIds, "packIds");
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.reads = new RedirectingChunkStore(store, REDIRECT_CACHE_BYTES);
        this.buffers = new BufferPool(config.bufferPoolBytes());
        this.pages = new PageSource(reads, config.pageCacheBytes());
        this.reader = new RangeReader(reads, pages, buffers, config);
    }

    public DefaultChunkRepository(ChunkStore store) {
        this(store, RepositoryConfig.defaults());
    }

    public RepositoryConfig config() {
        return config;
    }

    /** The store as given, without redirects followed: for listings, the collector and reports. */
    public ChunkStore store() {
        return store;
    }

    /** The store readers use, which follows redirects; the collector resolves references through it. */
    RedirectingChunkStore redirectingStore() {
        return reads;
    }

    BufferPool buffers() {
        return buffers;
    }

    @Override
    public ObjectWriter newWriter(int chunkSize, DedupIndex dedup) {
        return new ChunkingObjectWriter(reads, config, buffers, chunkSize, dedup, packIds);
    }

    @Override
    public void read(ManifestRoot root, long offset, long length, OutputStream out) throws IOException {
        reader.read(root, offset, length, out);
    }

    @Override
    public ManifestRoot concat(List<ManifestRoot> parts) throws IOException {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat needs at least one part");
        }
        PackSink sink = new PackSink(reads, config.maxPackBytes(), buffers, packIds);
        ChunkTable written = new ChunkTable(16, config.dedupTableEntries());
        PageTreeBuilder tree = PageTreeBuilder.partsTree(page -> {
            ChunkHash hash = ChunkHash.sha256(page, 0, page.length);
            ChunkRef ref = written.get(hash);
            if (ref == null) {
                ref = sink.append(PackReader.EntryType.MANIFEST_PAGE, hash, page, 0, page.length);
                written.putIfAbsent(ref);
            }
            return ref;
        }, config.pageEntries());
        try {
            long size = 0;
            for (ManifestRoot part : parts) {
                tree.add(PageEntry.part(part));
                size = Math.addExact(size, part.size());
            }
            PageEntry top = tree.finish();
            sink.sealAll();
            return new ManifestRoot(top.ref(), top.depth(), size, parts.get(0).chunkSize());
        } catch (IOException | RuntimeException e) {
            sink.abortAll();
            throw e;
        }
    }

    @Override
    public ManifestRoot slice(ManifestRoot root, long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, root.size());
        if (length == 0) {
            return ManifestRoot.empty(root.chunkSize());
        }
        if (offset == 0 && length == root.size()) {
            return root; // content addressing makes sharing the whole tree exact
        }
        long end = offset + length;
        try (ChunkingObjectWriter writer = new ChunkingObjectWriter(reads, config, buffers,
                Math.max(4096, Math.min(root.chunkSize(), ManifestRoot.MAX_CHUNK_SIZE)), DedupIndex.NONE, packIds)) {
            ChunkCursor c = ChunkCursor.at(pages, root, offset);
            for (boolean more = c.valid(); more && c.start() < end; more = c.next()) {
                ChunkRef ref = c.page().ref(c.index());
                long from = Math.max(offset, c.start());
                long to = Math.min(end, c.end());
                if (from == c.start() && to == c.end()) {
                    writer.writeRef(ref);
                } else {
                    byte[] whole = reader.readChunk(ref); // verified: a bad edge must not become a good chunk
                    writer.writeChunk(whole, (int) (from - c.start()), (int) (to - from));
                }
            }
            ManifestRoot sliced = writer.finish();
            return new ManifestRoot(sliced.top(), sliced.depth(), sliced.size(), root.chunkSize());
        }
    }

    @Override
    public Optional<ByteRange> partRange(ManifestRoot root, int partNumber) throws IOException {
        Optional<ManifestPage> top = partsTop(root);
        if (top.isEmpty() || partNumber < 1 || partNumber > top.get().partCount()) {
            return Optional.empty();
        }
        ManifestPage page = top.get();
        long base = 0;
        int n = partNumber;
        while (true) {
            int i = page.entryOfPart(n);
            n -= page.partsBefore(i);
            base += page.start(i);
            if (!page.isGroup(i)) {
                return Optional.of(new ByteRange(base, page.end(i) - page.start(i)));
            }
            ManifestPage group = pages.child(page, i);
            if (group.kind != ManifestPage.PARTS || group.partCount() != page.partCountAt(i)) {
                throw new CorruptChunkException("parts group does not hold the parts its parent counts",
                        page.pack(i), page.packOffset(i));
            }
            page = group;
        }
    }

    @Override
    public OptionalInt partCount(ManifestRoot root) throws IOException {
        Optional<ManifestPage> top = partsTop(root);
        return top.isEmpty() ? OptionalInt.empty() : OptionalInt.of(top.get().partCount());
    }

    private Optional<ManifestPage> partsTop(ManifestRoot root) throws IOException {
        if (root.top() == null || root.depth() == 0) {
            return Optional.empty();
        }
        ManifestPage top = pages.get(root.top());
        return top.kind == ManifestPage.PARTS ? Optional.of(top) : Optional.empty();
    }

    @Override
    public Stream<ChunkAt> chunks(ManifestRoot root, long fromOffset) throws IOException {
        if (fromOffset < 0) {
            throw new IllegalArgumentException("negative offset: " + fromOffset);
        }
        ChunkCursor cursor = ChunkCursor.at(pages, root, fromOffset);
        Spliterator<ChunkAt> it = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE,
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE) {
            private boolean first = true;

            @Override
            public boolean tryAdvance(Consumer<? super ChunkAt> action) {
                try {
                    if (!first && cursor.valid()) {
                        cursor.next();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                first = false;
                if (!cursor.valid()) {
                    return false;
                }
                action.accept(new ChunkAt(cursor.start(), cursor.page().ref(cursor.index())));
                return true;
            }
        };
        return StreamSupport.stream(it, false);
    }

    @Override
    public ManifestEditor edit(ManifestRoot base) {
        return new TreeEditor(reads, config, buffers, pages, reader, base);
    }

    @Override
    public DedupIndex dedupIndex(List<ManifestRoot> bases) {
        return bases.isEmpty() ? DedupIndex.NONE : new BaseDedupIndex(this, bases, config.dedupTableEntries());
    }

    /**
     * Reports every manifest page and every stored chunk reachable from {@code root}: what the
     * garbage collector marks. Zero references name no stored bytes and are not reported; a page
     * that occurs several times in the tree is reported (and descended) once per walk. Pages are
     * read without filling the page cache.
     */
    public void walk(ManifestRoot root, Consumer<ChunkRef> pageRefs, Consumer<ChunkRef> chunkRefs) throws IOException {
        Set<ChunkHash> seen = new HashSet<>();
        walkPages(root, ref -> {
            if (!seen.add(ref.hash())) {
                return false;
            }
            pageRefs.accept(ref);
            return true;
        }, chunkRefs);
    }

    /**
     * Like {@link #walk(ManifestRoot, Consumer, Consumer)}, but the caller decides which pages to
     * descend: {@code enterPage} sees every page reference met and returns false for a page whose
     * subtree it has already seen (a page's content, and so its subtree, is fixed by its hash).
     * Walks over many roots share one set of seen pages this way and read each page once.
     */
    public void walkPages(ManifestRoot root, Predicate<ChunkRef> enterPage, Consumer<ChunkRef> chunkRefs)
            throws IOException {
        if (root.top() == null) {
            return;
        }
        if (root.depth() == 0) {
            if (!root.top().isZero()) {
                chunkRefs.accept(root.top());
            }
            return;
        }
        walkPage(root.top(), enterPage, chunkRefs);
    }

    private void walkPage(ChunkRef ref, Predicate<ChunkRef> enterPage, Consumer<ChunkRef> chunkRefs)
            throws IOException {
        if (!enterPage.test(ref)) {
            return;
        }
        ManifestPage page = pages.getUncached(ref);
        for (int i = 0; i < page.count; i++) {
            switch (page.child(i)) {
                case CHUNK -> {
                    if (!page.isZero(i)) {
                        chunkRefs.accept(page.ref(i));
                    }
                }
                case PAGE -> walkPage(page.ref(i), enterPage, chunkRefs);
                case EMPTY -> { }
            }
        }
    }

    /** Bytes of parsed pages now cached; for metrics. */
    public long cachedPageBytes() {
        return pages.cachedBytes();
    }

    @Override
    public void close() throws IOException {
        pages.clear();
        store.close();
    }
}
