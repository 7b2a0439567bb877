package io.imagegate.agent.image;

import io.imagegate.agent.cache.CacheKey;
import io.imagegate.agent.remote.Manifest;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.chunk.ChunkHash;

/**
 * One pinned version of an image and how its bytes are cut into chunks: by its imagegate manifest
 * (chunks named by SHA-256, verified on arrival, shared across versions), or, on plain S3, on a
 * fixed grid named by position in this exact version.
 */
public sealed interface ImageVersion permits ImageVersion.Chunked, ImageVersion.Plain {

    /** The object, with the version id pinned (null on an unversioned bucket: then the ETag pins it). */
    ObjectRef ref();

    String etag();

    long size();

    int count();

    long offset(int i);

    int length(int i);

    /** The chunk holding byte {@code pos}, 0 <= pos < size. */
    int indexOf(long pos);

    /** True for a chunk known to be all zeros: never fetched, never cached. */
    boolean zero(int i);

    CacheKey cacheKey(int i);

    /** The hash the fetched bytes must have, or null when the store offers none (plain S3). */
    ChunkHash expected(int i);

    /** The grid a snapshot is cut on: the bucket's chunk size, or the plain fetch unit. */
    int gridSize();

    String mode();

    /** A version with an imagegate manifest. */
    record Chunked(ObjectRef ref, Manifest manifest) implements ImageVersion {
        @Override public String etag() { return manifest.etag(); }
        @Override public long size() { return manifest.size(); }
        @Override public int count() { return manifest.count(); }
        @Override public long offset(int i) { return manifest.offset(i); }
        @Override public int length(int i) { return manifest.length(i); }
        @Override public int indexOf(long pos) { return manifest.indexOf(pos); }
        @Override public boolean zero(int i) { return manifest.zero(i); }
        @Override public CacheKey cacheKey(int i) { return CacheKey.content(manifest.hash(i)); }
        @Override public ChunkHash expected(int i) { return manifest.hash(i); }
        @Override public int gridSize() { return manifest.chunkSize(); }
        @Override public String mode() { return "manifest"; }
    }

    /** A version on a plain S3 service, cut into {@code chunkSize} pieces. */
    record Plain(String service, ObjectRef ref, String etag, long size, int chunkSize) implements ImageVersion {
        @Override public int count() { return (int) ((size + chunkSize - 1) / chunkSize); }
        @Override public long offset(int i) { return (long) i * chunkSize; }
        @Override public int length(int i) { return (int) Math.min(chunkSize, size - offset(i)); }
        @Override public int indexOf(long pos) { return (int) (pos / chunkSize); }
        @Override public boolean zero(int i) { return false; }
        @Override public CacheKey cacheKey(int i) {
            return CacheKey.range(service, ref.bucket(), ref.key(), ref.pinnedByVersion() ? ref.versionId() : null,
                    etag, chunkSize, i);
        }
        @Override public ChunkHash expected(int i) { return null; }
        @Override public int gridSize() { return chunkSize; }
        @Override public String mode() { return "plain"; }
    }
}
