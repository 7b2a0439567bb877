package io.imagegate.chunk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints write and warm 64 KiB random-range read throughput; asserts nothing. Run with
 * {@code IMAGEGATE_BENCH=1 mvn -pl chunk-layer test -Dtest=ThroughputReport}; output lands in
 * target/surefire-reports/io.imagegate.chunk.ThroughputReport-output.txt.
 */
@EnabledIfEnvironmentVariable(named = "IMAGEGATE_BENCH", matches = "1")
class ThroughputReport {

    private static final int MiB = 1 << 20;
    private static final int RANGE = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void report() throws Exception {
        int objectBytes = Integer.parseInt(System.getenv().getOrDefault("IMAGEGATE_BENCH_MIB", "512")) * MiB;
        byte[] data = new byte[objectBytes];
        new Random(1).nextBytes(data);
        try (DefaultChunkRepository repo = new DefaultChunkRepository(LocalChunkStore.open(dir.resolve("store")))) {
            ManifestRoot root = null;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                try (ObjectWriter w = repo.newWriter(64 * 1024, DedupIndex.NONE)) {
                    for (int off = 0; off < data.length; off += MiB) {
                        w.write(data, off, Math.min(MiB, data.length - off));
                    }
                    root = w.finish();
                }
                print("write 64 KiB chunks incl. fsync, round " + round, objectBytes, System.nanoTime() - t0);
            }
            ManifestRoot object = root;
            for (int threads : new int[] {1, 2, 8}) {
                rangeReads("range reads, defaults (whole chunks verified) threads=" + threads, threads, 40_000,
                        (rnd, out) -> repo.read(object, rnd.nextLong(object.size() - RANGE), RANGE, out));
            }
            for (int threads : new int[] {1, 2}) {
                rangeReads("range reads, chunk-aligned 64 KiB (verified) threads=" + threads, threads, 40_000,
                        (rnd, out) -> repo.read(object, rnd.nextLong(object.size() / RANGE) * RANGE, RANGE, out));
            }
            for (boolean verify : new boolean[] {true, false}) {
                // shares the writer's store; closing it would close the store
                DefaultChunkRepository reader = new DefaultChunkRepository(repo.store(),
                        RepositoryConfig.defaults().withVerifyOnRead(verify).withVerifyPartialChunks(verify));
                for (int threads : new int[] {1, 2, 8}) {
                    rangeReads("range reads verify=" + verify + " edges too threads=" + threads, threads, 40_000,
                            (rnd, out) -> reader.read(object, rnd.nextLong(object.size() - RANGE), RANGE, out));
                }
            }
            for (int threads : new int[] {1, 2}) {
                rangeReads("range reads, defaults again threads=" + threads, threads, 40_000,
                        (rnd, out) -> repo.read(object, rnd.nextLong(object.size() - RANGE), RANGE, out));
            }
        }
        Path plain = dir.resolve("plain.bin");
        Files.write(plain, data);
        for (int threads : new int[] {1, 2, 8}) {
            rangeReads("baseline: open file, pread 64 KiB, close threads=" + threads, threads, 40_000, (rnd, out) -> {
                try (FileChannel ch = FileChannel.open(plain, StandardOpenOption.READ)) {
                    byte[] b = new byte[RANGE];
                    ch.read(ByteBuffer.wrap(b), rnd.nextLong(data.length - RANGE));
                    out.write(b);
                }
            });
        }
    }

    private interface RangeRead {
        void read(SplittableRandom rnd, OutputStream out) throws IOException;
    }

    private static void rangeReads(String label, int threads, int total, RangeRead op) throws Exception {
        for (int warm = 0; warm < 2; warm++) {
            long t0 = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                List<Future<Void>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    SplittableRandom rnd = new SplittableRandom(t * 31L + warm);
                    Callable<Void> task = () -> {
                        for (int i = 0; i < total / threads; i++) {
                            op.read(rnd, OutputStream.nullOutputStream());
                        }
                        return null;
                    };
                    futures.add(pool.submit(task));
                }
                for (Future<Void> f : futures) {
                    f.get();
                }
            }
            if (warm == 1) {
                long nanos = System.nanoTime() - t0;
                print(label + String.format(" (%.0f req/s)", total * 1e9 / nanos), (long) total * RANGE, nanos);
            }
        }
    }

    private static void print(String label, long bytes, long nanos) {
        System.out.printf("%-70s %8.1f MB/s%n", label, bytes / 1e6 / (nanos / 1e9));
    }
}
