package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The collector lock, marking epochs and write leases (pins) in ZooKeeper. */
class GcCoordinationTest extends ZkTestSupport {

    @BeforeEach
    void noPinsFromEarlierTests() {
        // every test of the class shares one server: drop what earlier tests left
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            for (int i = 0; i < 3; i++) {
                try (GcCoordination.Marking m = lock.beginMarking(false)) {
                    m.visitPins(x -> { });
                    m.finish();
                }
            }
        }
    }

    private List<String> pinned(GcCoordination.Marking m) {
        List<String> out = new ArrayList<>();
        m.visitPins(out::add);
        return out;
    }

    private List<String> pinnedNow() {
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow();
             GcCoordination.Marking m = lock.beginMarking(true)) {
            return pinned(m);
        }
    }

    @Test
    void aLeaseIsVisibleToTheCollectorUntilItIsReleased() {
        Instant before = Instant.now();
        try (WriteLease lease = store.openLease(List.of("base-root"))) {
            lease.protect(List.of("result-root"));
            lease.check();
            try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow();
                 GcCoordination.Marking m = lock.beginMarking(true)) {
                List<String> seen = new ArrayList<>();
                Optional<Instant> since = m.visitPins(seen::add);
                assertEquals(List.of("base-root", "result-root"), seen);
                assertTrue(since.isPresent() && !since.get().isAfter(before), "the pin starts before the write");
            }
        }
        assertEquals(List.of(), pinnedNow());
    }

    @Test
    void aLeaseReleasedDuringAMarkingStaysForThatMarkingAndGoesWithTheNext() {
        WriteLease lease = store.openLease(List.of("r"));
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                lease.close(); // released after the marking began: must stay visible to it
                assertEquals(List.of("r"), pinned(m));
                m.finish();
            }
            try (GcCoordination.Marking next = lock.beginMarking(false)) {
                assertEquals(List.of(), pinned(next), "released before this marking began: deleted");
                next.finish();
            }
        }
        assertEquals(0, pinCount());
    }

    @Test
    void aLeaseOfAProcessThatDiedIsKeptForOneMoreMarking() throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryNTimes(3, 100));
        client.start();
        ZkMetadataStore dying = new ZkMetadataStore(client, config());
        dying.openLease(List.of("orphan")); // never released
        client.close(); // the session ends: its owner registration goes, the pin stays

        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                assertEquals(List.of("orphan"), pinned(m), "its write may have published just before");
                m.finish();
            }
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                assertEquals(List.of(), pinned(m));
                m.finish();
            }
        }
        assertEquals(0, pinCount());
    }

    @Test
    void stillLiveComparesTheVersionReadAfterThePin() {
        createBucket(Versioning.ENABLED);
        VersionRecord v = store.publish(bucket, VersionDraft.builder("k").owner("alice").bytes(1, "e", "m1")
                .acl(CannedAcl.PRIVATE).build(), WriteCondition.NONE);
        try (WriteLease lease = store.openLease(List.of(v.manifest()))) {
            assertTrue(lease.stillLive(bucket, v));
            store.delete(bucket, "k", v.versionId(), WriteCondition.NONE);
            assertFalse(lease.stillLive(bucket, v));
        }
    }

    @Test
    void oneCollectorAtATime() throws Exception {
        ZkMetadataStore other = newStore(config());
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ZERO).orElseThrow()) {
            assertTrue(lock.held());
            Optional<GcCoordination.CollectorLock> second = CompletableFuture.supplyAsync(
                    () -> other.gc().tryLock(Duration.ofMillis(200))).get();
            assertTrue(second.isEmpty());
        }
        Optional<GcCoordination.CollectorLock> after = CompletableFuture.supplyAsync(() -> {
            Optional<GcCoordination.CollectorLock> l = other.gc().tryLock(Duration.ofSeconds(5));
            l.ifPresent(GcCoordination.CollectorLock::close);
            return l;
        }).get();
        assertTrue(after.isPresent());
    }

    @Test
    void oneCollectorAtATimeWithinAProcess() throws Exception {
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ZERO).orElseThrow()) {
            assertTrue(lock.held());
            Optional<GcCoordination.CollectorLock> second = CompletableFuture.supplyAsync(
                    () -> store.gc().tryLock(Duration.ofMillis(200))).get();
            assertTrue(second.isEmpty(), "a second collector of the same process waits too");
        }
        GcCoordination.CollectorLock again = store.gc().tryLock(Duration.ZERO).orElseThrow();
        again.close();
        again.close(); // closing twice releases nothing of a later holder
        try (GcCoordination.CollectorLock third = store.gc().tryLock(Duration.ZERO).orElseThrow()) {
            assertTrue(third.held());
            assertTrue(store.gc().tryLock(Duration.ZERO).isEmpty());
        }
    }

    @Test
    void theLockOfAProcessThatEndedIsFree() throws Exception {
        ZkMetadataStore dying = newStore(config());
        GcCoordination.CollectorLock abandoned = dying.gc().tryLock(Duration.ZERO).orElseThrow();
        assertTrue(abandoned.held());
        dying.close(); // its session ends without releasing the lock
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            assertTrue(lock.held());
        }
    }

    @Test
    void aPublishUnderALeaseReleasesItInTheSameTransaction() {
        createBucket(Versioning.ENABLED);
        WriteLease lease = store.openLease(List.of("r"));
        lease.check();
        assertEquals(1, pinCount());
        VersionRecord v = store.publish(bucketRecord(), draft("k", "e1"), WriteCondition.NONE, lease);
        assertEquals(0, pinCount(), "the pin went with the publish");
        lease.close(); // already released: nothing to do
        assertEquals(v.versionId(), store.current(bucket, "k").orElseThrow().versionId());
    }

    @Test
    void aPublishDuringAMarkingLeavesItsPinForThatMarkingEvenWithAStaleCollectorState() {
        createBucket(Versioning.ENABLED);
        store.openLease(List.of()).close(); // this store now caches the collector state: no marking
        WriteLease lease = store.openLease(List.of("r"));
        ZkMetadataStore other = newStore(config());
        try (GcCoordination.CollectorLock lock = other.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                store.publish(bucketRecord(), draft("k", "e1"), WriteCondition.NONE, lease);
                assertEquals(List.of("r"), pinned(m), "published after the marking began: still protected by it");
                m.finish();
            }
            try (GcCoordination.Marking next = lock.beginMarking(false)) {
                assertEquals(List.of(), pinned(next));
                next.finish();
            }
        }
        assertEquals(0, pinCount());
        assertEquals("e1", store.current(bucket, "k").orElseThrow().etag());
    }

    @Test
    void aPublishWhosePinTheCollectorRemovedIsNotPublished() {
        createBucket(Versioning.ENABLED);
        WriteLease lease = store.openLease(List.of());
        Context ctx = store.ctxForTests();
        for (char c : Layout.SHARDS.toCharArray()) { // as the collector removes an abandoned pin
            String shard = ctx.layout.gcPinShard(c);
            for (String pin : ctx.zk.children(Deadline.after(Duration.ofSeconds(5)), shard)) {
                ctx.zk.read(Deadline.after(Duration.ofSeconds(5)), zk -> {
                    zk.delete(shard + "/" + pin, -1);
                    return null;
                });
            }
        }
        MetadataException e = assertThrows(MetadataException.Unavailable.class,
                () -> store.publish(bucketRecord(), draft("k", "e1"), WriteCondition.NONE, lease));
        assertTrue(e.getMessage().contains("pin"), e.getMessage());
        assertTrue(store.current(bucket, "k").isEmpty(), "nothing published");
        lease.close();
    }

    @Test
    void aMarkingCannotStartWithoutTheLock() {
        GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ZERO).orElseThrow();
        lock.close();
        assertThrows(MetadataException.Unavailable.class, () -> lock.beginMarking(false));
    }

    private int pinCount() {
        int n = 0;
        for (char c : Layout.SHARDS.toCharArray()) {
            n += store.ctxForTests().zk.children(Deadline.after(Duration.ofSeconds(5)),
                    store.ctxForTests().layout.gcPinShard(c)).size();
        }
        return n;
    }
}
