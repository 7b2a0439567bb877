package io.imagegate.chunk;

import java.nio.file.Path;

/**
 * Settings of a {@link CachingChunkStore}; {@link #defaults()} holds every default in one place.
 *
 * @param memoryBytes        bytes of pack ranges kept in memory
 * @param diskDir            a directory the cache owns for its disk tier (emptied at start-up), or
 *                           null for no disk tier
 * @param diskBytes          bytes of pack ranges kept on disk
 * @param maxCachedReadBytes reads larger than this pass straight through (bulk reads such as a
 *                           collector's must not flush the cache)
 */
public record ChunkCacheConfig(long memoryBytes, Path diskDir, long diskBytes, int maxCachedReadBytes) {

    public static final long MiB = 1024 * 1024;

    public ChunkCacheConfig {
        if (memoryBytes < 0 || diskBytes < 0 || maxCachedReadBytes < 0) {
            throw new IllegalArgumentException("cache sizes must not be negative");
        }
        if (diskDir != null && diskBytes == 0) {
            throw new IllegalArgumentException("a disk tier needs diskBytes > 0");
        }
    }

    /** 256 MiB in memory, no disk tier, reads up to 16 MiB cached. */
    public static ChunkCacheConfig defaults() {
        return new ChunkCacheConfig(256 * MiB, null, 0, (int) (16 * MiB));
    }

    public ChunkCacheConfig withMemoryBytes(long bytes) {
        return new ChunkCacheConfig(bytes, diskDir, diskBytes, maxCachedReadBytes);
    }

    public ChunkCacheConfig withDisk(Path dir, long bytes) {
        return new ChunkCacheConfig(memoryBytes, dir, bytes, maxCachedReadBytes);
    }

    public ChunkCacheConfig withMaxCachedReadBytes(int bytes) {
        return new ChunkCacheConfig(memoryBytes, diskDir, diskBytes, bytes);
    }
}
