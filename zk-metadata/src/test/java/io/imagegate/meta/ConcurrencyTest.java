package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionEntry;
import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencyTest extends ZkTestSupport {

    private static final int THREADS_PER_STORE = 4;
    private static final int PUBLISHES_PER_THREAD = 25;

    private <T> List<T> race(List<ZkMetadataStore> stores, int threadsPerStore, Callable<T> perThread)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(stores.size() * threadsPerStore);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < stores.size() * threadsPerStore; i++) {
                futures.add(pool.submit(perThread));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentPublishersThroughTwoStoresAreTotallyOrderedAndNoneIsLost() throws Exception {
        createBucket(Versioning.ENABLED);
        List<ZkMetadataStore> stores = List.of(store, newStore(config()));
        AtomicInteger thread = new AtomicInteger();
        List<List<String>> acked = race(stores, THREADS_PER_STORE, () -> {
            int t = thread.getAndIncrement();
            ZkMetadataStore s = stores.get(t % 2);
            List<String> mine = new ArrayList<>();
            for (int i = 0; i < PUBLISHES_PER_THREAD; i++) {
                mine.add(s.publish(bucket, draft("hot.raw", "t" + t + "-" + i), WriteCondition.NONE).versionId());
            }
            return mine;
        });
        List<String> listed = allVersionIds("hot.raw");
        List<String> all = acked.stream().flatMap(List::stream).toList();
        assertEquals(all.size(), listed.size());
        assertEquals(new HashSet<>(all), new HashSet<>(listed));
        List<String> newestFirst = new ArrayList<>(listed);
        newestFirst.sort(Collections.reverseOrder());
        assertEquals(newestFirst, listed, "version ids order the versions");
        for (List<String> mine : acked) {
            List<String> sorted = new ArrayList<>(mine);
            Collections.sort(sorted);
            assertEquals(sorted, mine, "each thread's publishes are ordered as it made them");
        }
        assertEquals(listed.get(0), store.current(bucket, "hot.raw").orElseThrow().versionId());
    }

    @Test
    void ifNoneMatchLetsExactlyOneOfManyCreatorsWin() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        List<ZkMetadataStore> stores = List.of(store, newStore(config()));
        AtomicInteger thread = new AtomicInteger();
        List<Boolean> won = race(stores, THREADS_PER_STORE, () -> {
            int t = thread.getAndIncrement();
            try {
                stores.get(t % 2).publish(bucket, draft("once", "t" + t), new WriteCondition.IfNoneMatch());
                return true;
            } catch (MetadataException.PreconditionFailed e) {
                return false;
            }
        });
        assertEquals(1, won.stream().filter(b -> b).count());
    }

    @Test
    void ifMatchReadModifyWriteLosesNoUpdate() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        put("counter", "0");
        List<ZkMetadataStore> stores = List.of(store, newStore(config()));
        AtomicInteger thread = new AtomicInteger();
        List<Integer> successes = race(stores, THREADS_PER_STORE, () -> {
            ZkMetadataStore s = stores.get(thread.getAndIncrement() % 2);
            int done = 0;
            for (int i = 0; i < 15; i++) {
                String etag = s.current(bucket, "counter").orElseThrow().etag();
                String next = Integer.toString(Integer.parseInt(etag) + 1);
                try {
                    s.publish(bucket, draft("counter", next), new WriteCondition.IfMatch(etag));
                    done++;
                } catch (MetadataException.PreconditionFailed e) {
                    // lost the race: someone else moved the counter
                }
            }
            return done;
        });
        int total = successes.stream().mapToInt(Integer::intValue).sum();
        assertTrue(total > 0);
        assertEquals(Integer.toString(total), store.current(bucket, "counter").orElseThrow().etag());
    }

    @Test
    void ifMatchOnAMissingKeyIsNoSuchKeyAndOnAnotherEtagPreconditionFailed() {
        createBucket(Versioning.ENABLED);
        org.junit.jupiter.api.Assertions.assertThrows(MetadataException.NoSuchKey.class,
                () -> store.publish(bucket, draft("k", "x"), new WriteCondition.IfMatch("x")));
        VersionRecord v = put("k", "e1");
        org.junit.jupiter.api.Assertions.assertThrows(MetadataException.PreconditionFailed.class,
                () -> store.publish(bucket, draft("k", "x"), new WriteCondition.IfMatch("e2")));
        store.publish(bucket, draft("k", "e2"), new WriteCondition.IfMatch("\"e1\""));
        org.junit.jupiter.api.Assertions.assertThrows(MetadataException.PreconditionFailed.class,
                () -> store.publish(bucket, draft("k", "x"), new WriteCondition.IfCurrentVersion(v.versionId())));
        store.delete(bucket, "k", null, WriteCondition.NONE);
        org.junit.jupiter.api.Assertions.assertThrows(MetadataException.NoSuchKey.class,
                () -> store.publish(bucket, draft("k", "x"), new WriteCondition.IfMatch("e2")));
        store.publish(bucket, draft("k", "e3"), new WriteCondition.IfNoneMatch());
    }

    @Test
    void concurrentCreatorsOfManyKeysThroughTwoStoresLoseNone() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        List<ZkMetadataStore> stores = List.of(store, newStore(config()));
        AtomicInteger thread = new AtomicInteger();
        Map<String, Boolean> keys = new ConcurrentHashMap<>();
        race(stores, THREADS_PER_STORE, () -> {
            int t = thread.getAndIncrement();
            for (int i = 0; i < 40; i++) {
                String key = "k" + (i % 20) + "/" + t;
                stores.get(t % 2).publish(bucket, draft(key, "e"), WriteCondition.NONE);
                keys.put(key, true);
            }
            return null;
        });
        assertEquals(keys.keySet().stream().sorted().toList(), listAllKeys(store, null, 7));
    }

    private List<String> allVersionIds(String key) {
        List<String> ids = new ArrayList<>();
        String km = null;
        String vm = null;
        while (true) {
            VersionListPage page = store.listVersions(bucket, new VersionListQuery(key, null, km, vm, 37));
            page.versions().stream().map(VersionEntry::version).forEach(v -> ids.add(v.versionId()));
            if (!page.truncated()) {
                return ids;
            }
            km = page.nextKeyMarker();
            vm = page.nextVersionIdMarker();
        }
    }
}
