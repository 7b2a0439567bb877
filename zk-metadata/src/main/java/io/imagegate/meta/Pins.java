package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's side of the collector protocol: {@link WriteLease}s as pin znodes, and this
 * process's owner registration (an ephemeral znode) that tells the collector which pins belong to
 * live processes. See docs/FORMAT-zookeeper.md, "Garbage collection".
 */
final class Pins implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pins.class);

    /** A pin's start is written this much earlier than the clock says, for clock steps backwards. */
    static final long CLOCK_MARGIN_MILLIS = 5_000;

    /** A pin's record, as stored ({@code gc/pins/<c>/<pinId>}). */
    @JsonPropertyOrder({"owner", "since", "manifests", "released", "orphaned"})
    record PinData(
            @JsonProperty("owner") String owner,
            @JsonProperty("since") long since,
            @JsonProperty("manifests") List<String> manifests,
            @JsonProperty("released") Long released,
            @JsonProperty("orphaned") Long orphaned) implements Stored.Doc {

        PinData {
            manifests = manifests == null ? List.of() : List.copyOf(manifests);
        }

        PinData withManifests(List<String> more) {
            return new PinData(owner, since, more, released, orphaned);
        }

        PinData releasedIn(long epoch) {
            return new PinData(owner, since, manifests, epoch, orphaned);
        }

        PinData orphanedIn(long epoch) {
            return new PinData(owner, since, manifests, released, epoch);
        }
    }

    /** The collector's state, as stored ({@code gc/state}): its epoch, and whether a marking is under way. */
    @JsonPropertyOrder({"epoch", "marking"})
    record GcState(@JsonProperty("epoch") long epoch, @JsonProperty("marking") boolean marking) implements Stored.Doc {}

    /** The state with its znode version. */
    record StateNode(GcState state, int version) {}

    /** This process's registration: the ephemeral znode and the session that created it. */
    private record Owner(String id, long session) {}

    private final Context ctx;
    private final CuratorFramework client;
    private final ObjectReads reads;
    private final ConnectionStateListener listener = this::stateChanged;
    private final Set<String> unreleased = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("imagegate-pin-release").factory());
    private volatile Owner owner;
    private volatile StateNode state;

    Pins(Context ctx, CuratorFramework client, ObjectReads reads) {
        this.ctx = ctx;
        this.client = client;
        this.reads = reads;
        client.getConnectionStateListenable().addListener(listener);
        retries.scheduleWithFixedDelay(this::retryReleases, 10, 10, TimeUnit.SECONDS);
    }

    WriteLease open(Collection<String> manifests) {
        Owner o = owner();
        String id = Tokens.writeToken();
        long started = System.nanoTime();
        PinData data = new PinData(o.id(), System.currentTimeMillis() - CLOCK_MARGIN_MILLIS,
                List.copyOf(new LinkedHashSet<>(manifests)), null, null);
        Deadline d = ctx.deadline();
        ctx.zk.read(d, zk -> {
            try {
                zk.create(ctx.layout.gcPin(id), Json.write(data), ctx.acl, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // an earlier attempt of this create that lost its reply
            }
            return null;
        });
        return new Lease(id, o, started, data);
    }

    /** The registration to pin under: the current one, or a new one when the session changed. */
    private Owner owner() {
        Owner o = owner;
        if (o != null && o.session() == sessionId()) {
            return o;
        }
        synchronized (this) {
            o = owner;
            if (o != null && o.session() == sessionId()) {
                return o;
            }
            String id = Tokens.writeToken();
            Deadline d = ctx.deadline();
            long session = ctx.zk.read(d, zk -> {
                try {
                    zk.create(ctx.layout.gcOwner(id), new byte[0], ctx.acl, CreateMode.EPHEMERAL);
                } catch (KeeperException.NodeExistsException e) {
                    // an earlier attempt that lost its reply
                }
                return zk.getSessionId();
            });
            owner = new Owner(id, session);
            log.info("pin owner registered owner={}", id);
            return owner;
        }
    }

    private long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return -1;
        }
    }

    private void stateChanged(CuratorFramework c, ConnectionState s) {
        if (s == ConnectionState.LOST) {
            owner = null; // the ephemeral registration is gone with the session; leases under it fail check()
        }
    }

    /** The collector state, cached; the release multi checks its version, so a stale copy costs a retry. */
    StateNode state(boolean fresh) {
        StateNode s = state;
        if (s != null && !fresh) {
            return s;
        }
        Zk.Node n = ctx.zk.get(ctx.deadline(), ctx.layout.gcState());
        s = n == null || n.data().length == 0 ? new StateNode(new GcState(0, false), n == null ? -1 : n.stat().getVersion())
                : new StateNode(Json.read(n.data(), GcState.class), n.stat().getVersion());
        state = s;
        return s;
    }

    /**
     * Releases a pin: deleted when no marking runs, else kept and marked released in the current
     * epoch, so the marking under way still sees it; the collector deletes it at its next start.
     * Both in a multi that checks the state's version, so a marking cannot start unseen meanwhile.
     */
    private boolean release(String id, PinData data) {
        Deadline d = ctx.deadline();
        boolean fresh = false;
        for (int attempt = 0; attempt < 20 && !d.expired(); attempt++) {
            Zk.Outcome o = ctx.zk.multi(d, releaseOps(id, data, state(fresh)));
            if (o instanceof Zk.Outcome.Committed) {
                return true;
            }
            if (o instanceof Zk.Outcome.Failed f && f.index() == 1 && f.code() == Code.NONODE) {
                return true; // gone: removed as abandoned, or an earlier attempt deleted it
            }
            fresh = true;
        }
        return false;
    }

    /** A pin's release under collector state {@code s}: the check of that state, then the delete or the mark. */
    private List<Op> releaseOps(String id, PinData data, StateNode s) {
        String path = ctx.layout.gcPin(id);
        return List.of(Op.check(ctx.layout.gcState(), s.version()), s.state().marking()
                ? Op.setData(path, Json.write(data.releasedIn(s.state().epoch())), -1) : Op.delete(path, -1));
    }

    /**
     * The op that makes a multi fail unless the session that registered {@code l}'s owner still
     * lives: a check of the owner's ephemeral znode, which ZooKeeper deletes when that session ends,
     * whether or not this process has heard of the end yet. Null when the lease is not one of this
     * store's.
     */
    Op ownerCheck(WriteLease l) {
        return l instanceof Lease lease && lease.pins() == this ? Op.check(ctx.layout.gcOwner(lease.owner.id()), -1)
                : null;
    }

    /**
     * A publish hook that ties the publish to {@code lease}: a check that the session that pinned the
     * write still lives ({@link #ownerCheck}), then the release ops (a check of the collector state's
     * version and the pin's delete, or its mark as released while a marking runs; exactly those of
     * {@link #release}), so the write and the end of its protection commit together. If the session
     * ended, or the pin is gone (the collector removed it as abandoned), the publish fails: the packs
     * the write made may have been swept. The pin also tells a lost reply's outcome: see
     * {@link ObjectWrites.Hook#applied}. Null when the lease is not one of this store's open leases.
     */
    ObjectWrites.Hook releaseWith(WriteLease l) {
        if (!(l instanceof Lease lease) || lease.pins() != this) {
            return null;
        }
        return new ObjectWrites.Hook() {
            private int attempts;

            @Override
            public Optional<VersionRecord> done(Deadline d, KeyChange change) {
                if (attempts > 0 && ctx.zk.get(d, ctx.layout.gcPin(lease.id)) == null) {
                    throw new MetadataException.Unavailable("the write's garbage-collection pin is gone (the "
                            + "collector found it abandoned); the write is not published", null);
                }
                return Optional.empty();
            }

            @Override
            public void addOps(KeyChange change) {
                change.add(KeyChange.Role.OWNER_CHECK, ownerCheck(lease));
                // a failed attempt may have met a newer collector state
                for (Op op : releaseOps(lease.id, lease.data(), state(attempts++ > 0))) {
                    change.add(KeyChange.Role.EXTRA, op);
                }
                change.afterCommit.add(lease::released);
            }

            /**
             * The release commits with the publish or not at all, and nothing else releases the pin
             * while the publish runs: a pin still there and unreleased proves the publish did not
             * apply, one marked released proves it did. A pin that is gone was deleted by the publish,
             * or by a collector that found it abandoned, which needs its owner gone: an owner
             * registration read after the pin, and still there, proves the publish applied.
             */
            @Override
            public Boolean applied(Deadline d, KeyChange change) {
                Zk.Node pin = ctx.zk.get(d, ctx.layout.gcPin(lease.id));
                if (pin != null) {
                    return Json.read(pin.data(), PinData.class).released() != null;
                }
                return ctx.zk.stat(d, ctx.layout.gcOwner(lease.owner.id())) != null ? Boolean.TRUE : null;
            }
        };
    }

    private void retryReleases() {
        for (String id : List.copyOf(unreleased)) {
            try {
                Zk.Node n = ctx.zk.get(ctx.deadline(), ctx.layout.gcPin(id));
                if (n == null || release(id, Json.read(n.data(), PinData.class))) {
                    unreleased.remove(id);
                }
            } catch (RuntimeException e) {
                log.debug("pin release retry failed pin={} error={}", id, e.toString());
            }
        }
    }

    /** Pins whose release failed, still to be retried; for tests. */
    int unreleased() {
        return unreleased.size();
    }

    @Override
    public void close() {
        retryReleases();
        retries.shutdownNow();
        client.getConnectionStateListenable().removeListener(listener);
        Owner o = owner;
        if (o != null && ctx.zk.handleIfConnected() != null) {
            try {
                ctx.zk.read(ctx.deadline(), zk -> {
                    try {
                        zk.delete(ctx.layout.gcOwner(o.id()), -1);
                    } catch (KeeperException.NoNodeException e) {
                        // gone with its session
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                log.debug("pin owner not removed; it goes with the session owner={}", o.id());
            }
        }
    }

    /** One write's pin. */
    private final class Lease implements WriteLease {
        private final String id;
        private final Owner owner;
        private final long started;
        private PinData data;
        private boolean closed;

        Lease(String id, Owner owner, long started, PinData data) {
            this.id = id;
            this.owner = owner;
            this.started = started;
            this.data = data;
        }

        @Override
        public synchronized void protect(Collection<String> manifests) {
            LinkedHashSet<String> all = new LinkedHashSet<>(data.manifests());
            if (!all.addAll(manifests)) {
                return;
            }
            data = data.withManifests(List.copyOf(all));
            byte[] bytes = Json.write(data);
            ctx.zk.read(ctx.deadline(), zk -> zk.setData(ctx.layout.gcPin(id), bytes, -1));
        }

        @Override
        public boolean stillLive(String bucket, VersionRecord version) {
            if (version.manifest() == null) {
                return false;
            }
            try {
                ctx.syncAlways(ctx.deadline()); // read after the pin, from an up-to-date server: the order matters
                VersionRecord now = reads.version(bucket, version.key(), version.versionId(), false);
                return version.manifest().equals(now.manifest());
            } catch (MetadataException.NoSuchVersion | MetadataException.NoSuchBucket | MetadataException.NoSuchKey e) {
                return false;
            }
        }

        @Override
        public void check() {
            if (Pins.this.owner != owner || owner.session() != sessionId()) {
                throw new MetadataException.Unavailable("the ZooKeeper session that pinned this write was lost", null);
            }
            if (System.nanoTime() - started > MAX_AGE_MILLIS * 1_000_000) {
                throw new MetadataException.Unavailable("the write took longer than its lease allows", null);
            }
        }

        Pins pins() {
            return Pins.this;
        }

        synchronized PinData data() {
            return data;
        }

        /** Released by a publish that carried the release in its own multi. */
        synchronized void released() {
            closed = true;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            boolean done;
            try {
                done = release(id, data);
            } catch (RuntimeException e) {
                done = false;
            }
            if (!done) {
                log.warn("pin not released, retrying in the background pin={}", id);
                unreleased.add(id);
            }
        }
    }
}
