package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.Test;

/** The read cache of a store that is the only writer: what GET and HEAD may serve from memory, and when not. */
class ZnodeCacheTest extends ZkTestSupport {

    /** Counts the reads that go to ZooKeeper. */
    static final class CountingZk extends Zk {
        final AtomicInteger reads = new AtomicInteger();

        CountingZk(CuratorFramework client) {
            super(client);
        }

        @Override
        <T> T read(Deadline d, Call<T> call) {
            reads.incrementAndGet();
            return super.read(d, call);
        }
    }

    private CountingZk zk;

    /**
     * Waits for an event that arrives asynchronously (a watch, a state change): checks up to 4000
     * times, 5 ms apart, and fails if it never holds. A bound on attempts, not a timing assertion.
     */
    private static void eventually(BooleanSupplier condition, String failure) throws InterruptedException {
        for (int attempt = 0; attempt < 4000; attempt++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(failure);
    }

    private ZkMetadataStore cachedStore() {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryNTimes(3, 50));
        client.start();
        ZkMetadataStore s = new ZkMetadataStore(client, config().withSyncReads(false).withReadCacheEntries(8), true,
                c -> zk = new CountingZk(c));
        closeables.add(s);
        return s;
    }

    @Test
    void aRepeatedReadIsServedFromMemoryAndAWriteHereIsSeenAtOnce() {
        createBucket(Versioning.ENABLED);
        ZkMetadataStore cached = cachedStore();
        for (int i = 0; i < 50; i++) {
            VersionRecord v = cached.publish(bucket, draft("disk.raw", "e" + i), WriteCondition.NONE);
            assertEquals(v.versionId(), cached.current(bucket, "disk.raw").orElseThrow().versionId(), "round " + i);
            // the write's own watch event may still drop the record once; then reads stop costing anything
            boolean fromMemory = false;
            for (int attempt = 0; attempt < 20 && !fromMemory; attempt++) {
                int before = zk.reads.get();
                assertEquals(v.versionId(), cached.current(bucket, "disk.raw").orElseThrow().versionId());
                assertEquals(v.etag(), cached.version(bucket, "disk.raw", v.versionId()).etag());
                fromMemory = zk.reads.get() == before;
            }
            assertTrue(fromMemory, "round " + i + ": every read went to ZooKeeper");
        }
        VersionRecord first = cached.listVersions(bucket, new MetadataStore.VersionListQuery(null, null, null, null,
                1000)).versions().getLast().version();
        assertEquals("e0", cached.version(bucket, "disk.raw", first.versionId()).etag(), "a noncurrent version");
        cached.delete(bucket, "disk.raw", null, WriteCondition.NONE);
        assertTrue(cached.current(bucket, "disk.raw").orElseThrow().deleteMarker(), "the delete marker is seen at once");
        cached.delete(bucket, "disk.raw", first.versionId(), WriteCondition.NONE);
        assertThrows(MetadataException.NoSuchVersion.class, () -> cached.version(bucket, "disk.raw", first.versionId()),
                "a version deleted for good is gone at once");
        assertTrue(zk.cache().size() <= 8, "bounded: " + zk.cache().size());
    }

    @Test
    void aWriteByAnotherProcessReachesTheCacheThroughItsWatch() throws Exception {
        createBucket(Versioning.ENABLED);
        ZkMetadataStore cached = cachedStore();
        VersionRecord v1 = store.publish(bucket, draft("disk.raw", "one"), WriteCondition.NONE);
        assertEquals(v1.versionId(), cached.current(bucket, "disk.raw").orElseThrow().versionId());
        VersionRecord v2 = store.publish(bucket, draft("disk.raw", "two"), WriteCondition.NONE);
        eventually(() -> cached.current(bucket, "disk.raw").orElseThrow().versionId().equals(v2.versionId()),
                "the watch never dropped the stale record");
    }

    @Test
    void aLeasesCheckThatItsSourceIsLiveNeverTrustsTheCache() {
        createBucket(Versioning.ENABLED);
        ZkMetadataStore cached = cachedStore();
        VersionRecord v = cached.publish(bucket, draft("disk.raw", "e"), WriteCondition.NONE);
        cached.version(bucket, "disk.raw", v.versionId());
        try (WriteLease lease = cached.openLease(List.of(v.manifest()))) {
            int before = zk.reads.get();
            assertTrue(lease.stillLive(bucket, v));
            assertTrue(zk.reads.get() > before, "stillLive read ZooKeeper");
        }
    }

    @Test
    void aLostConnectionEmptiesTheCache() throws Exception {
        createBucket(Versioning.ENABLED);
        ZkMetadataStore cached = cachedStore();
        cached.publish(bucket, draft("disk.raw", "e"), WriteCondition.NONE);
        cached.current(bucket, "disk.raw");
        assertEquals(1, zk.cache().size());
        server.restart();
        eventually(() -> zk.cache().size() == 0, "the disconnection did not empty the cache");
        assertEquals("e", cached.current(bucket, "disk.raw").orElseThrow().etag());
    }
}
