package io.imagegate.gateway.gc;

import io.imagegate.chunk.CollectionReport;
import io.imagegate.chunk.CollectorConfig;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.GarbageCollector;
import io.imagegate.gateway.lifecycle.LifecycleReport;
import io.imagegate.gateway.lifecycle.LifecycleRunner;
import io.imagegate.meta.GcCoordination;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection of one gateway's chunk store, coordinated through ZooKeeper: every gateway
 * runs the periodic task, and whichever takes the collector lock collects (and does the metadata
 * upkeep of {@link ZkMetadataStore#sweep()}); the others skip that round. {@code imagegate gc}
 * takes the same lock. Collections run one at a time, on the thread that took the lock. A periodic
 * round first applies the buckets' lifecycle rules under the same lock (see {@link LifecycleRunner}),
 * so the versions they expire are reclaimed by the collection that follows.
 */
public final class GarbageCollection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GarbageCollection.class);

    private final ZkMetadataStore meta;
    private final GarbageCollector collector;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("imagegate-gc").factory());
    private volatile LifecycleRunner lifecycle;
    private volatile CollectionReport last;
    private volatile long collections;
    private volatile long skipped;
    private volatile long failures;

    public GarbageCollection(ZkMetadataStore meta, DefaultChunkRepository chunks, GcOptions options) {
        this(meta, chunks, CollectorConfig.defaults().withGrace(options.grace())
                .withRewriteThreshold(options.rewriteThreshold()).withMaxPackBytes(chunks.config().maxPackBytes()));
    }

    /** With a collector configured in full; tests use it for hooks between sweep steps. */
    public GarbageCollection(ZkMetadataStore meta, DefaultChunkRepository chunks, CollectorConfig config) {
        this.meta = meta;
        this.collector = new GarbageCollector(chunks, config);
    }

    /** Applies the lifecycle rules at the start of every periodic round. */
    public GarbageCollection withLifecycle(LifecycleRunner runner) {
        this.lifecycle = runner;
        return this;
    }

    /**
     * Applies the lifecycle rules now (resuming an interrupted run) if the collector lock can be had
     * within {@code wait}; empty when another collector holds it that long.
     */
    public Optional<LifecycleReport> runLifecycle(LifecycleRunner runner, Duration wait) {
        Optional<GcCoordination.CollectorLock> lock = meta.gc().tryLock(wait);
        if (lock.isEmpty()) {
            return Optional.empty();
        }
        try (GcCoordination.CollectorLock held = lock.get()) {
            return Optional.of(runner.run(held));
        }
    }

    /**
     * Applies this gateway's own rules now (the runner its periodic rounds use, whose runs its
     * {@code imagegate_lifecycle_*} metrics count); empty when it has none or the lock was not had.
     */
    public Optional<LifecycleReport> runLifecycle(Duration wait) {
        LifecycleRunner rules = lifecycle;
        return rules == null ? Optional.empty() : runLifecycle(rules, wait);
    }

    /** Starts the periodic task: first after {@code initialDelay}, then every {@code interval} after one ends. */
    public GarbageCollection startPeriodic(GcOptions options) {
        if (options.periodic()) {
            timer.scheduleWithFixedDelay(this::periodic, options.initialDelay().toMillis(),
                    options.interval().toMillis(), TimeUnit.MILLISECONDS);
            log.info("periodic garbage collection interval={} firstIn={} grace={}", options.interval(),
                    options.initialDelay(), options.grace());
        }
        return this;
    }

    private void periodic() {
        try {
            Optional<CollectionReport> r = collect(false, Duration.ZERO, true);
            if (r.isEmpty()) {
                skipped++;
                log.debug("garbage collection skipped: another collector holds the lock");
            }
        } catch (Exception e) {
            failures++;
            log.warn("garbage collection failed; the next run retries: {}", e.toString());
        }
    }

    /**
     * Runs one collection now if the collector lock can be had within {@code wait}; empty when
     * another collector holds it that long.
     */
    public Optional<CollectionReport> collect(boolean dryRun, Duration wait) throws IOException {
        return collect(dryRun, wait, false);
    }

    private Optional<CollectionReport> collect(boolean dryRun, Duration wait, boolean upkeep) throws IOException {
        Optional<GcCoordination.CollectorLock> lock = meta.gc().tryLock(wait);
        if (lock.isEmpty()) {
            return Optional.empty();
        }
        try (GcCoordination.CollectorLock held = lock.get()) {
            LifecycleRunner rules = lifecycle;
            if (upkeep && !dryRun && rules != null) {
                try {
                    rules.run(held);
                } catch (RuntimeException e) {
                    log.warn("lifecycle run stopped; the next round resumes it: {}", e.toString());
                }
            }
            CollectionReport report = collector.collect(new MetadataLiveRoots(meta, held), dryRun);
            if (!dryRun) {
                last = report;
                collections++;
            }
            if (upkeep && held.held()) {
                meta.sweep(); // forget completed uploads, finish abandoned splits: one gateway suffices
            }
            return Optional.of(report);
        }
    }

    /** The last collection this gateway ran, if any. */
    public Optional<CollectionReport> lastReport() {
        return Optional.ofNullable(last);
    }

    /** Collections this gateway ran, rounds it left to another collector, and rounds that failed. */
    public long[] counts() {
        return new long[] {collections, skipped, failures};
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
