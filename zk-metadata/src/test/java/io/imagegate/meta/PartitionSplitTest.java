package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PartitionSplitTest extends ZkTestSupport {

    @Override
    protected ZkStoreConfig config() {
        return super.config().withPartitionSplitThreshold(8).withPageMaxPartitions(4);
    }

    private int partitions() {
        return store.ctxForTests().zk.children(Deadline.after(java.time.Duration.ofSeconds(5)),
                store.ctxForTests().layout.index(bucket)).size();
    }

    private int pages() {
        return store.ctxForTests().zk.children(Deadline.after(java.time.Duration.ofSeconds(5)),
                store.ctxForTests().layout.mapRoot(bucket)).size();
    }

    @Test
    void concurrentInsertsAcrossSplittingPartitionsLoseNothing() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        List<ZkMetadataStore> stores = List.of(store, newStore(config()));
        Set<String> written = new ConcurrentSkipListSet<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 5; t++) {
            int thread = t;
            writers.add(pool.submit(() -> {
                Random r = new Random(thread);
                for (int i = 0; i < 80; i++) {
                    String key = TestKeys.random(r, 2 + r.nextInt(4)) + "#" + thread + "-" + i;
                    stores.get(thread % 2).publish(bucket, draft(key, "e"), WriteCondition.NONE);
                    written.add(key);
                }
                return null;
            }));
        }
        Future<Integer> reader = pool.submit(() -> {
            int checks = 0;
            while (writing.get()) {
                Set<String> before = new TreeSet<>(written);
                Set<String> listed = new TreeSet<>(listAllKeys(stores.get(1), null, 50));
                assertTrue(listed.containsAll(before), "a key acknowledged before the listing is missing");
                checks++;
            }
            return checks;
        });
        for (Future<?> w : writers) {
            w.get();
        }
        writing.set(false);
        assertTrue(reader.get() > 0);
        pool.shutdown();
        store.awaitMaintenance();
        stores.get(1).awaitMaintenance();
        assertEquals(sorted(written), listAllKeys(store, null, 33));
        assertTrue(partitions() > 20, "partitions: " + partitions());
        assertTrue(pages() > 2, "pages: " + pages());
    }

    @Test
    void deletingEverythingMergesPartitionsAndTheBucketCanBeDeleted() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add(String.format("key-%03d", i));
            put(keys.get(i), "e");
        }
        store.awaitMaintenance();
        int before = partitions();
        assertTrue(before > 4);
        for (String k : keys.subList(0, 50)) {
            store.delete(bucket, k, null, WriteCondition.NONE);
        }
        store.awaitMaintenance();
        assertTrue(partitions() < before, partitions() + " >= " + before);
        assertEquals(keys.subList(50, 60), listAllKeys(store, null, 4));
        for (String k : keys.subList(50, 60)) {
            store.delete(bucket, k, null, WriteCondition.NONE);
        }
        store.deleteBucket(bucket);
    }

    @Test
    void aSplitLeftHalfDoneIsFinishedAndListingStaysCorrectMeanwhile() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        for (int i = 0; i < 7; i++) {
            put("k" + i, "e");
        }
        Context ctx = store.ctxForTests();
        Deadline d = Deadline.after(java.time.Duration.ofSeconds(10));
        long inc = ctx.bucket(d, bucket).incarnation();
        PartitionMap.Root root = ctx.maps.root(d, bucket, inc, true);
        PartitionMap.Page page = ctx.maps.page(d, bucket, inc, root.pages().get(0).id(), true);
        String from = page.partitions().get(0).id();
        // A split planned by a process that died before moving anything: keys from "k3" belong to "q".
        List<PartitionMap.Bound> parts = List.of(page.partitions().get(0),
                new PartitionMap.Bound(KeyNames.utf8("k3"), "deadbeef0001"));
        PartitionMap.Move move = new PartitionMap.Move(from, "deadbeef0001", KeyNames.utf8("k3"), 0);
        ctx.zk.multi(d, List.of(
                org.apache.zookeeper.Op.setData(ctx.layout.page(bucket, page.id()),
                        Json.write(PartitionMap.data(parts, move)), page.version()),
                ctx.create(ctx.layout.partition(bucket, "deadbeef0001"), new byte[0])));
        ZkMetadataStore other = newStore(config());
        assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6"), listAllKeys(other, null, 2));
        ListPage fromK4 = other.list(bucket, new ListQuery(null, null, "k4", 10));
        assertEquals(2, fromK4.contents().size());
        other.delete(bucket, "k5", null, WriteCondition.NONE);
        put("k7", "e");
        store.awaitMaintenance();
        store.sweep();
        assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k6", "k7"), listAllKeys(other, null, 3));
        PartitionMap.Page after = ctx.maps.page(d, bucket, inc, page.id(), true);
        assertEquals(null, after.move());
        assertEquals(0, ctx.zk.children(d, ctx.layout.partition(bucket, from)).stream()
                .filter(n -> n.compareTo("k3") >= 0).count());
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> out = new ArrayList<>(keys);
        out.sort((a, b) -> ByteKeys.compare(KeyNames.utf8(a), KeyNames.utf8(b)));
        return out;
    }
}
