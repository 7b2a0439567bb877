package io.imagegate.chunk;

/**
 * Settings of a {@link DefaultChunkRepository}; {@link #defaults()} holds every default in one place.
 *
 * @param pageCacheBytes      bytes of parsed manifest pages kept in memory, shared by all requests
 * @param verifyOnRead        check the SHA-256 of every chunk a read covers whole before serving it
 * @param verifyPartialChunks also read whole, and check, the chunks a range covers only in part
 *                            (its edges), unless they were checked within {@code verifiedMemorySeconds}
 * @param verifiedMemorySeconds how long a chunk location that matched its hash is trusted without
 *                            hashing it again (0: hash on every read)
 * @param maxPackBytes        a writer rolls to a new pack before a pack grows past this
 * @param maxReadBytes        cap on one coalesced read of adjacent chunks
 * @param pageEntries         references per manifest page (leaf, inner and parts pages)
 * @param bufferPoolBytes     bytes of read and staging buffers kept for reuse
 * @param dedupTableEntries   chunk references one upload's dedup tables hold (its own chunks,
 *                            and its bases'), about 64 bytes each at most; past it, dedup is
 *                            best-effort. 2^20 covers 64 GiB of 64 KiB chunks in 64 MB.
 */
public record RepositoryConfig(
        long pageCacheBytes,
        boolean verifyOnRead,
        boolean verifyPartialChunks,
        int verifiedMemorySeconds,
        long maxPackBytes,
        int maxReadBytes,
        int pageEntries,
        long bufferPoolBytes,
        int dedupTableEntries) {

    public static final long MiB = 1024 * 1024;

    public RepositoryConfig {
        if (pageCacheBytes < 0 || bufferPoolBytes < 0) {
            throw new IllegalArgumentException("cache and pool sizes must not be negative");
        }
        if (maxPackBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxPackBytes below 64 KiB: " + maxPackBytes);
        }
        if (maxReadBytes < 64 * 1024 || maxReadBytes > 64 * MiB) {
            throw new IllegalArgumentException("maxReadBytes outside 64 KiB..64 MiB: " + maxReadBytes);
        }
        if (verifiedMemorySeconds < 0) {
            throw new IllegalArgumentException("verifiedMemorySeconds must not be negative: " + verifiedMemorySeconds);
        }
        if (pageEntries < 2 || pageEntries > 65_536) {
            throw new IllegalArgumentException("pageEntries outside 2..65536: " + pageEntries);
        }
        if (dedupTableEntries < 0 || dedupTableEntries > ChunkTable.MAX_ENTRIES) {
            throw new IllegalArgumentException("dedupTableEntries outside 0.." + ChunkTable.MAX_ENTRIES);
        }
    }

    public static RepositoryConfig defaults() {
        return new RepositoryConfig(64 * MiB, true, true, 60, 64 * MiB, (int) (4 * MiB), 32, 32 * MiB, 1 << 20);
    }

    public RepositoryConfig withPageCacheBytes(long bytes) {
        return new RepositoryConfig(bytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withVerifyOnRead(boolean verify) {
        return new RepositoryConfig(pageCacheBytes, verify, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withVerifyPartialChunks(boolean verify) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verify, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withVerifiedMemorySeconds(int seconds) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, seconds, maxPackBytes, maxReadBytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withMaxPackBytes(long bytes) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, bytes, maxReadBytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withMaxReadBytes(int bytes) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, bytes,
                pageEntries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withPageEntries(int entries) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                entries, bufferPoolBytes, dedupTableEntries);
    }

    public RepositoryConfig withBufferPoolBytes(long bytes) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                pageEntries, bytes, dedupTableEntries);
    }

    public RepositoryConfig withDedupTableEntries(int entries) {
        return new RepositoryConfig(pageCacheBytes, verifyOnRead, verifyPartialChunks, verifiedMemorySeconds, maxPackBytes, maxReadBytes,
                pageEntries, bufferPoolBytes, entries);
    }
}
