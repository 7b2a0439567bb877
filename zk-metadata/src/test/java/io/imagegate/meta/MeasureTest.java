package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Throwaway measurements, printed and never asserted: run with
 * {@code mvn -pl zk-metadata test -Dtest=MeasureTest -Dimagegate.measure=true [-Dimagegate.keys=100000]}.
 */
@EnabledIfSystemProperty(named = "imagegate.measure", matches = "true")
class MeasureTest extends ZkTestSupport {

    @Test
    void publishRateAndListPageLatency() throws Exception {
        int keys = Integer.getInteger("imagegate.keys", 100_000);
        createBucket(Versioning.UNVERSIONED);
        long t0 = System.nanoTime();
        int sequential = 2000;
        for (int i = 0; i < sequential; i++) {
            put(String.format("seq/%06d", i), "e");
        }
        report("sequential publishes/s (1 thread)", sequential, t0);
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t1 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = thread; i < keys; i += threads) {
                    put(String.format("images/vm-%07d/disk.raw", i), "e");
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        report("concurrent publishes/s (" + threads + " threads)", keys, t1);
        store.awaitMaintenance();
        listPages(keys);
    }

    private void listPages(int keys) {
        ZkMetadataStore reader = newStore(config());
        for (int round = 0; round < 2; round++) {
            String marker = null;
            int pages = 0;
            long worst = 0;
            long t = System.nanoTime();
            while (true) {
                long p = System.nanoTime();
                ListPage page = reader.list(bucket, new ListQuery("images/", null, marker, 1000));
                worst = Math.max(worst, System.nanoTime() - p);
                pages++;
                if (!page.truncated()) {
                    break;
                }
                marker = page.nextMarker();
            }
            System.out.printf("MEASURE list %d keys in %d pages of 1000: mean %.1f ms/page, worst %.1f ms%n", keys,
                    pages, (System.nanoTime() - t) / 1e6 / pages, worst / 1e6);
        }
        long d = System.nanoTime();
        ListPage rolled = reader.list(bucket, new ListQuery("images/", "/", null, 1000));
        System.out.printf("MEASURE delimited page (1000 common prefixes): %.1f ms%n", (System.nanoTime() - d) / 1e6);
        System.out.printf("MEASURE partitions=%d%n", store.ctxForTests().zk.children(
                Deadline.after(java.time.Duration.ofSeconds(5)), store.ctxForTests().layout.index(bucket)).size());
        if (rolled.commonPrefixes().isEmpty()) {
            throw new IllegalStateException("no prefixes");
        }
    }

    private static void report(String what, int n, long start) {
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("MEASURE %s: %.0f (%d in %.1f s)%n", what, n / s, n, s);
    }
}
