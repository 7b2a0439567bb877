package io.imagegate.chunk;

/**
 * One entry of a manifest page being built: a data chunk (leaf pages), a child page with its
 * logical size (inner pages), or a part or group of parts (parts pages).
 *
 * @param partKind  for parts pages: {@link ManifestPage#PART_EMPTY}, {@link ManifestPage#PART} or
 *                  {@link ManifestPage#PART_GROUP}
 * @param depth     height of what {@code ref} names: 0 for a data chunk, 1 for a leaf page, ...
 * @param partCount parts under this entry (parts pages only)
 * @param size      logical bytes under this entry
 * @param ref       the chunk or page; null only for an empty part
 */
record PageEntry(byte partKind, int depth, int partCount, long size, ChunkRef ref) {

    static PageEntry chunk(ChunkRef ref) {
        return new PageEntry(ManifestPage.PART, 0, 1, ref.length(), ref);
    }

    static PageEntry part(ManifestRoot root) {
        if (root.top() == null) {
            if (root.size() != 0) {
                throw new IllegalArgumentException("a part without a top must be empty: " + root);
            }
            return new PageEntry(ManifestPage.PART_EMPTY, 0, 1, 0, null);
        }
        return new PageEntry(ManifestPage.PART, root.depth(), 1, root.size(), root.top());
    }
}
