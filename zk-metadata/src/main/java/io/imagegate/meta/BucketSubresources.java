package io.imagegate.meta;

import java.util.List;
import java.util.function.Function;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * The one way a bucket's configuration znodes ({@code lifecycle}, {@code cors}, {@code policy}) are
 * written: replaced or removed as a whole, only in the incarnation of the bucket the request was
 * authorized against (docs/FORMAT-zookeeper.md, "Writes"). The write plans on that incarnation (a
 * bucket read under another one answers NoSuchBucket: it was deleted, and created again perhaps by
 * another owner, since the caller was authorized) and its multi checks the incarnation's {@code ~I},
 * so a deletion and re-creation between the plan and the commit fails it too. A record without an
 * incarnation (made by hand, not read) means the incarnation read first.
 */
final class BucketSubresources {

    private final Context ctx;

    BucketSubresources(Context ctx) {
        this.ctx = ctx;
    }

    /**
     * Creates or replaces {@code path} of {@code bucket} with {@code data}, which carries the write's
     * {@code token}; {@code tokenOf} reads the token of stored data back, to settle a lost reply.
     */
    void put(BucketRecord bucket, String what, String path, byte[] data, String token,
             Function<byte[], String> tokenOf) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        String incarnation = bucket.incarnation();
        while (true) {
            incarnation = planned(ctx.bucket(d, bucket.name()), incarnation);
            Zk.Node existing = ctx.zk.get(d, path);
            Zk.Outcome o = ctx.zk.multi(d, List.of(check(bucket.name(), incarnation),
                    existing == null ? ctx.create(path, data) : Op.setData(path, data, existing.stat().getVersion())));
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                boolean applied = Zk.settling("setting the " + what + " of bucket " + bucket.name(), a, () -> {
                    Zk.Node n = ctx.zk.get(d, path);
                    return n != null && token.equals(tokenOf.apply(n.data()));
                });
                if (applied) {
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while setting the " + what + " of bucket "
                        + bucket.name(), a.cause());
            }
            giveUpWhenExpired(d, bucket.name(), what);
        }
    }

    /** Removes {@code path} of {@code bucket}; nothing when it is not there. */
    void delete(BucketRecord bucket, String what, String path) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        String incarnation = bucket.incarnation();
        while (true) {
            incarnation = planned(ctx.bucket(d, bucket.name()), incarnation);
            if (ctx.zk.stat(d, path) == null) {
                return;
            }
            Zk.Outcome o = ctx.zk.multi(d, List.of(check(bucket.name(), incarnation), Op.delete(path, -1)));
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Failed f && f.code() == Code.NONODE && f.index() == 1) {
                return; // deleted meanwhile
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                // gone is the outcome asked for, whoever removed it; still there: not applied, so plan again
                if (Zk.settling("deleting the " + what + " of bucket " + bucket.name(), a,
                        () -> ctx.zk.stat(d, path) == null)) {
                    return;
                }
            }
            giveUpWhenExpired(d, bucket.name(), what);
        }
    }

    /** The incarnation to write into: the one named (NoSuchBucket when the bucket read is another), else the one read. */
    private static String planned(Context.BucketNode b, String named) {
        if (b.incarnationId() == null) {
            throw new MetadataException.Unavailable("the record of bucket " + b.record().name() + " has no "
                    + "incarnation: it is of metadata format 1, which a store upgrades when it starts", null);
        }
        if (named != null && !named.equals(b.incarnationId())) {
            throw new MetadataException.NoSuchBucket(b.record().name()); // deleted, and created again, since
        }
        return b.incarnationId();
    }

    private Op check(String bucket, String incarnation) {
        return Op.check(ctx.layout.bucketIncarnation(bucket, incarnation), -1);
    }

    private static void giveUpWhenExpired(Deadline d, String bucket, String what) {
        if (d.expired()) {
            throw new MetadataException.Unavailable("bucket " + bucket + " kept changing while its " + what
                    + " was written", null);
        }
    }
}
