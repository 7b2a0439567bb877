package io.imagegate.s3compat.history;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * Concurrent clients on a few keys of a versioned bucket and an unversioned one, through one or
 * more gateways, every operation recorded: PUT (plain, If-None-Match: *, If-Match), CopyObject,
 * multipart upload, DELETE (marker, or of a version), DeleteObjects, GET and HEAD (current or by
 * version), ListObjectVersions and ListObjectsV2 with small pages. "deep" keys gather many versions
 * (listings of them page and race with deletes); "churn" keys are emptied and filled again (deletes
 * of the current and of the only version race with PUTs). Bounded by operations per client and by
 * time. {@link #readEndState()} then reads everything back once writes have stopped.
 */
public final class Workload {

    /**
     * @param threads      concurrent clients
     * @param opsPerThread operations each client issues at most
     * @param duration     time after which clients stop issuing
     */
    public record Config(int threads, int opsPerThread, Duration duration, long seed, String versionedBucket,
                         String plainBucket, List<String> versionedKeys, List<String> plainKeys) {

        public static Config of(String versionedBucket, String plainBucket) {
            return new Config(8, 150, Duration.ofSeconds(30), System.nanoTime(), versionedBucket, plainBucket,
                    List.of("churn-a", "churn-b", "deep-a", "deep-b"), List.of("plain-a", "plain-b"));
        }

        public Config withThreads(int n) {
            return new Config(n, opsPerThread, duration, seed, versionedBucket, plainBucket, versionedKeys, plainKeys);
        }

        public Config withOpsPerThread(int n) {
            return new Config(threads, n, duration, seed, versionedBucket, plainBucket, versionedKeys, plainKeys);
        }

        public Config withDuration(Duration d) {
            return new Config(threads, opsPerThread, d, seed, versionedBucket, plainBucket, versionedKeys, plainKeys);
        }

        public Config withSeed(long s) {
            return new Config(threads, opsPerThread, duration, s, versionedBucket, plainBucket, versionedKeys, plainKeys);
        }
    }

    private final Config config;
    private final List<GatewayClient> gateways;
    private final Recorder recorder;
    private final Knowledge knowledge = new Knowledge();
    private final AtomicBoolean stop = new AtomicBoolean();

    public Workload(Config config, List<GatewayClient> gateways, Recorder recorder) {
        this.config = config;
        this.gateways = List.copyOf(gateways);
        this.recorder = recorder;
    }

    public Config config() {
        return config;
    }

    /** Creates both buckets (versioning on for one) through the first gateway, retrying what faults fail. */
    public void createBuckets() throws InterruptedException {
        var s3 = gateways.getFirst().s3();
        for (String bucket : List.of(config.versionedBucket(), config.plainBucket())) {
            settle(() -> {
                try {
                    s3.createBucket(b -> b.bucket(bucket));
                } catch (BucketAlreadyOwnedByYouException e) {
                    // an earlier attempt, answered 503, was applied
                }
            });
        }
        settle(() -> s3.putBucketVersioning(b -> b.bucket(config.versionedBucket())
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED))));
    }

    private static void settle(Runnable setUp) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                setUp.run();
                return;
            } catch (SdkException e) {
                boolean retry = !(e instanceof AwsServiceException s) || s.statusCode() >= 500;
                if (!retry || attempt >= 30) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** Runs the clients until each has issued its operations, the duration has passed, or {@link #stop()}. */
    public void runClients() throws InterruptedException {
        long deadline = System.nanoTime() + config.duration().toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(config.threads());
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < config.threads(); t++) {
                int process = t;
                clients.add(pool.submit(() -> client(process, deadline)));
            }
            for (Future<?> f : clients) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a client failed", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    public void stop() {
        stop.set(true);
    }

    private void client(int process, long deadline) {
        Random rnd = new Random(config.seed() * 31 + process);
        for (int i = 0; i < config.opsPerThread() && System.nanoTime() < deadline && !stop.get(); i++) {
            int gateway = rnd.nextInt(gateways.size());
            String tag = "t" + Long.toHexString(config.seed()) + "-" + process + "-" + i;
            Request request = rnd.nextInt(8) == 0 ? contend(rnd, tag) : next(rnd, tag);
            Op op = recorder.record(process, gateway, request, () -> gateways.get(gateway).execute(request));
            knowledge.learn(op);
        }
    }

    /**
     * Reads the end state through every gateway (both listings, every key) and every version
     * ever named by id through one, for a history whose writes have all stopped.
     */
    public void readEndState() {
        int process = config.threads();
        for (int g = 0; g < gateways.size(); g++) {
            final int gw = g;
            List<Request> reads = new ArrayList<>();
            reads.add(new Request.ListVersions(config.versionedBucket(), "", 1000));
            reads.add(new Request.ListObjects(config.versionedBucket(), "", 1000));
            reads.add(new Request.ListObjects(config.plainBucket(), "", 1000));
            config.versionedKeys().forEach(k -> reads.add(new Request.Get(config.versionedBucket(), k, null, false)));
            config.plainKeys().forEach(k -> reads.add(new Request.Get(config.plainBucket(), k, null, false)));
            for (Request r : reads) {
                knowledge.learn(recorder.record(process, gw, r, () -> gateways.get(gw).execute(r)));
            }
        }
        int i = 0;
        for (Map.Entry<String, Set<String>> key : knowledge.everId().entrySet()) {
            for (String id : key.getValue()) {
                int gw = i++ % gateways.size();
                Request r = new Request.Get(config.versionedBucket(), key.getKey(), id, false);
                for (int attempt = 0; attempt < 5; attempt++) { // a chunk-store fault is not a lost version
                    if (!recorder.record(process, gw, r, () -> gateways.get(gw).execute(r)).unknown()) {
                        break;
                    }
                }
            }
        }
    }

    public History history(Map<String, String> notes) {
        Map<String, String> all = new LinkedHashMap<>(notes);
        all.put("seed", Long.toString(config.seed()));
        all.put("threads", Integer.toString(config.threads()));
        all.put("gateways", Integer.toString(gateways.size()));
        return recorder.history(Set.of(config.versionedBucket()), all);
    }

    // ---- choosing operations

    /** Clients that contend meet at the next slot boundary and act on one key together. */
    private static final long SLOT_NANOS = 200_000_000L;

    /**
     * An operation fired at the next slot boundary, on the key of that slot, together with every
     * other client contending then: deletes of its newest and second-newest versions and PUTs, the
     * interleavings in which a delete decides from reads another delete has changed, and in which a
     * key deleted to nothing is created again under a delete planned against its old incarnation.
     */
    private Request contend(Random rnd, String tag) {
        long slot = System.nanoTime() / SLOT_NANOS + 1;
        long wait = slot * SLOT_NANOS - System.nanoTime();
        if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        List<String> keys = config.versionedKeys().stream().filter(k -> k.startsWith("churn")).toList();
        if (keys.isEmpty()) {
            keys = config.versionedKeys();
        }
        String bucket = config.versionedBucket();
        String key = keys.get((int) (slot % keys.size()));
        List<String> newest = knowledge.newest(key, 2);
        int dice = rnd.nextInt(100);
        if (newest.isEmpty() || dice < 25) {
            return Request.Put.plain(bucket, key, body(rnd, tag, false));
        } else if (dice < 65 || newest.size() < 2) {
            return new Request.Delete(bucket, key, newest.getFirst());
        } else if (dice < 85) {
            return new Request.Delete(bucket, key, newest.get(1));
        }
        return new Request.DeleteBatch(bucket, newest.stream().map(id -> new Request.Target(key, id)).toList());
    }

    private Request next(Random rnd, String tag) {
        if (!config.plainKeys().isEmpty() && rnd.nextInt(100) < 15) {
            return nextPlain(rnd, tag);
        }
        String bucket = config.versionedBucket();
        String key = config.versionedKeys().get(rnd.nextInt(config.versionedKeys().size()));
        boolean churn = key.startsWith("churn");
        int dice = rnd.nextInt(100);
        // deep keys: mostly writes and listings; churn keys: deletes of recent versions race with writes
        int[] edges = churn
                ? new int[] {22, 26, 28, 29, 32, 36, 62, 70, 80, 83, 89, 96}
                : new int[] {26, 29, 33, 36, 41, 45, 57, 63, 72, 75, 90, 95};
        if (dice < edges[0]) {
            return Request.Put.plain(bucket, key, body(rnd, tag, false));
        } else if (dice < edges[1]) {
            return new Request.Put(bucket, key, body(rnd, tag, false), true, null);
        } else if (dice < edges[2]) {
            return new Request.Put(bucket, key, body(rnd, tag, false), false, knowledge.etagToMatch(rnd, bucket, key));
        } else if (dice < edges[3]) {
            return new Request.Multipart(bucket, key, body(rnd, tag, true));
        } else if (dice < edges[4]) {
            String source = config.versionedKeys().get(rnd.nextInt(config.versionedKeys().size()));
            return new Request.Copy(bucket, key, bucket, source, rnd.nextBoolean() ? null : knowledge.someVersion(rnd, source), tag);
        } else if (dice < edges[5]) {
            return new Request.Delete(bucket, key, null);
        } else if (dice < edges[6]) {
            String id = knowledge.someVersion(rnd, key);
            return id == null ? new Request.Get(bucket, key, null, false) : new Request.Delete(bucket, key, id);
        } else if (dice < edges[7]) {
            List<Request.Target> targets = new ArrayList<>();
            for (int n = 2 + rnd.nextInt(3); n > 0; n--) {
                String k = rnd.nextInt(3) == 0 ? config.versionedKeys().get(rnd.nextInt(config.versionedKeys().size())) : key;
                String id = rnd.nextInt(5) == 0 ? null : knowledge.someVersion(rnd, k);
                Request.Target t = new Request.Target(k, id);
                if (!targets.contains(t)) {
                    targets.add(t);
                }
            }
            return new Request.DeleteBatch(bucket, targets);
        } else if (dice < edges[8]) {
            return new Request.Get(bucket, key, null, rnd.nextInt(4) == 0);
        } else if (dice < edges[9]) {
            String id = knowledge.someVersion(rnd, key);
            return new Request.Get(bucket, key, id, rnd.nextInt(4) == 0);
        } else if (dice < edges[10]) {
            return new Request.ListVersions(bucket, rnd.nextBoolean() ? key : "", new int[] {5, 17, 1000}[rnd.nextInt(3)]);
        } else if (dice < edges[11]) {
            return new Request.ListObjects(bucket, "", new int[] {1, 3, 1000}[rnd.nextInt(3)]);
        }
        String id = knowledge.someVersion(rnd, key);
        return new Request.Get(bucket, key, id, false);
    }

    private Request nextPlain(Random rnd, String tag) {
        String bucket = config.plainBucket();
        String key = config.plainKeys().get(rnd.nextInt(config.plainKeys().size()));
        int dice = rnd.nextInt(100);
        if (dice < 30) {
            return Request.Put.plain(bucket, key, body(rnd, tag, false));
        } else if (dice < 36) {
            return new Request.Put(bucket, key, body(rnd, tag, false), true, null);
        } else if (dice < 42) {
            return new Request.Put(bucket, key, body(rnd, tag, false), false, knowledge.etagToMatch(rnd, bucket, key));
        } else if (dice < 45) {
            return new Request.Multipart(bucket, key, body(rnd, tag, true));
        } else if (dice < 50) {
            String source = config.versionedKeys().get(rnd.nextInt(config.versionedKeys().size()));
            return new Request.Copy(bucket, key, config.versionedBucket(), source, null, tag);
        } else if (dice < 62) {
            return new Request.Delete(bucket, key, null);
        } else if (dice < 67) {
            return new Request.DeleteBatch(bucket, List.of(new Request.Target(key, null)));
        } else if (dice < 92) {
            return new Request.Get(bucket, key, null, rnd.nextInt(4) == 0);
        }
        return new Request.ListObjects(bucket, "", new int[] {1, 1000}[rnd.nextInt(2)]);
    }

    /** Mostly small bodies; some span several 64 KiB chunks. */
    private static Body body(Random rnd, String tag, boolean multipart) {
        int dice = rnd.nextInt(100);
        int length = dice < 80 ? 100 + rnd.nextInt(1900) : dice < 95 ? 2000 + rnd.nextInt(70_000) : 70_000 + rnd.nextInt(130_000);
        return Body.of(tag, length, multipart);
    }

    /** What the clients have learnt: version ids of each key (newest last) and the ETags current ones had. */
    private final class Knowledge {
        private final Map<String, List<String>> recent = new LinkedHashMap<>();
        private final Map<String, Set<String>> ever = new LinkedHashMap<>();
        private final Map<String, List<String>> etags = new LinkedHashMap<>();

        synchronized void learn(Op op) {
            String versioned = config.versionedBucket();
            switch (op.response()) {
                case Response.Written w -> {
                    String key = switch (op.request()) {
                        case Request.Put p -> p.key();
                        case Request.Copy c -> c.key();
                        case Request.Multipart m -> m.key();
                        default -> null;
                    };
                    if (op.request().bucket().equals(versioned)) {
                        id(key, w.versionId());
                    }
                    etags.computeIfAbsent(op.request().bucket() + "/" + key, k -> new ArrayList<>()).add(w.etag());
                }
                case Response.Deleted d when op.request() instanceof Request.Delete del && d.deleteMarker() ->
                        id(del.key(), d.versionId());
                case Response.Deleted d when op.request() instanceof Request.Delete del && del.versionId() != null ->
                        recent.getOrDefault(del.key(), new ArrayList<>()).remove(del.versionId());
                case Response.BatchDeleted b -> {
                    for (Response.Entry e : b.entries()) {
                        if (e.outcome() == Response.Outcome.DELETED && e.versionId() != null) {
                            recent.getOrDefault(e.key(), new ArrayList<>()).remove(e.versionId());
                        } else if (e.deleteMarker()) {
                            id(e.key(), e.markerVersionId());
                        }
                    }
                }
                case Response.VersionListing l -> {
                    List<Response.ListedVersion> all = new ArrayList<>();
                    l.pages().forEach(p -> all.addAll(p.entries()));
                    for (Response.ListedVersion e : all.reversed()) { // newest last
                        id(e.key(), e.versionId());
                    }
                }
                case Response.Found f when op.request() instanceof Request.Get g && g.bucket().equals(versioned) ->
                        id(g.key(), f.versionId());
                default -> { }
            }
        }

        private void id(String key, String id) {
            if (key == null || id == null || id.equals("null")) {
                return;
            }
            List<String> r = recent.computeIfAbsent(key, k -> new ArrayList<>());
            r.remove(id);
            r.add(id);
            if (r.size() > 64) {
                r.removeFirst();
            }
            ever.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(id);
        }

        /** The newest {@code n} ids known of the key, newest first. */
        synchronized List<String> newest(String key, int n) {
            List<String> r = recent.getOrDefault(key, List.of());
            return new ArrayList<>(r.subList(Math.max(0, r.size() - n), r.size()).reversed());
        }

        /** Mostly one of the newest ids (the current version, the ones just written), else any recent one. */
        synchronized String someVersion(Random rnd, String key) {
            List<String> r = recent.getOrDefault(key, List.of());
            if (r.isEmpty()) {
                return null;
            }
            int window = rnd.nextInt(10) < 6 ? Math.min(3, r.size()) : r.size();
            return r.get(r.size() - 1 - rnd.nextInt(window));
        }

        synchronized String etagToMatch(Random rnd, String bucket, String key) {
            List<String> e = etags.getOrDefault(bucket + "/" + key, List.of());
            if (e.isEmpty() || rnd.nextInt(5) == 0) {
                return "\"" + Body.of("no-such-" + rnd.nextLong(), 16, false).etag() + "\"";
            }
            return e.get(e.size() - 1 - rnd.nextInt(Math.min(2, e.size())));
        }

        synchronized Map<String, Set<String>> everId() {
            Map<String, Set<String>> copy = new LinkedHashMap<>();
            ever.forEach((k, v) -> copy.put(k, new LinkedHashSet<>(v)));
            return copy;
        }
    }
}
