package io.imagegate.bench.scaleout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * What the ensemble alone can do with the ZooKeeper traffic of a PutObject of a new key, with no
 * gateway in the way: the same requests in the same order (sync, reads, the write-lease pin, the
 * publish multi with its checks, the partition stat, the pin's release), on znodes of the same
 * sizes under {@code /zkbench}, from a few sessions with many PUTs in flight. Three shapes:
 * <ul>
 *   <li>{@code pin+publish+release}: what a PUT does today, three transactions;</li>
 *   <li>{@code release folded}: the pin deleted inside the publish multi (with the collector-state
 *       check the release does), two transactions;</li>
 *   <li>{@code no pin}: a new key with nothing to deduplicate against, which needs no pin when it
 *       publishes within the collector's grace period, one transaction.</li>
 * </ul>
 */
final class ZkWriteCeiling {

    /** The shapes measured. */
    enum Shape {
        TODAY("pin+publish+release", 3), FOLDED("release folded into publish", 2), NO_PIN("no pin (new key)", 1);

        final String label;
        final int transactions;

        Shape(String label, int transactions) {
            this.label = label;
            this.transactions = transactions;
        }
    }

    /** One shape's rate. */
    record Result(Shape shape, long puts, double seconds, Latencies latency, long errors) {
        double rate() {
            return puts / seconds;
        }
    }

    private static final String ROOT = "/zkbench";
    private static final byte[] BUCKET = pad(200);
    private static final byte[] KEY = pad(450);
    private static final byte[] PIN = pad(150);
    private static final List<org.apache.zookeeper.data.ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    private final List<ZooKeeper> sessions;
    private final AtomicLong sequence = new AtomicLong();
    private final java.util.Queue<String> created = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private ZkWriteCeiling(List<ZooKeeper> sessions) {
        this.sessions = sessions;
    }

    static ZkWriteCeiling connect(String connect, int sessions) throws Exception {
        List<ZooKeeper> all = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            CountDownLatch up = new CountDownLatch(1);
            all.add(new ZooKeeper(connect, 60_000, e -> {
                if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                    up.countDown();
                }
            }));
            if (!up.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no session to " + connect);
            }
        }
        ZkWriteCeiling c = new ZkWriteCeiling(all);
        c.setUp();
        return c;
    }

    private void setUp() throws Exception {
        ZooKeeper zk = sessions.get(0);
        for (String p : List.of(ROOT, ROOT + "/bucket", ROOT + "/map", ROOT + "/page", ROOT + "/state", ROOT + "/pins",
                ROOT + "/obj", ROOT + "/idx")) {
            try {
                zk.create(p, p.endsWith("bucket") ? BUCKET : new byte[0], OPEN, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // a reused ensemble
            }
        }
    }

    /** Runs {@code inFlight} PUTs at a time in {@code shape} for {@code seconds}. */
    Result run(Shape shape, int inFlight, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[inFlight][];
        int[] counts = new int[inFlight];
        CountDownLatch finished = new CountDownLatch(inFlight);
        long t0 = System.nanoTime();
        for (int w = 0; w < inFlight; w++) {
            int worker = w;
            latencies[w] = new long[1024];
            ZooKeeper zk = sessions.get(w % sessions.size());
            Runnable[] loop = new Runnable[1];
            loop[0] = () -> {
                if (System.nanoTime() >= deadline) {
                    finished.countDown();
                    return;
                }
                long s = System.nanoTime();
                put(zk, shape).whenComplete((ok, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    } else {
                        done.incrementAndGet();
                        if (counts[worker] == latencies[worker].length) {
                            latencies[worker] = Arrays.copyOf(latencies[worker], counts[worker] * 2);
                        }
                        latencies[worker][counts[worker]++] = System.nanoTime() - s;
                    }
                    loop[0].run();
                });
            };
            loop[0].run();
        }
        finished.await();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        long[] all = new long[n];
        int at = 0;
        for (int w = 0; w < inFlight; w++) {
            System.arraycopy(latencies[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        return new Result(shape, done.get(), elapsed, Latencies.of(all, n), errors.get());
    }

    /** One PutObject's ZooKeeper requests, in the gateway's order. */
    private CompletableFuture<Void> put(ZooKeeper zk, Shape shape) {
        String id = Long.toString(sequence.incrementAndGet(), 36) + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String key = ROOT + "/obj/k" + id;
        String pin = ROOT + "/pins/p" + id;
        String index = ROOT + "/idx/k" + id;
        // current(): sync, the key (missing), the bucket
        CompletableFuture<Void> f = sync(zk).thenCompose(v -> get(zk, key)).thenCompose(v -> get(zk, ROOT + "/bucket"));
        if (shape != Shape.NO_PIN) {
            f = f.thenCompose(v -> multi(zk, List.of(Op.create(pin, PIN, OPEN, CreateMode.PERSISTENT))));
        }
        // publish: the bucket and the key in one round trip, then the multi
        f = f.thenCompose(v -> get(zk, ROOT + "/bucket").thenCombine(get(zk, key), (a, b) -> null));
        List<Op> publish = new ArrayList<>(List.of(Op.check(ROOT + "/bucket", -1),
                Op.create(key, KEY, OPEN, CreateMode.PERSISTENT), Op.check(ROOT + "/map", -1),
                Op.check(ROOT + "/page", -1), Op.create(index, new byte[0], OPEN, CreateMode.PERSISTENT)));
        if (shape == Shape.FOLDED) {
            publish.add(0, Op.check(ROOT + "/state", -1));
            publish.add(Op.delete(pin, -1));
        }
        f = f.thenCompose(v -> multi(zk, publish));
        // after an insert: the partition's size, to decide on a split
        f = f.thenCompose(v -> exists(zk, ROOT + "/idx"));
        if (shape == Shape.TODAY) {
            f = f.thenCompose(v -> multi(zk, List.of(Op.check(ROOT + "/state", -1), Op.delete(pin, -1))));
        }
        return f.thenRun(() -> created.add(id));
    }

    private static CompletableFuture<Void> sync(ZooKeeper zk) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        zk.sync(ROOT, (rc, path, ctx) -> complete(f, rc, path), null);
        return f;
    }

    private static CompletableFuture<Void> get(ZooKeeper zk, String path) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        zk.getData(path, false, (AsyncCallback.DataCallback) (rc, p, ctx, data, stat) -> {
            if (rc == KeeperException.Code.NONODE.intValue()) {
                f.complete(null);
            } else {
                complete(f, rc, p);
            }
        }, null);
        return f;
    }

    private static CompletableFuture<Void> exists(ZooKeeper zk, String path) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        zk.exists(path, false, (rc, p, ctx, stat) -> complete(f, rc, p), null);
        return f;
    }

    private static CompletableFuture<Void> multi(ZooKeeper zk, List<Op> ops) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        zk.multi(ops, (AsyncCallback.MultiCallback) (rc, path, ctx, results) -> {
            if (rc == KeeperException.Code.OK.intValue()) {
                f.complete(null);
            } else {
                String detail = results == null ? "" : results.stream().filter(r -> r instanceof OpResult.ErrorResult)
                        .map(r -> String.valueOf(((OpResult.ErrorResult) r).getErr())).toList().toString();
                f.completeExceptionally(new IllegalStateException("multi failed " + rc + " " + detail));
            }
        }, null);
        return f;
    }

    private static void complete(CompletableFuture<Void> f, int rc, String path) {
        if (rc == KeeperException.Code.OK.intValue()) {
            f.complete(null);
        } else {
            f.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
        }
    }

    private static byte[] pad(int n) {
        byte[] b = "x".repeat(n).getBytes(StandardCharsets.US_ASCII);
        return b;
    }

    /** Removes what the runs created (many thousand znodes, known by id: nothing is listed), in async batches. */
    void cleanUp() throws InterruptedException {
        ZooKeeper zk = sessions.get(0);
        List<String> ids = new ArrayList<>(created);
        created.clear();
        CountDownLatch left = new CountDownLatch(ids.size() * 2);
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(1000);
        for (String id : ids) {
            for (String p : List.of(ROOT + "/idx/k" + id, ROOT + "/obj/k" + id)) {
                window.acquire();
                zk.delete(p, -1, (rc, path, ctx) -> {
                    window.release();
                    left.countDown();
                }, null);
            }
        }
        left.await();
    }

    void close() throws InterruptedException {
        for (ZooKeeper zk : sessions) {
            zk.close();
        }
    }
}
