package io.imagegate.meta;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upkeep that no request waits for, on one background thread: partition splits and merges,
 * removal of empty history groups, and removal of the part znodes of finished uploads. Every task
 * is safe to run twice or to be lost with the process; whatever one store leaves undone the next
 * trigger (or {@link ZkMetadataStore#sweep}) finishes.
 */
final class Maintenance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);
    private static final Duration TASK_TIMEOUT = Duration.ofSeconds(30);
    private static final int DELETE_BATCH = 500;

    private final Context ctx;
    private final Splitter splitter;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "imagegate-zk-maintenance");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pending = new AtomicInteger();

    Maintenance(Context ctx) {
        this.ctx = ctx;
        this.splitter = new Splitter(ctx);
    }

    /** After a key was added to a partition: split it once it is full, finish a stalled split. */
    void afterInsert(String bucket, long incarnation, PartitionMap.Location loc) {
        PartitionMap.Move move = loc.page().move();
        if (move != null && System.currentTimeMillis() - move.since() > ctx.config.splitStallTimeout().toMillis()) {
            submit("finish|" + bucket + "|" + loc.page().id(), d -> splitter.finishMove(d, bucket, incarnation,
                    ctx.maps.page(d, bucket, incarnation, loc.page().id(), true)));
        }
        String partition = loc.partition();
        ZooKeeper zk = ctx.zk.handleIfConnected();
        if (zk == null) {
            return;
        }
        pending.incrementAndGet();
        try {
            ctx.zk.statAsync(zk, ctx.layout.partition(bucket, partition))
                    .whenComplete((stat, error) -> {
                        if (stat != null && stat.getNumChildren() >= ctx.config.partitionSplitThreshold()) {
                            submit("split|" + bucket + "|" + partition,
                                    d -> splitter.split(d, bucket, incarnation, partition));
                        }
                        pending.decrementAndGet();
                    });
        } catch (RuntimeException e) {
            pending.decrementAndGet();
        }
    }

    /** After a key's index entry was removed: drop the partition from the map if it is now empty. */
    void afterIndexRemoval(String bucket, long incarnation, String partition) {
        submit("merge|" + bucket + "|" + partition, d -> splitter.mergeIfEmpty(d, bucket, incarnation, partition));
    }

    /** After a non-current version was removed: delete its group node once empty. */
    void afterHistoryRemoval(String bucket, String name, long group) {
        String path = ctx.layout.group(bucket, name, group);
        submit("group|" + path, d -> {
            var stat = ctx.zk.stat(d, path);
            if (stat != null && stat.getNumChildren() == 0) {
                ctx.zk.multi(d, List.of(Op.delete(path, -1)));
            }
        });
    }

    /** After an upload ended: delete its part znodes in bounded multis, then their parent. */
    void removeParts(String uploadId) {
        submit("parts|" + uploadId, d -> deleteParts(d, uploadId));
    }

    void deleteParts(Deadline d, String uploadId) {
        String dir = ctx.layout.parts(uploadId);
        List<String> children = ctx.zk.children(d, dir);
        if (children == null) {
            return;
        }
        List<Op> ops = new ArrayList<>();
        for (String child : children) {
            ops.add(Op.delete(dir + "/" + child, -1));
            if (ops.size() == DELETE_BATCH) {
                ctx.zk.multi(d, ops);
                ops = new ArrayList<>();
            }
        }
        ops.add(Op.delete(dir, -1));
        ctx.zk.multi(d, ops);
    }

    /** Any other idempotent upkeep, run once per id at a time. */
    void later(String id, Task task) {
        submit(id, task);
    }

    Splitter splitter() {
        return splitter;
    }

    /** Waits until every queued task has run (tests use it to observe splits). */
    void awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A background task with its own deadline. */
    @FunctionalInterface
    interface Task {
        void run(Deadline d);
    }

    private void submit(String id, Task task) {
        if (!queued.add(id)) {
            return;
        }
        pending.incrementAndGet();
        try {
            executor.execute(() -> {
                queued.remove(id);
                try {
                    task.run(Deadline.after(TASK_TIMEOUT));
                } catch (MetadataException.NoSuchBucket e) {
                    log.debug("maintenance skipped, bucket gone task={}", id);
                } catch (RuntimeException e) {
                    if (executor.isShutdown()) {
                        log.debug("maintenance stopped by close task={}", id);
                    } else {
                        log.warn("maintenance failed task={} error={}", id, e.toString());
                    }
                } finally {
                    pending.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            queued.remove(id);
            pending.decrementAndGet();
        }
    }
}
