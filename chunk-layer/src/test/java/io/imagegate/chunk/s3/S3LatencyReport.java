package io.imagegate.chunk.s3;

import io.imagegate.chunk.CachingChunkStore;
import io.imagegate.chunk.ChunkCacheConfig;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.chunk.ObjectWriter;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints range-read latency through s3proxy (in this JVM, loopback HTTP, filesystem blobstore)
 * with and without the cache, and what coalescing saves; asserts nothing. Run with
 * {@code IMAGEGATE_BENCH=1 mvn -pl chunk-layer test -Dtest=S3LatencyReport}; output lands in
 * target/surefire-reports/io.imagegate.chunk.s3.S3LatencyReport-output.txt.
 */
@EnabledIfEnvironmentVariable(named = "IMAGEGATE_BENCH", matches = "1")
class S3LatencyReport {

    private static final int MiB = 1 << 20;
    private static final int CHUNK = 64 * 1024;
    private static final OutputStream SINK = OutputStream.nullOutputStream();

    @TempDir
    Path dir;

    @Test
    void report() throws Exception {
        try (S3TestServer server = S3TestServer.start(dir)) {
            S3StoreConfig config = server.config("bench/");
            byte[] data = S3RepositoryTest.random(1, 64 * MiB);
            ManifestRoot root;
            try (DefaultChunkRepository repo = new DefaultChunkRepository(S3ChunkStore.open(config))) {
                long t0 = System.nanoTime();
                try (ObjectWriter w = repo.newWriter(CHUNK, DedupIndex.NONE)) {
                    w.write(data, 0, data.length);
                    root = w.finish();
                }
                print("write a 64 MiB object (2 packs, multipart uploads)", System.nanoTime() - t0);
            }
            int reads = 400;
            long[] offsets = new Random(2).longs(reads, 0, data.length / CHUNK).map(i -> i * CHUNK).toArray();

            S3ChunkStore direct = S3ChunkStore.open(config);
            try (DefaultChunkRepository repo = new DefaultChunkRepository(direct)) {
                repo.read(root, 0, 1, SINK); // pages
                long[] warmup = new Random(3).longs(300, 0, data.length / CHUNK).map(i -> i * CHUNK).toArray();
                latencies("warm-up (JIT), no cache", repo, root, warmup, CHUNK);
                long before = direct.requests().gets();
                latencies("64 KiB chunk-aligned range reads, no cache", repo, root, offsets, CHUNK);
                System.out.printf(Locale.ROOT, "  S3 GETs: %d%n", direct.requests().gets() - before);
            }

            S3ChunkStore behind = S3ChunkStore.open(config);
            MetricsChunkStore stack = new MetricsChunkStore(new CachingChunkStore(behind,
                    ChunkCacheConfig.defaults().withMemoryBytes(256L * MiB)));
            try (DefaultChunkRepository repo = new DefaultChunkRepository(stack)) {
                repo.read(root, 0, 1, SINK);
                latencies("same reads through the cache, cold", repo, root, offsets, CHUNK);
                latencies("same reads through the cache, warm", repo, root, offsets, CHUNK);
                System.out.printf(Locale.ROOT, "  S3 GETs: %d; stack stats %s%n", behind.requests().gets(), stack.stats());
            }

            S3ChunkStore counted = S3ChunkStore.open(config);
            try (DefaultChunkRepository repo = new DefaultChunkRepository(counted)) {
                repo.read(root, 0, 1, SINK);
                long[] mib = Arrays.stream(offsets).limit(100).map(o -> o / MiB * MiB).toArray();
                long before = counted.requests().gets();
                latencies("1 MiB aligned range reads (16 chunks coalesced)", repo, root, mib, MiB);
                long coalesced = counted.requests().gets() - before;
                before = counted.requests().gets();
                long t0 = System.nanoTime();
                for (long o : mib) {
                    for (int k = 0; k < 16; k++) {
                        repo.read(root, o + (long) k * CHUNK, CHUNK, SINK);
                    }
                }
                long split = counted.requests().gets() - before;
                System.out.printf(Locale.ROOT, "  S3 GETs for %d MiB: %d coalesced vs %d chunk by chunk (%.1f ms per MiB"
                        + " chunk by chunk); %d requests saved%n", mib.length, coalesced, split,
                        (System.nanoTime() - t0) / 1e6 / mib.length, split - coalesced);
            }
        }
    }

    private static void latencies(String what, DefaultChunkRepository repo, ManifestRoot root, long[] offsets,
            int length) throws Exception {
        long[] ns = new long[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            long t0 = System.nanoTime();
            repo.read(root, offsets[i], Math.min(length, root.size() - offsets[i]), SINK);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.printf(Locale.ROOT, "%-52s n=%d p50=%.3f ms p90=%.3f ms p99=%.3f ms mean=%.3f ms%n", what,
                ns.length, ns[ns.length / 2] / 1e6, ns[ns.length * 9 / 10] / 1e6, ns[ns.length * 99 / 100] / 1e6,
                Arrays.stream(ns).average().orElse(0) / 1e6);
    }

    private static void print(String what, long ns) {
        System.out.printf(Locale.ROOT, "%-52s %.0f ms%n", what, ns / 1e6);
    }
}
