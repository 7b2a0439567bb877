package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.Zk.Point;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The collector's protocol against writers whose ZooKeeper session ends, and against pins that
 * change while a marking reads them. A comment starting "Before:" says how the test failed before
 * publishes were tied to the writer's session and the collector read owners after pins.
 */
class GcSessionTest extends ZkTestSupport {

    @BeforeEach
    void noPinsFromEarlierTests() {
        try (GcCoordination.CollectorLock lock = store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            for (int i = 0; i < 3; i++) {
                try (GcCoordination.Marking m = lock.beginMarking(false)) {
                    m.visitPins(x -> { });
                    m.finish();
                }
            }
        }
    }

    private static List<String> pinned(GcCoordination.Marking m) {
        List<String> out = new ArrayList<>();
        m.visitPins(out::add);
        return out;
    }

    /** The path and data of the one pin that protects {@code manifest}. */
    private record Pin(String path, Pins.PinData data) {}

    private Pin pinOf(String manifest) {
        Context ctx = store.ctxForTests();
        Deadline d = Deadline.after(Duration.ofSeconds(5));
        for (char c : Layout.SHARDS.toCharArray()) {
            String shard = ctx.layout.gcPinShard(c);
            for (String id : ctx.zk.children(d, shard)) {
                Zk.Node n = ctx.zk.get(d, shard + "/" + id);
                Pins.PinData p = n == null ? null : Json.read(n.data(), Pins.PinData.class);
                if (p != null && p.manifests().contains(manifest)) {
                    return new Pin(shard + "/" + id, p);
                }
            }
        }
        return null;
    }

    /** Ends {@code client}'s session on the server, as an expiry does: its ephemeral znodes go at once. */
    private static void endSession(ZooKeeper zk) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(server.getConnectString(), 10_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, zk.getSessionId(), zk.getSessionPasswd());
        assertTrue(connected.await(10, TimeUnit.SECONDS), "no second connection on the session");
        twin.close();
    }

    // Before: the publish committed through the store's new session, although the session that
    // pinned the write had ended and the collector may already have judged its pin abandoned.
    @Test
    void aPublishUnderALeaseWhoseSessionEndedIsRefused() throws Exception {
        createBucket(Versioning.ENABLED);
        Interleaved a = interleaved(config());
        WriteLease lease = a.store().openLease(List.of("session-root"));
        lease.check(); // the writer's last look before publishing: the session is still there
        String owner = pinOf("session-root").data().owner();
        endSession(a.client().getZookeeperClient().getZooKeeper());
        assertNull(store.ctxForTests().zk.get(Deadline.after(Duration.ofSeconds(5)),
                store.ctxForTests().layout.gcOwner(owner)), "the owner registration went with the session");
        assertThrows(MetadataException.class,
                () -> a.store().publish(bucketRecord(), draft("k", "e1"), WriteCondition.NONE, lease));
        assertTrue(store.current(bucket, "k").isEmpty(), "published under a session that had ended");
        lease.close();
    }

    // Before: a writer that registered while the collector read the owners listing, and pinned before
    // the collector read the pins, had its live pin marked orphaned; the next marking deleted it.
    @Test
    void aPinWhoseOwnerRegisteredDuringAMarkingIsNotAbandoned() {
        Interleaved c = interleaved(config());
        ZkMetadataStore writer = newStore(config());
        WriteLease[] lease = new WriteLease[1];
        InterleavingZk.Trigger register = c.zk().at(Point.AFTER, List.of("children"),
                InterleavingZk.touching(store.ctxForTests().layout.gcOwners()),
                () -> lease[0] = writer.openLease(List.of("live-root")));
        try (GcCoordination.CollectorLock lock = c.store().gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                m.visitPins(x -> { });
                m.finish();
            }
            assertTrue(register.fired());
            assertNull(pinOf("live-root").data().orphaned(), "a live writer's pin was judged abandoned");
            try (GcCoordination.Marking next = lock.beginMarking(false)) {
                assertTrue(pinned(next).contains("live-root"), "a live writer's pin was not counted");
                next.finish();
            }
        }
        lease[0].close();
    }

    // Before: the collector's delete of a stale pin failed (the pin had been rewritten as released in
    // this marking, as a retried release does) and the pin was skipped: its roots were not marked.
    @Test
    void aStalePinThatChangesBeforeItIsDeletedIsCounted() {
        Interleaved c = interleaved(config());
        WriteLease lease = store.openLease(List.of("late-root"));
        try (GcCoordination.CollectorLock lock = c.store().gc().tryLock(Duration.ofSeconds(10)).orElseThrow()) {
            try (GcCoordination.Marking m = lock.beginMarking(false)) {
                lease.close(); // released during this marking: kept for it, stale for the next
                m.visitPins(x -> { });
                m.finish();
            }
            Pin pin = pinOf("late-root");
            long[] epoch = new long[1];
            InterleavingZk.Trigger rewrite = c.zk().at(Point.AFTER, List.of("getMany"),
                    paths -> paths.contains(pin.path()), () -> store.ctxForTests().zk.read(
                            Deadline.after(Duration.ofSeconds(5)), zk -> zk.setData(pin.path(),
                                    Json.write(pin.data().releasedIn(epoch[0])), -1)));
            try (GcCoordination.Marking next = lock.beginMarking(false)) {
                epoch[0] = next.epoch();
                List<String> seen = pinned(next);
                assertTrue(rewrite.fired());
                assertTrue(seen.contains("late-root"), "a pin released in this marking was not counted: " + seen);
                next.finish();
            }
            try (GcCoordination.Marking last = lock.beginMarking(false)) {
                assertEquals(List.of(), pinned(last), "released in an earlier marking: deleted");
                last.finish();
            }
        }
    }
}
