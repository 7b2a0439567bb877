package io.imagegate.chunk;

/**
 * What a version record stores to find an object's bytes: the reference to the top of its
 * manifest tree, the object's size, and the nominal chunk size it was cut with. Encodes to a
 * short string for the metadata layer, which treats it as opaque.
 *
 * @param top   a manifest page, or for an object of exactly one chunk the chunk itself; null
 *              for an empty object
 * @param depth 0 when {@code top} is a data chunk, otherwise the height of the page tree
 *              (1 = a leaf page of chunk references)
 */
public record ManifestRoot(ChunkRef top, int depth, long size, int chunkSize) {

    public static ManifestRoot empty(int chunkSize) {
        return new ManifestRoot(null, 0, 0, chunkSize);
    }

    /** The form stored in version records; {@link #decode} reads it back. */
    public String encode() {
        throw new UnsupportedOperationException("chunk-layer: to be implemented");
    }

    public static ManifestRoot decode(String encoded) {
        throw new UnsupportedOperationException("chunk-layer: to be implemented");
    }
}
