package io.imagegate.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What garbage collection costs the metadata store, printed and never asserted: a write lease's
 * open and release, and walking every live root. Run with
 * {@code mvn -pl zk-metadata test -Dtest=GcMeasureTest -Dimagegate.measure=true [-Dimagegate.keys=20000]}.
 */
@EnabledIfSystemProperty(named = "imagegate.measure", matches = "true")
class GcMeasureTest extends ZkTestSupport {

    @Test
    void leaseCostAndLiveRootWalkRate() throws Exception {
        int keys = Integer.getInteger("imagegate.keys", 20_000);
        int n = 500;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (WriteLease lease = store.openLease(List.of("m1:65536:1:0:-"))) {
                lease.check();
            }
        }
        System.out.printf("write lease open+release: %.2f ms each (%d sequential)%n",
                (System.nanoTime() - t0) / 1e6 / n, n);

        createBucket(Versioning.ENABLED);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        long t1 = System.nanoTime();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = thread; i < keys; i += 16) {
                    String key = String.format("images/vm-%06d/disk.raw", i);
                    int versions = i % 10 == 0 ? 4 : 1; // every tenth key has history
                    for (int v = 0; v < versions; v++) {
                        store.publish(bucket, VersionDraft.builder(key).owner("alice")
                                .bytes(1, "e", "m1:65536:1:0:-").acl(CannedAcl.PRIVATE).build(),
                                WriteCondition.NONE);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("populated %d keys in %d ms%n", keys, (System.nanoTime() - t1) / 1_000_000);
        for (int run = 0; run < 2; run++) {
            AtomicLong roots = new AtomicLong();
            long t2 = System.nanoTime();
            store.visitLiveRoots(bucket, r -> roots.incrementAndGet());
            long ms = Math.max(1, (System.nanoTime() - t2) / 1_000_000);
            System.out.printf("visitLiveRoots: %d roots of %d keys in %d ms (%.0f roots/s)%n", roots.get(), keys, ms,
                    roots.get() * 1000.0 / ms);
        }
    }
}
