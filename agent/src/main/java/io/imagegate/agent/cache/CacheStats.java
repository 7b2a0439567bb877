package io.imagegate.agent.cache;

/** A moment's view of the node cache, for status and metrics. */
public record CacheStats(String directory, long entries, long bytes, long maxBytes, long hits, long misses,
                         long evictions, long corrupt, long writeErrors) {}
