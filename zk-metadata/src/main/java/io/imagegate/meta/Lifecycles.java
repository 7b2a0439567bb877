package io.imagegate.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * Bucket lifecycle configurations ({@code buckets/<bucket>/lifecycle}) and the state of the rules'
 * runs ({@code lifecycle}). A configuration is replaced or removed as a whole, in a multi that also
 * checks the bucket's incarnation, so it lands on the bucket it was meant for or not at all.
 */
final class Lifecycles {

    /** Stored configurations above this are refused (ZooKeeper's limit on a znode is 1 MB). */
    static final int MAX_STORED_BYTES = 512 * 1024;

    private final Context ctx;

    Lifecycles(Context ctx) {
        this.ctx = ctx;
    }

    Optional<LifecycleConfiguration> get(String bucket) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        ctx.bucket(d, bucket);
        Zk.Node n = ctx.zk.get(d, ctx.layout.lifecycle(bucket));
        return n == null ? Optional.empty() : Optional.of(Stored.lifecycle(n.data()).record());
    }

    void put(String bucket, LifecycleConfiguration config) {
        String token = Tokens.writeToken();
        byte[] data = Stored.lifecycle(config, token);
        if (data.length > MAX_STORED_BYTES) {
            throw new MetadataException.RecordTooLarge("lifecycle configuration", data.length, MAX_STORED_BYTES);
        }
        String path = ctx.layout.lifecycle(bucket);
        Deadline d = ctx.deadline();
        while (true) {
            Context.BucketNode b = ctx.bucket(d, bucket);
            Zk.Node existing = ctx.zk.get(d, path);
            List<Op> ops = new ArrayList<>(bucketCheck(b));
            ops.add(existing == null ? ctx.create(path, data) : Op.setData(path, data, existing.stat().getVersion()));
            Zk.Outcome o = ctx.zk.multi(d, ops);
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                boolean applied = Zk.settling("setting the lifecycle of " + bucket, a, () -> {
                    Zk.Node n = ctx.zk.get(d, path);
                    return n != null && token.equals(Stored.lifecycle(n.data()).token());
                });
                if (applied) {
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while setting the lifecycle of " + bucket,
                        a.cause());
            }
            retryOrGiveUp(d, bucket);
        }
    }

    void delete(String bucket) {
        String path = ctx.layout.lifecycle(bucket);
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        while (true) {
            Context.BucketNode b = ctx.bucket(d, bucket);
            if (ctx.zk.stat(d, path) == null) {
                return;
            }
            List<Op> ops = new ArrayList<>(bucketCheck(b));
            ops.add(Op.delete(path, -1));
            Zk.Outcome o = ctx.zk.multi(d, ops);
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Failed f && f.code() == Code.NONODE && f.index() == ops.size() - 1) {
                return;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                boolean gone = Zk.settling("deleting the lifecycle of " + bucket, a, () -> ctx.zk.stat(d, path) == null);
                if (gone) {
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while deleting the lifecycle of " + bucket,
                        a.cause());
            }
            retryOrGiveUp(d, bucket);
        }
    }

    /**
     * The bucket must still be the incarnation read (Rule W of docs/FORMAT-zookeeper.md): a
     * configuration is never written into a bucket that was deleted, and perhaps created again,
     * meanwhile. Its ACL or versioning may change meanwhile: the configuration does not depend on them.
     */
    private List<Op> bucketCheck(Context.BucketNode b) {
        if (b.incarnationId() == null) {
            throw new MetadataException.Unavailable("the record of bucket " + b.record().name() + " has no "
                    + "incarnation: it is of metadata format 1, which a store upgrades when it starts", null);
        }
        return List.of(Op.check(ctx.layout.bucketIncarnation(b.record().name(), b.incarnationId()), -1));
    }

    private static void retryOrGiveUp(Deadline d, String bucket) {
        if (d.expired()) {
            throw new MetadataException.Unavailable("bucket " + bucket + " kept changing while its lifecycle was set",
                    null);
        }
    }

    // ---- the runs

    LifecycleRunState runState() {
        Deadline d = ctx.deadline();
        ctx.syncAlways(d);
        Zk.Node n = ctx.zk.get(d, ctx.layout.lifecycleRuns());
        if (n == null || n.data() == null || n.data().length == 0) {
            return LifecycleRunState.none();
        }
        return Stored.lifecycleRuns(n.data());
    }

    void saveRunState(LifecycleRunState state) {
        String path = ctx.layout.lifecycleRuns();
        Deadline d = ctx.deadline();
        byte[] data = Stored.lifecycleRuns(state);
        while (true) {
            Zk.Outcome o = ctx.zk.stat(d, path) == null
                    ? ctx.zk.multi(d, List.of(ctx.create(path, data)))
                    : ctx.zk.multi(d, List.of(Op.setData(path, data, -1)));
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                Zk.Node n = ctx.zk.get(d, path);
                if (n != null && java.util.Arrays.equals(n.data(), data)) {
                    return;
                }
                throw new MetadataException.Unavailable("connection lost while saving the lifecycle run", a.cause());
            }
            if (d.expired()) {
                throw new MetadataException.Unavailable("the lifecycle run state could not be saved", null);
            }
        }
    }
}
