package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector's side of the garbage-collection protocol in ZooKeeper: one lock that every
 * collector (each gateway's periodic one, and {@code imagegate gc}) takes, and the marking
 * epochs that make writers keep their pins until a marking under way has read them. The
 * protocol and its argument are in docs/FORMAT-zookeeper.md, "Garbage collection".
 */
public final class GcCoordination {

    private static final Logger log = LoggerFactory.getLogger(GcCoordination.class);

    private final Context ctx;
    private final CuratorFramework client;
    private final Pins pins;

    GcCoordination(Context ctx, CuratorFramework client, Pins pins) {
        this.ctx = ctx;
        this.client = client;
        this.pins = pins;
    }

    /** How often a collector waiting for the lock looks again. */
    private static final long LOCK_POLL_MILLIS = 200;

    /** One holder per process at a time: the znode only tells processes (sessions) apart. */
    private final Semaphore local = new Semaphore(1);

    /**
     * Takes the collector lock, waiting at most {@code wait}; empty when another collector holds
     * it. The lock is the ephemeral znode {@code gc/collector}: created by the holder's session, gone
     * when it is released or the session ends. No Curator recipe: the protected creates of Curator's
     * lock recipes retry a lost create's cleanup on Curator's background thread for as long as the
     * ensemble is down, recursively (stack overflows and hundreds of MB of logs per gateway per
     * outage, found by {@code bench/run chaos}); this lock sends plain requests that fail by the
     * operation's deadline.
     */
    public Optional<CollectorLock> tryLock(Duration wait) {
        long until = System.nanoTime() + Math.max(0, wait.toNanos());
        try {
            if (!local.tryAcquire(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            throw Zk.interrupted(e);
        }
        CollectorLock lock = new CollectorLock();
        try {
            while (true) {
                Holder h = createOrRead();
                if (h != null && h.stat().getEphemeralOwner() == h.session()) {
                    lock.start(h);
                    return Optional.of(lock);
                }
                long left = until - System.nanoTime();
                if (h != null && left <= 0) {
                    lock.stop();
                    return Optional.empty();
                }
                if (h != null) {
                    Thread.sleep(Math.min(LOCK_POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
                }
            }
        } catch (InterruptedException e) {
            lock.stop();
            throw Zk.interrupted(e);
        } catch (RuntimeException e) {
            lock.stop();
            throw e;
        }
    }

    /** The lock znode's stat as read by the session {@code session}. */
    private record Holder(Stat stat, long session) {}

    /**
     * Creates the lock znode unless it exists, then reads it: null when it vanished in between (look
     * again). A create whose reply was lost and that is sent again finds its own znode (same session).
     */
    private Holder createOrRead() {
        String path = ctx.layout.gcCollector();
        byte[] data = Json.write(new LockData(ProcessHandle.current().pid(), hostName(), System.currentTimeMillis()));
        return ctx.zk.read(ctx.deadline(), zk -> {
            try {
                zk.create(path, data, ctx.acl, CreateMode.EPHEMERAL);
            } catch (KeeperException.NodeExistsException e) {
                // held: by another process, or by this session (a create whose reply was lost)
            }
            Stat stat = zk.exists(path, false);
            return stat == null ? null : new Holder(stat, zk.getSessionId());
        });
    }

    /** What the lock znode holds, for operators: which process holds it, since when (as stored, {@code gc/collector}). */
    @JsonPropertyOrder({"pid", "host", "since"})
    record LockData(@JsonProperty("pid") long pid, @JsonProperty("host") String host,
            @JsonProperty("since") long since) implements Stored.Doc {}

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Receives what a pin protects. */
    @FunctionalInterface
    public interface PinVisitor {
        void visit(String manifest);
    }

    /** The collector lock, held from {@link #tryLock} until closed. */
    public final class CollectorLock implements AutoCloseable {
        private final AtomicBoolean lost = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final ConnectionStateListener listener = (c, s) -> {
            if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
                lost.set(true); // another process may take the lock once our session expires
            }
        };
        private volatile Holder holder;

        private CollectorLock() {
            client.getConnectionStateListenable().addListener(listener);
        }

        private void start(Holder h) {
            holder = h;
            if (!client.getZookeeperClient().isConnected()) {
                lost.set(true);
            }
        }

        private void stop() {
            client.getConnectionStateListenable().removeListener(listener);
            if (closed.compareAndSet(false, true)) {
                local.release();
            }
        }

        /** True while nothing suggests another collector could have taken the lock. */
        public boolean held() {
            Holder h = holder;
            return h != null && !lost.get() && !closed.get() && client.getZookeeperClient().isConnected()
                    && sessionId() == h.session();
        }

        private long sessionId() {
            try {
                return client.getZookeeperClient().getZooKeeper().getSessionId();
            } catch (Exception e) {
                return 0;
            }
        }

        /**
         * Starts a marking: a new epoch, marked as under way, so that writers finishing from now on
         * keep their pins (marked released) for this marking to read. A dry run changes nothing.
         */
        public Marking beginMarking(boolean dryRun) {
            if (!held()) {
                throw new MetadataException.Unavailable("the collector lock is not held", null);
            }
            ctx.syncAlways(ctx.deadline());
            Pins.StateNode s = pins.state(true);
            if (dryRun) {
                return new Marking(this, s.state().epoch() + 1, -1, System.currentTimeMillis(), true);
            }
            Pins.GcState next = new Pins.GcState(s.state().epoch() + 1, true);
            Stat stat = ctx.zk.read(ctx.deadline(), zk -> zk.setData(ctx.layout.gcState(), Json.write(next), s.version()));
            log.info("collector marking begins epoch={}", next.epoch());
            return new Marking(this, next.epoch(), stat.getVersion(), stat.getMtime(), false);
        }

        /**
         * Deletes the lock znode if this session still holds it (a znode of another session, created
         * after ours ended, is never touched). When ZooKeeper cannot be reached the znode stays until
         * this session ends, or until this process's next collection takes it again and releases it.
         */
        @Override
        public void close() {
            Holder h = holder;
            try {
                if (h != null && !closed.get()) {
                    String path = ctx.layout.gcCollector();
                    ctx.zk.read(ctx.deadline(), zk -> {
                        Stat now = zk.exists(path, false);
                        if (now != null && now.getEphemeralOwner() == zk.getSessionId()
                                && zk.getSessionId() == h.session()) {
                            try {
                                zk.delete(path, now.getVersion());
                            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
                                // gone already
                            }
                        }
                        return null;
                    });
                }
            } catch (RuntimeException e) {
                log.warn("collector lock not released cleanly: {}", e.toString());
            } finally {
                stop();
            }
        }
    }

    /** One marking: read pins after the metadata, then finish. */
    public final class Marking implements AutoCloseable {
        private final CollectorLock lock;
        private final long epoch;
        private final long startedAt;
        private final boolean dryRun;
        private int stateVersion;
        private boolean finished;

        private Marking(CollectorLock lock, long epoch, int stateVersion, long startedAt, boolean dryRun) {
            this.lock = lock;
            this.epoch = epoch;
            this.stateVersion = stateVersion;
            this.startedAt = startedAt;
            this.dryRun = dryRun;
        }

        public long epoch() {
            return epoch;
        }

        /**
         * Reports the manifests of every pin that may still protect a write, and returns the
         * earliest start among them. Pins released before this marking began are deleted, and so
         * are pins an earlier marking found abandoned (their process gone, or older than a lease
         * may live); pins found abandoned now are marked so, and deleted by the next marking. A pin
         * is judged abandoned only against the owners listing read after every pin was read: an
         * owner registers before it pins, so an owner missing from that listing has ended.
         */
        public Optional<Instant> visitPins(PinVisitor visitor) {
            ctx.syncAlways(ctx.deadline()); // see every pin created before this read began
            List<String> paths = new ArrayList<>();
            List<Zk.Node> pins = new ArrayList<>();
            for (char shard : Layout.SHARDS.toCharArray()) {
                String dir = ctx.layout.gcPinShard(shard);
                List<String> ids = orEmpty(ctx.zk.children(ctx.deadline(), dir));
                for (int i = 0; i < ids.size(); i += Zk.READ_BATCH) {
                    List<String> batch = ids.subList(i, Math.min(ids.size(), i + Zk.READ_BATCH)).stream()
                            .map(id -> dir + "/" + id).toList();
                    Deadline d = ctx.deadline();
                    List<Zk.Node> nodes = ctx.zk.read(d, zk -> Zk.await(d, ctx.zk.getManyAsync(zk, batch)));
                    for (int k = 0; k < nodes.size(); k++) {
                        if (nodes.get(k) != null) {
                            paths.add(batch.get(k));
                            pins.add(nodes.get(k));
                        }
                    }
                }
            }
            Set<String> owners = new HashSet<>(orEmpty(ctx.zk.children(ctx.deadline(), ctx.layout.gcOwners())));
            long oldest = Long.MAX_VALUE;
            for (int i = 0; i < pins.size(); i++) {
                oldest = Math.min(oldest, visitPin(paths.get(i), pins.get(i), owners, visitor));
            }
            return oldest == Long.MAX_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(oldest));
        }

        /** Deletes of a stale pin that keeps changing before the pin is counted instead. */
        private static final int STALE_DELETES = 3;

        /**
         * Returns the pin's start, or Long.MAX_VALUE when it no longer protects anything. A stale pin
         * whose delete fails changed meanwhile (a release retried in this marking, say): it is read
         * again and judged anew, and counted unless it is proven gone.
         */
        private long visitPin(String path, Zk.Node read, Set<String> owners, PinVisitor visitor) {
            Zk.Node n = read;
            Pins.PinData pin = Json.read(n.data(), Pins.PinData.class);
            for (int attempt = 0; attempt < STALE_DELETES && stale(pin); attempt++) {
                if (dryRun || ctx.zk.multi(ctx.deadline(), List.of(Op.delete(path, n.stat().getVersion())))
                        instanceof Zk.Outcome.Committed) {
                    return Long.MAX_VALUE;
                }
                n = ctx.zk.get(ctx.deadline(), path);
                if (n == null) {
                    return Long.MAX_VALUE; // gone (deleted by this very delete, if its reply was lost)
                }
                pin = Json.read(n.data(), Pins.PinData.class);
            }
            pin.manifests().forEach(visitor::visit);
            boolean abandoned = !owners.contains(pin.owner())
                    || startedAt - n.stat().getCtime() > 2 * WriteLease.MAX_AGE_MILLIS;
            if (abandoned && pin.released() == null && pin.orphaned() == null && !dryRun) {
                // deleted by the next marking: its writer can no longer publish (the publish checks the
                // owner registration, gone with the session). A failed mark means the pin changed (its
                // writer released it): it stays counted, and is judged again by the next marking.
                ctx.zk.multi(ctx.deadline(), List.of(Op.setData(path, Json.write(pin.orphanedIn(epoch)),
                        n.stat().getVersion())));
            }
            return pin.since();
        }

        private boolean stale(Pins.PinData pin) {
            return (pin.released() != null && pin.released() < epoch) || (pin.orphaned() != null && pin.orphaned() < epoch);
        }

        /** Ends the marking; fails when another collector changed the state meanwhile. */
        public void finish() {
            if (dryRun || finished) {
                return;
            }
            Pins.GcState done = new Pins.GcState(epoch, false);
            Zk.Outcome o = ctx.zk.multi(ctx.deadline(), List.of(Op.setData(ctx.layout.gcState(), Json.write(done),
                    stateVersion)));
            if (!(o instanceof Zk.Outcome.Committed c)) {
                throw new MetadataException.Unavailable("the collector state changed during marking epoch " + epoch
                        + "; another collector ran", null);
            }
            stateVersion = ((org.apache.zookeeper.OpResult.SetDataResult) c.results().get(0)).getStat().getVersion();
            finished = true;
            log.info("collector marking ends epoch={}", epoch);
        }

        /** True while the lock is held and no other collector has touched the state. */
        public boolean mayProceed() {
            return lock.held();
        }

        /** Ends an unfinished marking (after a failure) so writers stop keeping released pins. */
        @Override
        public void close() {
            if (!dryRun && !finished && lock.held()) {
                try {
                    finish();
                } catch (RuntimeException e) {
                    log.warn("collector marking epoch={} not ended cleanly: {}", epoch, e.toString());
                }
            }
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? new ArrayList<>() : list;
    }
}
