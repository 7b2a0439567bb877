package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.FaultInjectingChunkStore;
import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.ReplyLoss;
import io.imagegate.s3compat.history.CheckReport;
import io.imagegate.s3compat.history.GatewayClient;
import io.imagegate.s3compat.history.History;
import io.imagegate.s3compat.history.HistoryChecker;
import io.imagegate.s3compat.history.Recorder;
import io.imagegate.s3compat.history.Workload;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients, acting as the non-admin tenant, through real gateways, every operation
 * recorded and the history checked against the model of S3 ({@link HistoryChecker}): the embedded
 * default (its own ZooKeeper, read cache on), two gateways on a three-server ensemble, and those two
 * under faults. A failing run writes its history to
 * {@code target/history-*.json}; {@code -Dhistory.seed=N} repeats a run's choices (not its timing).
 */
class HistoryCheckTest {

    static final int THREADS = 8;
    static final int OPS_PER_THREAD = 100;
    static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** The two ensemble tests share one ensemble and one chunk directory, as gateways of one cluster would. */
    static TestingCluster ensemble;

    @TempDir
    static Path clusterDir;

    @BeforeAll
    static void startEnsemble() throws Exception {
        ensemble = new TestingCluster(3);
        ensemble.start();
    }

    @AfterAll
    static void stopEnsemble() throws IOException {
        ensemble.close();
    }

    private static Gateway.Options onEnsemble() throws InterruptedException {
        LeaderKiller.leader(ensemble); // an earlier test may have left an election running
        return Gateway.Options.defaults(clusterDir).withZooKeeper(ensemble.getConnectString()).withPort(0)
                .withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY);
    }

    @Test
    void embeddedDefaultPassesTheHistoryCheck() throws Exception {
        try (Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withPort(0)
                .withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY))) {
            GatewayFixture.ensureTenant(gw.meta());
            check("embedded", List.of(gw.endpoint()));
        }
    }

    @Test
    void twoGatewaysOnAThreeServerEnsemblePassTheHistoryCheck() throws Exception {
        Gateway.Options options = onEnsemble();
        try (Gateway a = Gateway.start(options); Gateway b = Gateway.start(options)) {
            GatewayFixture.ensureTenant(a.meta());
            check("ensemble", List.of(a.endpoint(), b.endpoint()));
        }
    }

    /**
     * The same under faults, on two gateways and a three-server ensemble: the ZooKeeper leader
     * killed and restarted while clients write, a twentieth of all transactions losing their reply
     * (half before being sent, half after committing), chunk-store reads and seals failing at random
     * and reads delayed, and both gateways collecting garbage every 100 ms with no grace period.
     */
    @Test
    void twoGatewaysUnderFaultsPassTheHistoryCheck() throws Exception {
        GcOptions gc = GcOptions.defaults().withInterval(Duration.ofMillis(100)).withInitialDelay(Duration.ZERO)
                .withGrace(Duration.ZERO);
        List<ReplyLoss> lost = List.of(ReplyLoss.of(0.05, 1), ReplyLoss.of(0.05, 2));
        List<FaultInjectingChunkStore> stores = new ArrayList<>();
        Gateway.Options options = onEnsemble().withGc(gc);
        List<Gateway> gateways = new ArrayList<>();
        try {
            for (ReplyLoss l : lost) {
                gateways.add(Gateway.start(options, Gateway.Faults.NONE.withMetadata(l::connect).withChunkStore(s -> {
                    FaultInjectingChunkStore f = new FaultInjectingChunkStore(s).failRandomly(0.02, stores.size());
                    stores.add(f.delayReads(Duration.ofMillis(stores.size() * 3L)));
                    return f;
                })));
            }
            for (int attempt = 0; ; attempt++) { // its replies may be lost too
                try {
                    GatewayFixture.ensureTenant(gateways.getFirst().meta());
                    break;
                } catch (MetadataException e) {
                    assertTrue(attempt < 20, "could not create the tenant: " + e);
                }
            }
            LeaderKiller killer = new LeaderKiller(ensemble, Duration.ofMillis(1500), Duration.ofMillis(2500));
            CheckReport r = check("faults", gateways.stream().map(Gateway::endpoint).toList(), killer::start, () -> {
                killer.join();
                stores.forEach(f -> f.failRandomly(0, 0).delayReads(Duration.ZERO));
            });
            long collections = gateways.stream().mapToLong(g -> g.garbageCollection().counts()[0]).sum();
            int lostBefore = lost.stream().mapToInt(ReplyLoss::lostBeforeSending).sum();
            int lostAfter = lost.stream().mapToInt(ReplyLoss::lostAfterCommit).sum();
            System.out.printf("history-check faults: leader %s killed and restarted, %d replies lost before sending "
                    + "and %d after commit, %d collections%n", killer.killed, lostBefore, lostAfter, collections);
            assertNotNull(killer.killed, "the leader was killed");
            assertTrue(lostBefore > 0 && lostAfter > 0, "replies were lost");
            assertTrue(collections >= 2, "the collector ran during the run: " + collections);
            assertTrue(r.stats().unknown() > 0, "some outcomes were unknown");
        } finally {
            gateways.forEach(Gateway::close);
        }
    }

    /** Kills the ZooKeeper leader after a delay and restarts it after another. */
    static final class LeaderKiller {
        private final TestingCluster zk;
        private final Duration before;
        private final Duration down;
        private Thread thread;
        volatile String killed;

        LeaderKiller(TestingCluster zk, Duration before, Duration down) {
            this.zk = zk;
            this.before = before;
            this.down = down;
        }

        void start() {
            thread = Thread.ofPlatform().name("leader-killer").start(() -> {
                try {
                    Thread.sleep(before);
                    InstanceSpec leader = leader(zk);
                    zk.killServer(leader);
                    killed = leader.getConnectString();
                    Thread.sleep(down);
                    zk.restartServer(leader);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        void join() throws InterruptedException {
            thread.join();
        }

        static InstanceSpec leader(TestingCluster zk) throws InterruptedException {
            for (int attempt = 0; attempt < 100; attempt++) {
                for (InstanceSpec spec : zk.getInstances()) {
                    if (fourLetter(spec.getPort(), "srvr").contains("Mode: leader")) {
                        return spec;
                    }
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("no ZooKeeper leader");
        }

        private static String fourLetter(int port, String word) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                return "";
            }
        }
    }

    static CheckReport check(String name, List<URI> endpoints) throws Exception {
        return check(name, endpoints, () -> { }, () -> { });
    }

    /** Runs the workload, with {@code during} started as the clients start and {@code after} run once they stop. */
    static CheckReport check(String name, List<URI> endpoints, Runnable during, Interruptible after) throws Exception {
        long seed = Long.getLong("history.seed", System.nanoTime());
        Workload.Config config = Workload.Config.of(GatewayFixture.uniqueBucket("hv"), GatewayFixture.uniqueBucket("hu"))
                .withThreads(THREADS).withOpsPerThread(OPS_PER_THREAD).withDuration(BOUND).withSeed(seed);
        List<GatewayClient> clients = new ArrayList<>();
        try {
            for (URI e : endpoints) {
                clients.add(GatewayClient.connect(e, GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY,
                        Duration.ofSeconds(20), THREADS * 2));
            }
            Workload w = new Workload(config, clients, new Recorder());
            w.createBuckets();
            during.run();
            long t0 = System.nanoTime();
            w.runClients();
            long t1 = System.nanoTime();
            after.run();
            w.readEndState();
            long t2 = System.nanoTime();
            History h = w.history(Map.of("run", name));
            CheckReport r = HistoryChecker.check(h);
            System.out.printf("history-check %s seed=%d (clients %.1f s, end state %.1f s, check %.1f s): %s%n", name,
                    seed, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9, r.summary(30));
            if (!r.valid()) {
                Path out = Path.of("target", "history-" + name + "-" + seed + ".json");
                Files.createDirectories(out.getParent());
                h.write(out);
            }
            assertTrue(r.stats().ok() > THREADS * OPS_PER_THREAD / 2, "most operations answered: " + r.summary(5));
            assertTrue(r.valid(), name + " seed " + seed + ": " + r.summary(30));
            return r;
        } finally {
            for (GatewayClient c : clients) {
                c.close();
            }
        }
    }

    /** Something to do after the clients stopped, which may wait. */
    @FunctionalInterface
    interface Interruptible {
        void run() throws InterruptedException;
    }
}
