package io.imagegate.agent.cache;

import io.imagegate.chunk.ChunkHash;
import java.nio.charset.StandardCharsets;

/**
 * The name of a cached chunk. {@code CONTENT}: the SHA-256 of the chunk's bytes, from an imagegate
 * manifest, shared by every version and image that holds those bytes. {@code RANGE}: for plain S3,
 * where no content hash is known before the fetch, the SHA-256 of the chunk's identity (service,
 * bucket, key, version id, ETag, chunk size, index).
 */
public record CacheKey(Kind kind, ChunkHash name) {

    public enum Kind { CONTENT, RANGE }

    public static CacheKey content(ChunkHash hash) {
        return new CacheKey(Kind.CONTENT, hash);
    }

    public static CacheKey range(String service, String bucket, String key, String versionId, String etag,
                                 int chunkSize, long index) {
        String identity = String.join("\n", "range-v1", service, bucket, key, versionId == null ? "" : versionId,
                etag == null ? "" : etag, Integer.toString(chunkSize), Long.toString(index));
        byte[] b = identity.getBytes(StandardCharsets.UTF_8);
        return new CacheKey(Kind.RANGE, ChunkHash.sha256(b, 0, b.length));
    }
}
