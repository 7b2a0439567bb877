package io.imagegate.gateway.gc;

import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.UsageCounter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.LiveRoot;
import io.imagegate.meta.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes {@link StorageReport}s (walking every live manifest, so not cheap) and keeps the last
 * whole-gateway one for {@code /metrics}, refreshing it in the background when it is older than
 * {@code maxAge}. One computation at a time per gateway.
 */
public final class StorageReports implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StorageReports.class);

    private final MetadataStore meta;
    private final DefaultChunkRepository chunks;
    private final Duration maxAge;
    private final ReentrantLock computing = new ReentrantLock();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final ExecutorService background = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("imagegate-storage-report").factory());
    private volatile StorageReport latest;
    private final List<Consumer<StorageReport>> listeners = new CopyOnWriteArrayList<>();

    public StorageReports(MetadataStore meta, DefaultChunkRepository chunks, Duration maxAge) {
        this.meta = meta;
        this.chunks = chunks;
        this.maxAge = maxAge;
    }

    /** Called with every new whole-gateway report. */
    public void onReport(Consumer<StorageReport> listener) {
        listeners.add(listener);
    }

    /** The whole gateway's report: the cached one if younger than {@code maxAge}, else a fresh one. */
    public StorageReport latest() throws IOException {
        StorageReport r = latest;
        if (r != null && r.computed().plus(maxAge).isAfter(Instant.now())) {
            return r;
        }
        return compute(null);
    }

    /** The cached whole-gateway report, never waiting; a stale or missing one is refreshed in the background. */
    public Optional<StorageReport> cached() {
        StorageReport r = latest;
        if ((r == null || !r.computed().plus(maxAge).isAfter(Instant.now())) && refreshing.compareAndSet(false, true)) {
            background.execute(() -> {
                try {
                    compute(null);
                } catch (Exception e) {
                    log.warn("storage report not computed: {}", e.toString());
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return Optional.ofNullable(r);
    }

    /** A fresh report of one bucket, or of the whole gateway when {@code bucket} is null. */
    public StorageReport compute(String bucket) throws IOException {
        computing.lock();
        try {
            StorageReport r = walk(bucket);
            if (bucket == null) {
                latest = r;
                listeners.forEach(l -> l.accept(r));
            }
            return r;
        } finally {
            computing.unlock();
        }
    }

    private StorageReport walk(String only) throws IOException {
        Instant started = Instant.now();
        UsageCounter all = new UsageCounter(chunks);
        Map<String, StorageReport.Bucket> done = new TreeMap<>();
        BucketTally[] current = new BucketTally[1];
        try {
            meta.visitLiveRoots(only, root -> {
                BucketTally t = current[0];
                if (t == null || !t.name.equals(root.bucket())) {
                    if (t != null) {
                        done.put(t.name, t.finish());
                    }
                    t = new BucketTally(root.bucket(), new UsageCounter(chunks, all));
                    current[0] = t;
                }
                t.add(root);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (current[0] != null) {
            done.put(current[0].name, current[0].finish());
        }
        List<String> names = only != null ? List.of(only) : meta.buckets().stream().map(BucketRecord::name).toList();
        for (String name : names) {
            done.putIfAbsent(name, new StorageReport.Bucket(name, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        List<StorageReport.Bucket> buckets = new ArrayList<>(done.values());
        StorageReport.Total total = null;
        if (only == null) {
            long packs = 0;
            long packBytes = 0;
            try (Stream<ChunkStore.PackInfo> s = chunks.store().list()) {
                for (ChunkStore.PackInfo p : (Iterable<ChunkStore.PackInfo>) s::iterator) {
                    packs++;
                    packBytes += p.size();
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            UsageCounter.Usage u = all.usage();
            total = new StorageReport.Total(buckets.size(), buckets.stream().mapToLong(StorageReport.Bucket::versions).sum(),
                    buckets.stream().mapToLong(StorageReport.Bucket::logicalBytes).sum(), u.bytes(), packBytes, packs,
                    u.chunks(), u.pages());
        }
        log.info("storage report computed bucket={} buckets={} millis={}", only == null ? "*" : only, buckets.size(),
                Duration.between(started, Instant.now()).toMillis());
        return new StorageReport(Instant.now(), List.copyOf(buckets), total);
    }

    /** What one bucket's roots add up to. */
    private static final class BucketTally {
        final String name;
        final UsageCounter usage;
        long versions;
        long logical;
        long parts;
        long partBytes;

        BucketTally(String name, UsageCounter usage) {
            this.name = name;
            this.usage = usage;
        }

        void add(LiveRoot root) {
            if (root.isPart()) {
                parts++;
                partBytes += root.size();
            } else {
                versions++;
                logical += root.size();
            }
            try {
                usage.add(ManifestRoot.decode(root.manifest()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        StorageReport.Bucket finish() {
            UsageCounter.Usage u = usage.usage();
            return new StorageReport.Bucket(name, versions, logical, u.bytes(), u.chunks(), u.chunkBytes(), u.pages(),
                    u.pageBytes(), parts, partBytes);
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
    }
}
