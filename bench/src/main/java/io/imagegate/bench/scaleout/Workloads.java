package io.imagegate.bench.scaleout;

import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The client side of the measurements: many threads, thread {@code t} talking to server
 * {@code t mod N}, so requests spread evenly over the gateways; timed phases run for a fixed
 * time, and every answer a phase reads is checked.
 */
final class Workloads {

    private Workloads() {}

    /** What a phase did: requests completed, failures, bytes moved, wall time and latencies. */
    record Outcome(long requests, long errors, long bytes, long nanos, Latencies latency, String firstError) {

        double seconds() {
            return nanos / 1e9;
        }

        double rate() {
            return requests / seconds();
        }

        double mibPerSecond() {
            return bytes / (1024.0 * 1024.0) / seconds();
        }
    }

    /** The shared bookkeeping of one phase's threads. */
    private static final class Tally {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final List<Latencies.Recorder> recorders = new ArrayList<>();

        synchronized Latencies.Recorder recorder() {
            Latencies.Recorder r = new Latencies.Recorder();
            recorders.add(r);
            return r;
        }

        void failed(Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }

        Outcome outcome(long nanos) {
            return new Outcome(requests.get(), errors.get(), bytes.get(), nanos, Latencies.Recorder.merge(recorders),
                    firstError.get());
        }
    }

    /** New objects of {@code size} random bytes (each different) under {@code keyPrefix}, for {@code duration}. */
    static Outcome puts(List<S3Client> clients, String bucket, String keyPrefix, int threads, int size,
                        Duration duration, long seed) throws InterruptedException {
        Tally tally = new Tally();
        long deadline = System.nanoTime() + duration.toNanos();
        long t0 = System.nanoTime();
        runThreads(threads, t -> {
            S3Client s3 = clients.get(t % clients.size());
            Latencies.Recorder rec = tally.recorder();
            byte[] body = new byte[size];
            SplittableRandom random = new SplittableRandom(seed * 7919 + t);
            random.nextBytes(body);
            for (long n = 0; System.nanoTime() < deadline; n++) {
                if (size >= 8) {
                    long v = random.nextLong(); // every object different: nothing to deduplicate
                    for (int i = 0; i < 8; i++) {
                        body[i] = (byte) (v >>> (8 * i));
                    }
                }
                String key = keyPrefix + t + "/" + n;
                long s = System.nanoTime();
                try {
                    s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) size)
                            .contentType("application/octet-stream"), RequestBody.fromBytes(body));
                    rec.add(System.nanoTime() - s);
                    tally.requests.incrementAndGet();
                    tally.bytes.addAndGet(size);
                } catch (RuntimeException e) {
                    tally.failed(e);
                }
            }
        });
        return tally.outcome(System.nanoTime() - t0);
    }

    /** Random {@code rangeSize}-aligned range GETs of one object, each compared with {@code image}, for {@code duration}. */
    static Outcome ranges(List<S3Client> clients, String bucket, String key, byte[] image, int threads, int rangeSize,
                          Duration duration, long seed) throws InterruptedException {
        Tally tally = new Tally();
        long deadline = System.nanoTime() + duration.toNanos();
        int slots = image.length / rangeSize;
        long t0 = System.nanoTime();
        runThreads(threads, t -> {
            S3Client s3 = clients.get(t % clients.size());
            Latencies.Recorder rec = tally.recorder();
            SplittableRandom random = new SplittableRandom(seed * 31 + t);
            byte[] got = new byte[rangeSize];
            while (System.nanoTime() < deadline) {
                long off = (long) random.nextInt(slots) * rangeSize;
                long s = System.nanoTime();
                try {
                    int n;
                    try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key)
                            .range("bytes=" + off + "-" + (off + rangeSize - 1)))) {
                        n = in.readNBytes(got, 0, rangeSize);
                        if (in.read() != -1) {
                            n = -1;
                        }
                    }
                    rec.add(System.nanoTime() - s);
                    if (n != rangeSize || !Arrays.equals(got, 0, rangeSize, image, (int) off, (int) off + rangeSize)) {
                        throw new IllegalStateException("range at " + off + " returned wrong bytes");
                    }
                    tally.requests.incrementAndGet();
                    tally.bytes.addAndGet(rangeSize);
                } catch (IOException | RuntimeException e) {
                    tally.failed(e);
                }
            }
        });
        return tally.outcome(System.nanoTime() - t0);
    }

    /** Reads every range of the object once through every client: afterwards the image is hot everywhere. */
    static void warm(List<S3Client> clients, String bucket, String key, int size, int rangeSize, int threads)
            throws InterruptedException {
        int slots = size / rangeSize;
        AtomicInteger next = new AtomicInteger();
        int total = slots * clients.size();
        runThreads(threads, t -> {
            byte[] got = new byte[rangeSize];
            int i;
            while ((i = next.getAndIncrement()) < total) {
                S3Client s3 = clients.get(i / slots);
                long off = (long) (i % slots) * rangeSize;
                try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key)
                        .range("bytes=" + off + "-" + (off + rangeSize - 1)))) {
                    in.readNBytes(got, 0, rangeSize);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
    }

    /**
     * PUTs every key of the layout once, in a random order (so inserts spread over the key space
     * and its partitions), with a body of {@code size} bytes (zero-length by default: no chunk is
     * stored, only metadata). Keys that failed are tried again at the end, up to four more rounds.
     */
    static Outcome load(List<S3Client> clients, String bucket, KeyLayout layout, int threads, int size, long seed,
                        Consumer<Long> progress) throws InterruptedException {
        int[] order = shuffled(layout.keys(), seed);
        Tally tally = new Tally();
        long t0 = System.nanoTime();
        int[] todo = order;
        for (int round = 0; round < 5 && todo.length > 0; round++) {
            ConcurrentLinkedQueue<Integer> failed = new ConcurrentLinkedQueue<>();
            AtomicInteger next = new AtomicInteger();
            int[] keys = todo;
            Thread reporter = reportEvery15s(tally, progress);
            try {
                runThreads(threads, t -> {
                    S3Client s3 = clients.get(t % clients.size());
                    Latencies.Recorder rec = tally.recorder();
                    byte[] body = new byte[size];
                    new SplittableRandom(seed + t).nextBytes(body);
                    int i;
                    while ((i = next.getAndIncrement()) < keys.length) {
                        String key = layout.key(keys[i]);
                        long s = System.nanoTime();
                        try {
                            s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) size),
                                    RequestBody.fromBytes(body));
                            rec.add(System.nanoTime() - s);
                            tally.requests.incrementAndGet();
                            tally.bytes.addAndGet(size);
                        } catch (RuntimeException e) {
                            tally.failed(e);
                            failed.add(keys[i]);
                        }
                    }
                });
            } finally {
                reporter.interrupt();
            }
            todo = failed.stream().mapToInt(Integer::intValue).toArray();
        }
        if (todo.length > 0) {
            throw new IllegalStateException(todo.length + " keys could not be loaded; first error: "
                    + tally.firstError.get());
        }
        return tally.outcome(System.nanoTime() - t0);
    }

    /**
     * Every key of the layout as an empty object, published through the gateway's own metadata path
     * ({@link ZkMetadataStore#publish}, the call a PUT ends in) from this process: the same records,
     * transactions and index entries as a PUT makes, without HTTP, signatures or a chunk store. For
     * loading a million keys on a small machine, where S3 PUTs through gateways sharing two cores
     * with a three-server ensemble run at ~170 a second.
     */
    static Outcome loadThroughMetadata(String zkConnect, String bucket, KeyLayout layout, int threads, long seed,
                                       Consumer<Long> progress) throws InterruptedException {
        int[] order = shuffled(layout.keys(), seed);
        Tally tally = new Tally();
        long t0 = System.nanoTime();
        try (ZkMetadataStore meta = ZkMetadataStore.connect(zkConnect)) {
            BucketRecord record = meta.bucket(bucket).orElseThrow(() -> new IllegalStateException("no bucket " + bucket));
            String emptyManifest = "m1:" + record.chunkSize() + ":0:0:-";
            AtomicInteger next = new AtomicInteger();
            Thread reporter = reportEvery15s(tally, progress);
            try {
                runThreads(threads, t -> {
                    Latencies.Recorder rec = tally.recorder();
                    int i;
                    while ((i = next.getAndIncrement()) < order.length) {
                        VersionDraft draft = VersionDraft.builder(layout.key(order[i])).owner(record.owner())
                                .bytes(0, EMPTY_MD5, emptyManifest)
                                .metadata(Map.of("Content-Type", "binary/octet-stream"), Map.of())
                                .acl(CannedAcl.PRIVATE).build();
                        long s = System.nanoTime();
                        for (int attempt = 0; ; attempt++) {
                            try {
                                meta.publish(bucket, draft, WriteCondition.NONE);
                                break;
                            } catch (RuntimeException e) {
                                tally.failed(e);
                                if (attempt == 4) {
                                    throw e;
                                }
                            }
                        }
                        rec.add(System.nanoTime() - s);
                        tally.requests.incrementAndGet();
                    }
                });
            } finally {
                reporter.interrupt();
            }
        }
        return tally.outcome(System.nanoTime() - t0);
    }

    /** A daemon thread that hands the requests done so far to {@code progress} every 15 s, until interrupted. */
    private static Thread reportEvery15s(Tally tally, Consumer<Long> progress) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep(15_000);
                    progress.accept(tally.requests.get());
                }
            } catch (InterruptedException e) {
                // done
            }
        });
    }

    private static final String EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        return order;
    }

    /** A body run by each of {@code threads} platform threads, given its index. */
    @FunctionalInterface
    interface ThreadBody {
        void run(int t) throws Exception;
    }

    static void runThreads(int threads, ThreadBody body) throws InterruptedException {
        List<Thread> all = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            all.add(Thread.ofPlatform().name("load-" + t).start(() -> {
                try {
                    body.run(index);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client thread failed", failure.get());
        }
    }
}
