package io.imagegate.chunk;

/**
 * What a store stack did so far, as {@link MetricsChunkStore#stats()} sees it: reads asked of the
 * stack and their bytes, reads that failed, reads that reached the backend (below any cache) and
 * their bytes, cache hits and misses (zero without a cache), packs sealed and their bytes, deletes.
 */
public record ChunkStoreStats(
        long reads,
        long bytesRead,
        long readFailures,
        long backendReads,
        long backendBytesRead,
        long cacheHits,
        long cacheMisses,
        long packsWritten,
        long bytesWritten,
        long deletes) {

    /** Cache hits over cache lookups; 0 before any read or without a cache. */
    public double cacheHitRatio() {
        long total = cacheHits + cacheMisses;
        return total == 0 ? 0 : (double) cacheHits / total;
    }
}
