package io.imagegate.meta;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * ZooKeeper access for the store, on the raw handle Curator manages: reads are retried across
 * connection loss until the operation's deadline; multis are sent once and their outcome
 * classified, because a multi retried blindly after a lost connection could apply twice. Not
 * final only so tests can lose replies on purpose.
 */
class Zk {

    private final CuratorFramework client;
    private volatile ZnodeCache cache;

    Zk(CuratorFramework client) {
        this.client = client;
    }

    /** Lets {@link #getCached} serve up to {@code entries} znodes from memory; see {@link ZnodeCache}. */
    void enableCache(int entries) {
        cache = entries > 0 ? new ZnodeCache(entries) : null;
    }

    ZnodeCache cache() {
        return cache;
    }

    /** A znode's data and stat. */
    record Node(byte[] data, Stat stat) {}

    /** One ZooKeeper interaction, run again after a transient failure. */
    @FunctionalInterface
    interface Call<T> {
        T run(ZooKeeper zk) throws KeeperException, InterruptedException;
    }

    /** How a multi ended. */
    sealed interface Outcome {
        /** Applied. */
        record Committed(List<OpResult> results) implements Outcome {}

        /** Not applied: op {@code index} failed with {@code code}. */
        record Failed(int index, Code code) implements Outcome {}

        /** The connection was lost while the multi was in flight: it may or may not have been applied. */
        record Ambiguous(KeeperException cause) implements Outcome {}
    }

    /** Where a request stands when {@link #interleave} is called. */
    enum Point { BEFORE, AFTER }

    /**
     * Called before each request this store sends to ZooKeeper and after its reply arrives (on the
     * thread that receives it, before the caller sees the reply). It does nothing; tests override
     * it to run a conflicting write at an exact point between two requests of an operation, which
     * makes a race deterministic. {@code op} names the request: get, children, stat, getMany,
     * multi, fence.
     */
    void interleave(Point point, String op, List<String> paths) {
    }

    /** The live handle, once connected; Unavailable (nothing sent) when no connection comes in time. */
    ZooKeeper handle(Deadline d) {
        try {
            if (!client.getZookeeperClient().isConnected()) {
                long wait = d.remainingMillis();
                if (wait <= 0 || !client.blockUntilConnected((int) Math.min(wait, Integer.MAX_VALUE),
                        TimeUnit.MILLISECONDS)) {
                    throw new MetadataException.Unavailable("ZooKeeper is not reachable", null);
                }
            }
            return client.getZookeeperClient().getZooKeeper();
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (MetadataException e) {
            throw e;
        } catch (Exception e) {
            throw new MetadataException.Unavailable("ZooKeeper client failed: " + e.getMessage(), e);
        }
    }

    /** The handle when connected right now, else null: for upkeep that must not delay a reply. */
    ZooKeeper handleIfConnected() {
        try {
            return client.getZookeeperClient().isConnected() ? client.getZookeeperClient().getZooKeeper() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Runs a read, retrying transient failures until the deadline. */
    <T> T read(Deadline d, Call<T> call) {
        while (true) {
            ZooKeeper zk = handle(d);
            try {
                return call.run(zk);
            } catch (KeeperException e) {
                if (!isTransient(e.code()) || d.expired()) {
                    throw unavailable(e);
                }
                pause(d);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
    }

    Node get(Deadline d, String path) {
        return observed("get", path, () -> read(d, zk -> getOrNull(zk, path)));
    }

    /** Runs a synchronous request between its {@link #interleave} points. */
    private <T> T observed(String op, String path, java.util.function.Supplier<T> request) {
        List<String> paths = List.of(path);
        interleave(Point.BEFORE, op, paths);
        T result = request.get();
        interleave(Point.AFTER, op, paths);
        return result;
    }

    /** {@link #get}, from the cache when one is enabled and holds the znode (reads for GET and HEAD only). */
    Node getCached(Deadline d, String path) {
        ZnodeCache c = cache;
        if (c == null) {
            return get(d, path);
        }
        Node n = c.lookup(path);
        return n != null ? n : observed("get", path, () -> read(d, zk -> c.load(zk, path)));
    }

    /** After a write of this process: the znode leaves the cache before anyone is told the write is done. */
    private void written(String path) {
        ZnodeCache c = cache;
        if (c != null) {
            c.invalidate(path);
        }
    }

    List<String> children(Deadline d, String path) {
        return observed("children", path, () -> read(d, zk -> {
            try {
                return zk.getChildren(path, false);
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
        }));
    }

    Stat stat(Deadline d, String path) {
        return observed("stat", path, () -> read(d, zk -> zk.exists(path, false)));
    }

    void sync(Deadline d, String path) {
        read(d, zk -> {
            zk.sync(path);
            return null;
        });
    }

    /**
     * Makes any in-flight multi that expects {@code path} at {@code version} fail from now on, by
     * rewriting the same data at that version, in a multi that first checks {@code incarnation}
     * exists (null: {@code path} is never deleted and created again). True when it did so: the node
     * was this incarnation at that version, so such a multi had not applied. A fence whose own reply
     * is lost is sent again; if the first one applied, the second finds the version moved and
     * returns false, which callers treat as "cannot tell from the fence".
     */
    boolean fence(Deadline d, String incarnation, String path, byte[] data, int version) {
        List<Op> ops = incarnation == null ? List.of(Op.setData(path, data, version))
                : List.of(Op.check(incarnation, -1), Op.setData(path, data, version));
        List<String> paths = List.of(path);
        try {
            interleave(Point.BEFORE, "fence", paths);
            while (true) {
                Outcome o = multiOnce(d, ops);
                if (!(o instanceof Outcome.Ambiguous a)) {
                    interleave(Point.AFTER, "fence", paths);
                    return o instanceof Outcome.Committed;
                }
                if (d.expired()) {
                    throw unavailable(a.cause());
                }
                pause(d);
            }
        } finally {
            written(path);
        }
    }

    /** Sends a multi once (a throttled one again) and says how it ended. */
    Outcome multi(Deadline d, List<Op> ops) {
        List<String> paths = ops.stream().map(Op::getPath).toList();
        try {
            interleave(Point.BEFORE, "multi", paths);
            Outcome outcome = multiOnce(d, ops);
            interleave(Point.AFTER, "multi", paths);
            return outcome;
        } finally {
            ops.forEach(op -> written(op.getPath()));
        }
    }

    private Outcome multiOnce(Deadline d, List<Op> ops) {
        while (true) {
            ZooKeeper zk = handle(d);
            try {
                return new Outcome.Committed(zk.multi(ops));
            } catch (KeeperException e) {
                List<OpResult> results = e.getResults();
                if (results != null && !results.isEmpty()) {
                    return firstFailure(results, e.code());
                }
                if (e.code() == Code.THROTTLEDOP && !d.expired()) {
                    pause(d);
                    continue;
                }
                if (isTransient(e.code())) {
                    return new Outcome.Ambiguous(e);
                }
                throw unavailable(e);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
    }

    static Node getOrNull(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        Stat stat = new Stat();
        try {
            return new Node(zk.getData(path, false, stat), stat);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The AFTER point of an asynchronous request: false, with the future failed, when the hook threw. */
    private boolean replied(String op, List<String> paths, CompletableFuture<?> f) {
        try {
            interleave(Point.AFTER, op, paths);
            return true;
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
            return false;
        }
    }

    /** Asynchronous getData; completes with null for a missing node. */
    CompletableFuture<Node> getAsync(ZooKeeper zk, String path) {
        CompletableFuture<Node> f = new CompletableFuture<>();
        List<String> paths = List.of(path);
        interleave(Point.BEFORE, "get", paths);
        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
            Code code = Code.get(rc);
            if (code == Code.OK || code == Code.NONODE) {
                if (replied("get", paths, f)) {
                    f.complete(code == Code.OK ? new Node(data, stat) : null);
                }
            } else {
                f.completeExceptionally(KeeperException.create(code, p));
            }
        }, null);
        return f;
    }

    /** Nodes read in one read-only multi each, so a response stays far below ZooKeeper's 1 MB. */
    static final int READ_BATCH = 64;

    /**
     * Many nodes at once, as read-only multis of up to {@link #READ_BATCH} getData ops sent without
     * waiting for each other (far fewer requests than one getData each); null for a missing node.
     */
    CompletableFuture<List<Node>> getManyAsync(ZooKeeper zk, List<String> paths) {
        List<CompletableFuture<List<Node>>> batches = new java.util.ArrayList<>();
        for (int i = 0; i < paths.size(); i += READ_BATCH) {
            batches.add(readBatch(zk, paths.subList(i, Math.min(paths.size(), i + READ_BATCH))));
        }
        return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).thenApply(x -> {
            List<Node> out = new java.util.ArrayList<>(paths.size());
            batches.forEach(b -> out.addAll(b.join()));
            return out;
        });
    }

    private CompletableFuture<List<Node>> readBatch(ZooKeeper zk, List<String> paths) {
        CompletableFuture<List<Node>> f = new CompletableFuture<>();
        List<Op> ops = paths.stream().map(Op::getData).toList();
        interleave(Point.BEFORE, "getMany", paths);
        zk.multi(ops, (rc, p, ctx, results) -> {
            Code code = Code.get(rc);
            if (code != Code.OK && (results == null || results.size() != ops.size())) {
                f.completeExceptionally(KeeperException.create(code));
                return;
            }
            List<Node> out = new java.util.ArrayList<>(results.size());
            for (OpResult r : results) {
                if (r instanceof OpResult.GetDataResult g) {
                    out.add(new Node(g.getData(), g.getStat()));
                } else if (r instanceof OpResult.ErrorResult e && Code.get(e.getErr()) == Code.NONODE) {
                    out.add(null);
                } else {
                    f.completeExceptionally(KeeperException.create(Code.get(((OpResult.ErrorResult) r).getErr())));
                    return;
                }
            }
            if (replied("getMany", paths, f)) {
                f.complete(out);
            }
        }, null);
        return f;
    }

    /** Asynchronous getChildren; completes with null for a missing node. */
    CompletableFuture<List<String>> childrenAsync(ZooKeeper zk, String path) {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        List<String> paths = List.of(path);
        interleave(Point.BEFORE, "children", paths);
        zk.getChildren(path, false, (rc, p, ctx, children) -> {
            Code code = Code.get(rc);
            if (code == Code.OK || code == Code.NONODE) {
                if (replied("children", paths, f)) {
                    f.complete(code == Code.OK ? children : null);
                }
            } else {
                f.completeExceptionally(KeeperException.create(code, p));
            }
        }, null);
        return f;
    }

    /** A node's children and its stat, read together. */
    record Children(List<String> names, Stat stat) {}

    /** Asynchronous getChildren with the node's stat; completes with null for a missing node. */
    CompletableFuture<Children> childrenAndStatAsync(ZooKeeper zk, String path) {
        CompletableFuture<Children> f = new CompletableFuture<>();
        List<String> paths = List.of(path);
        interleave(Point.BEFORE, "children", paths);
        zk.getChildren(path, false, (rc, p, ctx, children, stat) -> {
            Code code = Code.get(rc);
            if (code == Code.OK || code == Code.NONODE) {
                if (replied("children", paths, f)) {
                    f.complete(code == Code.OK ? new Children(children, stat) : null);
                }
            } else {
                f.completeExceptionally(KeeperException.create(code, p));
            }
        }, null);
        return f;
    }

    /** Asynchronous exists; completes with null for a missing node. */
    CompletableFuture<Stat> statAsync(ZooKeeper zk, String path) {
        CompletableFuture<Stat> f = new CompletableFuture<>();
        List<String> paths = List.of(path);
        interleave(Point.BEFORE, "stat", paths);
        zk.exists(path, false, (rc, p, ctx, stat) -> {
            Code code = Code.get(rc);
            if (code == Code.OK || code == Code.NONODE) {
                if (replied("stat", paths, f)) {
                    f.complete(code == Code.OK ? stat : null);
                }
            } else {
                f.completeExceptionally(KeeperException.create(code, p));
            }
        }, null);
        return f;
    }

    /** Waits for an asynchronous result within the deadline; ZooKeeper errors come out as thrown. */
    static <T> T await(Deadline d, CompletableFuture<T> f) throws KeeperException, InterruptedException {
        try {
            return f.get(Math.max(1, d.remainingMillis()), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KeeperException ke) {
                throw ke;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw KeeperException.create(Code.OPERATIONTIMEOUT);
        }
    }

    /**
     * Runs {@code settle}: the reads (and fence) that learn the outcome of a multi whose reply was
     * lost. When they fail too (ZooKeeper unreachable until the deadline, say), the outcome stays
     * unknown: never reported as Unavailable, which says nothing was changed.
     */
    static <T> T settling(String what, Outcome.Ambiguous lost, java.util.function.Supplier<T> settle) {
        try {
            return settle.get();
        } catch (MetadataException.Unavailable e) {
            throw new MetadataException.OutcomeUnknown("the connection to ZooKeeper was lost while " + what
                    + " was in flight, and its outcome could not be read back (" + e.getMessage() + ")", lost.cause());
        }
    }

    static boolean isTransient(Code code) {
        return switch (code) {
            case CONNECTIONLOSS, SESSIONEXPIRED, OPERATIONTIMEOUT, SESSIONMOVED, REQUESTTIMEOUT, THROTTLEDOP,
                 NOTREADONLY -> true;
            default -> false;
        };
    }

    static MetadataException unavailable(KeeperException e) {
        if (e.code() == Code.NOAUTH || e.code() == Code.AUTHFAILED || e.code() == Code.INVALIDACL) {
            return new MetadataException.Unavailable("ZooKeeper refused access" + (e.getPath() != null ? " to "
                    + e.getPath() : "") + " (" + e.code() + "): the metadata belongs to another ZooKeeper identity; "
                    + "every gateway and command of one deployment needs the same " + ZkAuth.ENV, e);
        }
        return new MetadataException.Unavailable("ZooKeeper: " + e.getMessage(), e);
    }

    static MetadataException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new MetadataException.Unavailable("interrupted while waiting for ZooKeeper", e);
    }

    private static Outcome firstFailure(List<OpResult> results, Code fallback) {
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof OpResult.ErrorResult err) {
                Code code = Code.get(err.getErr());
                if (code != Code.OK && code != Code.RUNTIMEINCONSISTENCY) {
                    return new Outcome.Failed(i, code);
                }
            }
        }
        return new Outcome.Failed(-1, fallback);
    }

    private static void pause(Deadline d) {
        try {
            Thread.sleep(Math.min(100, Math.max(1, d.remainingMillis())));
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }
}
