package io.imagegate.meta;

import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.Op;

/**
 * Bucket lifecycle configurations ({@code buckets/<bucket>/lifecycle}) and the state of the rules'
 * runs ({@code lifecycle}). A configuration is replaced or removed as a whole, only in the incarnation of
 * the bucket the request was authorized against ({@link BucketSubresources}).
 */
final class Lifecycles {

    /** Stored configurations above this are refused (ZooKeeper's limit on a znode is 1 MB). */
    static final int MAX_STORED_BYTES = 512 * 1024;

    private final Context ctx;
    private final BucketSubresources subresources;

    Lifecycles(Context ctx) {
        this.ctx = ctx;
        this.subresources = new BucketSubresources(ctx);
    }

    Optional<LifecycleConfiguration> get(String bucket) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        ctx.bucket(d, bucket);
        Zk.Node n = ctx.zk.get(d, ctx.layout.lifecycle(bucket));
        return n == null ? Optional.empty() : Optional.of(Stored.lifecycle(n.data()).record());
    }

    void put(BucketRecord bucket, LifecycleConfiguration config) {
        String token = Tokens.writeToken();
        byte[] data = Stored.lifecycle(config, token);
        if (data.length > MAX_STORED_BYTES) {
            throw new MetadataException.RecordTooLarge("lifecycle configuration", data.length, MAX_STORED_BYTES);
        }
        subresources.put(bucket, "lifecycle", ctx.layout.lifecycle(bucket.name()), data, token,
                stored -> Stored.lifecycle(stored).token());
    }

    void delete(BucketRecord bucket) {
        subresources.delete(bucket, "lifecycle", ctx.layout.lifecycle(bucket.name()));
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
