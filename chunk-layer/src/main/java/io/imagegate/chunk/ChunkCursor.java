package io.imagegate.chunk;

import java.io.IOException;
import java.util.Arrays;

/**
 * Walks an object's chunks in order from a byte offset, holding the path of pages from the top
 * to the current chunk and loading pages only as it moves into them. Entries of zero size (empty
 * parts) are skipped. One thread.
 */
final class ChunkCursor {

    private final PageSource pages;
    private ManifestPage[] stack = new ManifestPage[8];
    private int[] index = new int[8];
    private long[] base = new long[8];
    private int depth;

    private ChunkCursor(PageSource pages) {
        this.pages = pages;
    }

    /** A cursor on the chunk holding byte {@code offset}; not {@link #valid()} if there is none. */
    static ChunkCursor at(PageSource pages, ManifestRoot root, long offset) throws IOException {
        ChunkCursor c = new ChunkCursor(pages);
        if (root.top() == null || offset >= root.size()) {
            return c;
        }
        ManifestPage top = root.depth() == 0 ? ManifestPage.single(root.top()) : pages.get(root.top());
        if (top.size != root.size()) {
            throw new CorruptChunkException("manifest root says " + root.size() + " bytes, its top page covers "
                    + top.size, root.top().pack(), root.top().offset());
        }
        c.push(top, 0);
        c.seek(offset);
        return c;
    }

    boolean valid() {
        return depth > 0;
    }

    ManifestPage page() {
        return stack[depth - 1];
    }

    int index() {
        return index[depth - 1];
    }

    /** Object offset where the current chunk starts. */
    long start() {
        return base[depth - 1] + page().start(index());
    }

    /** Object offset just past the current chunk. */
    long end() {
        return base[depth - 1] + page().end(index());
    }

    /** Moves to the next chunk; false (and no longer valid) past the last one. */
    boolean next() throws IOException {
        while (depth > 0) {
            int d = depth - 1;
            ManifestPage p = stack[d];
            int i = ++index[d];
            if (i >= p.count) {
                depth--;
                continue;
            }
            if (p.end(i) == p.start(i)) {
                continue;
            }
            ManifestPage.Child kind = p.child(i);
            if (kind == ManifestPage.Child.CHUNK) {
                return true;
            }
            if (kind == ManifestPage.Child.PAGE) {
                push(childOf(p, i), base[d] + p.start(i));
                index[depth - 1] = -1;
            }
        }
        return false;
    }

    private void seek(long offset) throws IOException {
        while (true) {
            int d = depth - 1;
            ManifestPage p = stack[d];
            int i = p.find(offset - base[d]);
            if (i < 0) {
                throw new CorruptChunkException("manifest page does not cover offset " + offset);
            }
            index[d] = i;
            if (p.child(i) == ManifestPage.Child.CHUNK) {
                return;
            }
            push(childOf(p, i), base[d] + p.start(i));
        }
    }

    private ManifestPage childOf(ManifestPage parent, int i) throws IOException {
        ManifestPage child = pages.child(parent, i);
        long expected = parent.end(i) - parent.start(i);
        if (child.size != expected) {
            throw new CorruptChunkException("child page covers " + child.size + " bytes, its parent says " + expected,
                    parent.pack(i), parent.packOffset(i));
        }
        return child;
    }

    private void push(ManifestPage page, long pageBase) throws CorruptChunkException {
        if (depth == ManifestRoot.MAX_DEPTH + 1) {
            throw new CorruptChunkException("manifest tree deeper than " + ManifestRoot.MAX_DEPTH);
        }
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, depth * 2);
            index = Arrays.copyOf(index, depth * 2);
            base = Arrays.copyOf(base, depth * 2);
        }
        stack[depth] = page;
        base[depth] = pageBase;
        depth++;
    }
}
