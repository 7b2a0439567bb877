package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The collector lock through a quorum loss, as bench/run chaos runs it. With Curator's
 * InterProcessMutex, lock attempts while the ensemble had no quorum left Curator's cleanup of a
 * protected create retrying itself recursively on its background thread: on 7af0ec7 this test saw
 * 12 StackOverflowErrors and 3,967 Curator errors logged (600 MB of output) for one store and one
 * outage.
 */
class CollectorLockOutageTest {

    @Test
    void lockAttemptsDuringAnOutageFailByTheirDeadlineAndLeaveNothingRunning() throws Exception {
        Logger curator = (Logger) LoggerFactory.getLogger("org.apache.curator");
        Level level = curator.getLevel();
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        curator.addAppender(events);
        curator.setLevel(Level.ERROR);
        ZkStoreConfig config = ZkStoreConfig.defaults().withOperationTimeout(Duration.ofSeconds(2));
        try (TestingCluster zk = new TestingCluster(3)) {
            zk.start();
            try (ZkMetadataStore store = connectOnceElected(zk, config);
                 ZkMetadataStore other = connectOnceElected(zk, config)) {
                store.gc().tryLock(Duration.ofSeconds(10)).orElseThrow().close();
                List<InstanceSpec> specs = new ArrayList<>(zk.getInstances());
                zk.killServer(specs.get(0));
                zk.killServer(specs.get(1)); // quorum lost while the store is connected
                int refused = 0;
                for (int i = 0; i < 5; i++) {
                    try {
                        store.gc().tryLock(Duration.ofSeconds(1)).ifPresent(GcCoordination.CollectorLock::close);
                    } catch (MetadataException.Unavailable e) {
                        refused++;
                    }
                }
                assertEquals(5, refused, "no lock can be taken without a quorum");
                Thread.sleep(3_000); // past the operation timeout: anything left retrying would show now
                zk.restartServer(specs.get(0));
                zk.restartServer(specs.get(1));

                // after the outage the lock works again, one holder at a time
                Optional<GcCoordination.CollectorLock> lock = Optional.empty();
                for (int i = 0; i < 30 && lock.isEmpty(); i++) {
                    try {
                        lock = store.gc().tryLock(Duration.ofSeconds(1));
                    } catch (MetadataException.Unavailable e) {
                        Thread.sleep(500); // the ensemble is still electing
                    }
                }
                assertTrue(lock.isPresent(), "the lock is free again after the outage");
                try (GcCoordination.CollectorLock held = lock.get()) {
                    assertTrue(held.held());
                    assertTrue(other.gc().tryLock(Duration.ZERO).isEmpty(), "another process waits its turn");
                }
                Optional<GcCoordination.CollectorLock> next = other.gc().tryLock(Duration.ofSeconds(5));
                assertTrue(next.isPresent(), "released for the next collector");
                next.get().close();
            }
            long overflows = events.list.stream().filter(e -> e.getThrowableProxy() != null
                    && e.getThrowableProxy().getClassName().equals(StackOverflowError.class.getName())).count();
            assertEquals(0, overflows, "stack overflows in Curator's background thread");
            assertTrue(events.list.size() < 20, "Curator logged " + events.list.size() + " errors");
        } finally {
            curator.detachAppender(events);
            curator.setLevel(level);
        }
    }

    /**
     * A store with the short operation timeout the test is about, connected once the new ensemble has
     * elected a leader (on a busy machine that can take longer than that timeout; the outage comes later).
     */
    private static ZkMetadataStore connectOnceElected(TestingCluster zk, ZkStoreConfig config) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return ZkMetadataStore.connect(zk.getConnectString(), config);
            } catch (MetadataException.Unavailable e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }
}
