package io.imagegate.gateway;

import io.imagegate.chunk.CachingChunkStore;
import io.imagegate.chunk.ChunkCacheConfig;
import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.LocalChunkStore;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.chunk.s3.S3ChunkStore;
import io.imagegate.chunk.s3.S3StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a gateway keeps its chunks: the local directory under the data directory (the default),
 * or an S3 service ({@code s3://bucket/prefix} at an endpoint), with a cache in front of a
 * remote store, and counters around whatever was chosen.
 *
 * @param s3Uri        null for the local store
 * @param endpoint     the S3 service's URL; null for AWS S3
 * @param region       the region requests to the service are signed for; null for us-east-1
 * @param accessKey    the service's keys; null for the AWS default chain (environment, profile, role)
 * @param cacheBytes   memory cache in front of an S3 store
 * @param cacheDir     optional disk tier of that cache; null for none
 * @param cacheDiskBytes bound of the disk tier
 */
public record ChunkStoreOptions(String s3Uri, String endpoint, String region, String accessKey, String secretKey,
                                long cacheBytes, Path cacheDir, long cacheDiskBytes) {

    public static final String ACCESS_ENV = "IMAGEGATE_CHUNKS_ACCESS_KEY";
    public static final String SECRET_ENV = "IMAGEGATE_CHUNKS_SECRET_KEY";

    public static ChunkStoreOptions local() {
        return new ChunkStoreOptions(null, null, null, null, null, 256L << 20, null, 0);
    }

    public static ChunkStoreOptions s3(String uri, String endpoint, String accessKey, String secretKey) {
        return new ChunkStoreOptions(uri, endpoint, null, accessKey, secretKey, 256L << 20, null, 0);
    }

    public boolean isLocal() {
        return s3Uri == null;
    }

    /** A store ready for use, with the check that tells whether its backend answers. */
    record Opened(MetricsChunkStore store, Probe probe) {}

    /** Throws when the store's backend does not answer. */
    @FunctionalInterface
    public interface Probe {
        void check() throws IOException;
    }

    /** Opens the store, wrapped in its cache (remote stores only) and its counters. */
    Opened open(Path dataDir) throws IOException {
        ChunkStore base;
        Probe probe;
        if (isLocal()) {
            Path dir = dataDir.resolve("chunks");
            base = LocalChunkStore.open(dir);
            probe = () -> {
                if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                    throw new IOException("chunk directory " + dir + " is not a writable directory");
                }
            };
        } else {
            S3StoreConfig config = S3StoreConfig.fromUri(s3Uri, endpoint, accessKey, secretKey);
            S3ChunkStore s3 = S3ChunkStore.open(region == null ? config : config.withRegion(region));
            probe = s3::probe;
            ChunkCacheConfig cache = ChunkCacheConfig.defaults().withMemoryBytes(cacheBytes);
            if (cacheDir != null) {
                cache = cache.withDisk(cacheDir, cacheDiskBytes);
            }
            base = new CachingChunkStore(s3, cache);
        }
        return new Opened(new MetricsChunkStore(base), probe);
    }

    /** A short description for the start-up banner. */
    public String describe(Path dataDir) {
        return isLocal() ? dataDir.resolve("chunks").toString()
                : s3Uri + (endpoint != null ? " at " + endpoint : "") + " (cache " + (cacheBytes >> 20) + " MiB"
                        + (cacheDir != null ? " + " + (cacheDiskBytes >> 20) + " MiB on " + cacheDir : "") + ")";
    }
}
