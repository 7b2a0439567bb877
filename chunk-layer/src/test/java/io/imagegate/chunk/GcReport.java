package io.imagegate.chunk;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints how long collections take on a local store; asserts nothing. Run with
 * {@code IMAGEGATE_BENCH=1 mvn -pl chunk-layer test -Dtest=GcReport} (IMAGEGATE_BENCH_PACKS sets
 * the number of packs of the first scenario, default 4000); output lands in
 * target/surefire-reports/io.imagegate.chunk.GcReport-output.txt.
 */
@EnabledIfEnvironmentVariable(named = "IMAGEGATE_BENCH", matches = "1")
class GcReport {

    @TempDir
    Path dir;

    /** Many small objects, one pack each: half dropped, a quarter of the rest cut to a sliver. */
    @Test
    void manyPacks() throws IOException {
        int n = Integer.parseInt(System.getenv().getOrDefault("IMAGEGATE_BENCH_PACKS", "4000"));
        int chunk = 4096;
        try (DefaultChunkRepository repo = new DefaultChunkRepository(LocalChunkStore.open(dir.resolve("many")))) {
            MemoryRoots roots = new MemoryRoots();
            Random r = new Random(1);
            byte[] data = new byte[16 * chunk];
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                r.nextBytes(data);
                ManifestRoot root;
                try (ObjectWriter w = repo.newWriter(chunk, DedupIndex.NONE)) {
                    w.write(data, 0, data.length);
                    root = w.finish();
                }
                if (i % 2 == 0) {
                    roots.add(i % 8 == 0 ? repo.slice(root, 0, 2L * chunk) : root);
                }
            }
            long written = System.nanoTime() - t0;
            long bytes = repo.store().list().mapToLong(ChunkStore.PackInfo::size).sum();
            GarbageCollector gc = new GarbageCollector(repo, CollectorConfig.defaults().withGrace(Duration.ZERO));
            CollectionReport dry = gc.collect(roots, true);
            CollectionReport real = gc.collect(roots, false);
            CollectionReport again = gc.collect(roots, false);
            System.out.printf("gc many-packs: %d objects written in %d ms, %d packs, %d bytes%n", n, written / 1_000_000,
                    real.packsListed(), bytes);
            print("dry run", dry);
            print("collection", real);
            print("second collection", again);
        }
    }

    /** One 64 MiB image in 64 KiB chunks, 64 snapshots each changing 1%, every other snapshot deleted. */
    @Test
    void snapshots() throws IOException {
        int chunk = 64 * 1024;
        int chunks = 1024;
        try (DefaultChunkRepository repo = new DefaultChunkRepository(LocalChunkStore.open(dir.resolve("snap")))) {
            MemoryRoots roots = new MemoryRoots();
            Random r = new Random(2);
            byte[] image = new byte[chunks * chunk];
            r.nextBytes(image);
            List<ManifestRoot> versions = new ArrayList<>();
            ManifestRoot base = null;
            for (int s = 0; s <= 64; s++) {
                if (s > 0) {
                    for (int k = 0; k < chunks / 100; k++) {
                        image[r.nextInt(chunks) * chunk + r.nextInt(chunk)] ^= 1;
                    }
                }
                try (ObjectWriter w = repo.newWriter(chunk, base == null ? DedupIndex.NONE : repo.dedupIndex(List.of(base)))) {
                    w.write(image, 0, image.length);
                    base = w.finish();
                }
                versions.add(base);
                roots.add(base);
            }
            for (int s = 1; s < versions.size(); s += 2) {
                roots.remove(versions.get(s));
            }
            long bytes = repo.store().list().mapToLong(ChunkStore.PackInfo::size).sum();
            System.out.printf("gc snapshots: 65 versions of a 64 MiB image (1%% changed each): %d packs, %d bytes; "
                    + "32 versions deleted%n", repo.store().list().count(), bytes);
            GarbageCollector gc = new GarbageCollector(repo, CollectorConfig.defaults().withGrace(Duration.ZERO));
            print("collection", gc.collect(roots, false));
            roots.stored().forEach(roots::remove);
            roots.add(versions.get(versions.size() - 1));
            print("keep only the newest", gc.collect(roots, false));
        }
    }

    private static void print(String what, CollectionReport r) {
        long ms = Math.max(1, r.markTime().toMillis() + r.sweepTime().toMillis());
        System.out.printf("  %-22s %s%n  %-22s %.0f packs listed/s, %.1f MB/s freed%n", what, r.summary(), "",
                r.packsListed() * 1000.0 / ms, r.bytesFreed() / 1e6 * 1000 / ms);
    }
}
