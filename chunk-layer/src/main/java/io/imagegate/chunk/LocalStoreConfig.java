package io.imagegate.chunk;

import java.time.Duration;

/**
 * Settings of a {@link LocalChunkStore}; {@link #defaults()} holds every default in one place.
 *
 * @param openPackCacheSize pack files kept open for positional reads
 * @param tempMaxAge        unsealed temporary packs older than this are deleted on open: they were
 *                          left by a crash, since no upload runs that long between pack rolls
 */
public record LocalStoreConfig(int openPackCacheSize, Duration tempMaxAge) {

    public LocalStoreConfig {
        if (openPackCacheSize < 1) {
            throw new IllegalArgumentException("openPackCacheSize must be positive: " + openPackCacheSize);
        }
        if (tempMaxAge == null || tempMaxAge.isNegative()) {
            throw new IllegalArgumentException("tempMaxAge must be zero or positive: " + tempMaxAge);
        }
    }

    public static LocalStoreConfig defaults() {
        return new LocalStoreConfig(256, Duration.ofHours(1));
    }

    public LocalStoreConfig withOpenPackCacheSize(int size) {
        return new LocalStoreConfig(size, tempMaxAge);
    }

    public LocalStoreConfig withTempMaxAge(Duration age) {
        return new LocalStoreConfig(openPackCacheSize, age);
    }
}
