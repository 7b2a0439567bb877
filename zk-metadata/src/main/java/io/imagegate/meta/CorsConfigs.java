package io.imagegate.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * Bucket CORS configurations ({@code buckets/<bucket>/cors}). A configuration is replaced or removed
 * as a whole, in a multi that also checks the bucket's incarnation, so it lands on the bucket it was
 * meant for or not at all (the same protocol as {@link Lifecycles}).
 */
final class CorsConfigs {

    /** Stored configurations above this are refused (ZooKeeper's limit on a znode is 1 MB). */
    static final int MAX_STORED_BYTES = 512 * 1024;

    private final Context ctx;

    CorsConfigs(Context ctx) {
        this.ctx = ctx;
    }

    Optional<CorsConfiguration> get(String bucket) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        ctx.bucket(d, bucket);
        Zk.Node n = ctx.zk.get(d, ctx.layout.cors(bucket));
        return n == null ? Optional.empty() : Optional.of(Stored.cors(n.data()).record());
    }

    void put(String bucket, CorsConfiguration config) {
        String token = Tokens.writeToken();
        byte[] data = Stored.cors(config, token);
        if (data.length > MAX_STORED_BYTES) {
            throw new MetadataException.RecordTooLarge("CORS configuration", data.length, MAX_STORED_BYTES);
        }
        String path = ctx.layout.cors(bucket);
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
                boolean applied = Zk.settling("setting the CORS configuration of " + bucket, a, () -> {
                    Zk.Node n = ctx.zk.get(d, path);
                    return n != null && token.equals(Stored.cors(n.data()).token());
                });
                if (applied) {
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while setting the CORS configuration of " + bucket,
                        a.cause());
            }
            retryOrGiveUp(d, bucket);
        }
    }

    void delete(String bucket) {
        String path = ctx.layout.cors(bucket);
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
                boolean gone = Zk.settling("deleting the CORS configuration of " + bucket, a, () -> ctx.zk.stat(d, path) == null);
                if (gone) {
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while deleting the CORS configuration of " + bucket,
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
            throw new MetadataException.Unavailable("bucket " + bucket + " kept changing while its CORS configuration was set",
                    null);
        }
    }
}
