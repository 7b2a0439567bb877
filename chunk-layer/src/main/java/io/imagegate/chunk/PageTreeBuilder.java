package io.imagegate.chunk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a manifest tree bottom-up from entries in object order, writing each page as soon as it
 * fills, so memory holds at most one partial page per level however large the object. Object
 * trees have leaf pages over chunks and inner pages above; parts trees have parts pages only.
 */
final class PageTreeBuilder {

    /** Stores a page's bytes and says where they went. */
    interface PageWriter {
        ChunkRef write(byte[] page) throws IOException;
    }

    private final PageWriter writer;
    private final int fanout;
    private final boolean parts;
    private final List<List<PageEntry>> levels = new ArrayList<>();
    private final List<Integer> pagesWritten = new ArrayList<>();

    private PageTreeBuilder(PageWriter writer, int fanout, boolean parts) {
        this.writer = writer;
        this.fanout = fanout;
        this.parts = parts;
    }

    /** A tree of leaf and inner pages over data chunks. */
    static PageTreeBuilder objectTree(PageWriter writer, int fanout) {
        return new PageTreeBuilder(writer, fanout, false);
    }

    /** A tree of parts pages over part roots; its top is always a page, even for one part. */
    static PageTreeBuilder partsTree(PageWriter writer, int fanout) {
        return new PageTreeBuilder(writer, fanout, true);
    }

    void add(PageEntry entry) throws IOException {
        push(0, entry);
    }

    /**
     * Adds an existing page of height {@code entry.depth()} (1 = a leaf) whole, so it is shared by
     * reference rather than rebuilt: possible when nothing is pending below that height, that is
     * when the tree being built stands at a boundary of such a page. Object trees only. Returns
     * false, adding nothing, otherwise; the caller then adds what the page holds.
     */
    boolean addSubtree(PageEntry entry) throws IOException {
        int height = entry.depth();
        if (parts || height < 1) {
            throw new IllegalArgumentException("a shared subtree is a leaf or inner page of an object tree");
        }
        for (int level = 0; level < Math.min(height, levels.size()); level++) {
            if (!levels.get(level).isEmpty()) {
                return false;
            }
        }
        while (levels.size() < height) {
            levels.add(new ArrayList<>(Math.min(fanout, 1024)));
            pagesWritten.add(0);
        }
        push(height, entry);
        return true;
    }

    /**
     * Writes what is pending below {@code height} as pages now, even if not full, so the tree being
     * built stands at a boundary of a page of that height: an editor calls it after rebuilding a
     * base page so that the base pages after it can still be shared whole.
     */
    void flushBelow(int height) throws IOException {
        for (int level = 0; level < Math.min(height, levels.size()); level++) {
            if (!levels.get(level).isEmpty()) {
                emit(level);
            }
        }
    }

    /**
     * Writes the partial pages and returns the entry naming the top: a data chunk (depth 0) when
     * an object tree holds a single chunk, a page otherwise; null when nothing was added.
     */
    PageEntry finish() throws IOException {
        if (levels.isEmpty()) {
            return null;
        }
        for (int level = 0; ; level++) {
            List<PageEntry> pending = levels.get(level);
            boolean topLevel = level == levels.size() - 1;
            if (topLevel && pagesWritten.get(level) == 0 && pending.size() == 1 && (level > 0 || !parts)) {
                return pending.get(0);
            }
            if (!pending.isEmpty()) {
                emit(level);
            }
        }
    }

    private void push(int level, PageEntry entry) throws IOException {
        if (level == levels.size()) {
            levels.add(new ArrayList<>(Math.min(fanout, 1024)));
            pagesWritten.add(0);
        }
        if (entry.depth() >= ManifestRoot.MAX_DEPTH) {
            throw new IllegalArgumentException("manifest tree would be deeper than " + ManifestRoot.MAX_DEPTH);
        }
        List<PageEntry> pending = levels.get(level);
        pending.add(entry);
        if (pending.size() == fanout) {
            emit(level);
        }
    }

    private void emit(int level) throws IOException {
        List<PageEntry> pending = levels.get(level);
        byte kind = parts ? ManifestPage.PARTS : level == 0 ? ManifestPage.LEAF : ManifestPage.INNER;
        long size = 0;
        int depth = 0;
        long partCount = 0;
        for (PageEntry e : pending) {
            size += e.size();
            depth = Math.max(depth, e.depth());
            partCount += e.partCount();
        }
        ChunkRef ref = writer.write(ManifestPage.encode(kind, pending));
        pending.clear();
        pagesWritten.set(level, pagesWritten.get(level) + 1);
        int groupParts = parts ? Math.toIntExact(partCount) : 1;
        push(level + 1, new PageEntry(ManifestPage.PART_GROUP, depth + 1, groupParts, size, ref));
    }
}
