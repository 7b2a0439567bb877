package io.imagegate.meta;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/** CreateBucket, HeadBucket, ListBuckets, DeleteBucket and the bucket's ACL and versioning state. */
final class Buckets {

    /** Uploads deleted together with the bucket in its final multi; more are deleted beforehand. */
    private static final int UPLOADS_IN_FINAL_MULTI = 1000;

    private final Context ctx;
    private final Maintenance maintenance;

    Buckets(Context ctx, Maintenance maintenance) {
        this.ctx = ctx;
        this.maintenance = maintenance;
    }

    BucketRecord create(BucketRecord bucket) {
        Objects.requireNonNull(bucket, "bucket");
        validateName(bucket.name());
        BucketRecord record = new BucketRecord(bucket.name(), bucket.owner(),
                bucket.created() != null ? bucket.created() : Instant.now().truncatedTo(ChronoUnit.MILLIS),
                bucket.acl() != null ? bucket.acl() : CannedAcl.PRIVATE,
                bucket.versioning() != null ? bucket.versioning() : Versioning.UNVERSIONED,
                bucket.chunkSize(), bucket.region(), null, bucket.acl() != null ? bucket.grants() : null);
        Deadline d = ctx.deadline();
        String token = Tokens.writeToken();
        while (true) {
            Zk.Outcome o = ctx.zk.multi(d, createOps(record, token));
            if (o instanceof Zk.Outcome.Committed) {
                ctx.maps.invalidate(record.name());
                return withIncarnation(record, token);
            }
            Zk.Node n = o instanceof Zk.Outcome.Ambiguous a
                    ? Zk.settling("creating bucket " + record.name(), a, () -> ctx.zk.get(d, ctx.layout.bucket(record.name())))
                    : ctx.zk.get(d, ctx.layout.bucket(record.name()));
            Stored.BucketDoc found = n == null ? null : Stored.bucket(n.data());
            if (found != null && token.equals(found.token())) {
                return found.record();
            }
            if (found != null) {
                throw new MetadataException.BucketAlreadyExists(record.name(), found.owner(), found.incarnation());
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                throw new MetadataException.OutcomeUnknown("connection lost while creating bucket " + record.name(),
                        a.cause());
            }
        }
    }

    // The bucket with an empty partition map: one page holding one partition for all keys. The creating
    // write's token is also the bucket's incarnation.
    private List<Op> createOps(BucketRecord record, String token) {
        String name = record.name();
        String page = Tokens.nodeId();
        String partition = Tokens.nodeId();
        byte[] empty = new byte[0];
        List<PartitionMap.Bound> all = List.of(new PartitionMap.Bound(ByteKeys.EMPTY, partition));
        return List.of(
                ctx.create(ctx.layout.bucket(name), Stored.bucket(record, token, token)),
                ctx.create(ctx.layout.bucketIncarnation(name, token), empty),
                ctx.create(ctx.layout.mapRoot(name), Json.write(PartitionMap.rootData(
                        List.of(new PartitionMap.Bound(ByteKeys.EMPTY, page))))),
                ctx.create(ctx.layout.page(name, page), Json.write(PartitionMap.data(all, null))),
                ctx.create(ctx.layout.index(name), empty),
                ctx.create(ctx.layout.partition(name, partition), empty),
                ctx.create(ctx.layout.objects(name), empty),
                ctx.create(ctx.layout.uploads(name), empty));
    }

    Optional<BucketRecord> get(String name) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Zk.Node n = ctx.zk.get(d, ctx.layout.bucket(name));
        return n == null ? Optional.empty() : Optional.of(Stored.bucket(n.data()).record());
    }

    List<BucketRecord> list() {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        return ctx.zk.read(d, h -> {
            List<String> names = orEmpty(Zk.await(d, ctx.zk.childrenAsync(h, ctx.layout.buckets())));
            List<BucketRecord> out = new ArrayList<>();
            for (Zk.Node n : Zk.await(d, ctx.zk.getManyAsync(h, names.stream()
                    .map(n -> ctx.layout.buckets() + "/" + n).toList()))) {
                if (n != null) {
                    out.add(Stored.bucket(n.data()).record());
                }
            }
            out.sort(Comparator.comparing(BucketRecord::name));
            return out;
        });
    }

    /**
     * Applies the ACL and versioning state of {@code updated} to the stored record, compare-and-set,
     * in a multi that checks the bucket's incarnation: a change planned on a bucket that is deleted
     * and created again (data version 0 again) fails, and the bucket it was meant for is gone. So does
     * a change whose record names another incarnation than the bucket's (the caller read the bucket
     * before it was deleted and created again).
     */
    BucketRecord update(BucketRecord updated) {
        Objects.requireNonNull(updated, "updated");
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        String incarnation = updated.incarnation();
        while (true) {
            Context.BucketNode b = ctx.bucket(d, updated.name());
            if (incarnation != null && !incarnation.equals(b.incarnationId())) {
                throw new MetadataException.NoSuchBucket(updated.name()); // deleted and created again meanwhile
            }
            incarnation = requireIncarnation(b);
            BucketRecord cur = b.record();
            Versioning v = updated.versioning() != null ? updated.versioning() : cur.versioning();
            if (v == Versioning.UNVERSIONED && cur.versioning() != Versioning.UNVERSIONED) {
                throw new MetadataException.InvalidArgument("Versioning can be suspended but not turned off once "
                        + "enabled.", "Status", String.valueOf(v));
            }
            BucketRecord next = (updated.acl() != null ? cur.withAcl(updated.accessControlList()) : cur).withVersioning(v);
            String token = Tokens.writeToken();
            String path = ctx.layout.bucket(cur.name());
            String marker = ctx.layout.bucketIncarnation(cur.name(), incarnation);
            Zk.Outcome o = ctx.zk.multi(d, List.of(Op.check(marker, -1),
                    Op.setData(path, Stored.bucket(next, token, incarnation), b.version())));
            if (o instanceof Zk.Outcome.Committed) {
                return next;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                // true: applied; false: the record was as planned, so the change never applied, and now never will
                boolean applied = Zk.settling("updating bucket " + cur.name(), a, () -> {
                    if (ctx.zk.fence(d, marker, path, b.raw(), b.version())) {
                        return false;
                    }
                    Zk.Node n = ctx.zk.get(d, path);
                    if (n != null && token.equals(Stored.bucket(n.data()).token())) {
                        return true;
                    }
                    throw new MetadataException.OutcomeUnknown("connection lost while updating bucket " + cur.name(),
                            a.cause());
                });
                if (applied) {
                    return next;
                }
            }
        }
    }

    private static BucketRecord withIncarnation(BucketRecord b, String incarnation) {
        return new BucketRecord(b.name(), b.owner(), b.created(), b.acl(), b.versioning(), b.chunkSize(), b.region(),
                incarnation, b.grants());
    }

    /** The bucket's incarnation; every bucket of metadata format 2 has one. */
    private static String requireIncarnation(Context.BucketNode b) {
        if (b.incarnationId() == null) {
            throw new MetadataException.Unavailable("the record of bucket " + b.record().name() + " has no "
                    + "incarnation: it is of metadata format 1, which a store upgrades when it starts", null);
        }
        return b.incarnationId();
    }

    /** With {@code expected}, only that incarnation of the bucket: NoSuchBucket once it was deleted (and created again). */
    void delete(String name, String expected) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0 && d.expired()) {
                throw new MetadataException.Unavailable("bucket " + name + " kept changing while being deleted", null);
            }
            Context.BucketNode b = ctx.bucket(d, name);
            requireIncarnation(b);
            if (expected != null && !expected.equals(b.incarnationId())) {
                throw new MetadataException.NoSuchBucket(name);
            }
            var objects = ctx.zk.stat(d, ctx.layout.objects(name));
            if (objects != null && objects.getNumChildren() > 0) {
                throw new MetadataException.BucketNotEmpty(name);
            }
            List<String> uploads = orEmpty(ctx.zk.children(d, ctx.layout.uploads(name)));
            if (uploads.size() > UPLOADS_IN_FINAL_MULTI) {
                deleteUploads(d, name, uploads.subList(UPLOADS_IN_FINAL_MULTI, uploads.size()));
                continue;
            }
            DeletePlan plan = deletePlan(d, b, uploads);
            Zk.Outcome o = ctx.zk.multi(d, plan.ops());
            if (o instanceof Zk.Outcome.Failed f) {
                if (f.index() == 0 && f.code() == Code.NOTEMPTY) {
                    throw new MetadataException.BucketNotEmpty(name);
                }
                if (f.code() == Code.NOTEMPTY && plan.partitions().containsKey(f.index())) {
                    removeDangling(d, name, plan.partitions().get(f.index()));
                }
                continue;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                // after the fence the delete can no longer apply: the bucket still there (same
                // incarnation) means it did not, and it is planned again; gone means deleted
                boolean stillThere = Zk.settling("deleting bucket " + name, a, () -> {
                    ctx.zk.fence(d, ctx.layout.bucketIncarnation(name, b.incarnationId()), ctx.layout.bucket(name),
                            b.raw(), b.version());
                    Zk.Node n = ctx.zk.get(d, ctx.layout.bucket(name));
                    return n != null && n.stat().getCzxid() == b.incarnation();
                });
                if (stillThere) {
                    continue;
                }
            }
            ctx.maps.invalidate(name);
            uploads.forEach(maintenance::removeParts);
            return;
        }
    }

    /** The final multi, and which of its ops delete which partition. */
    private record DeletePlan(List<Op> ops, java.util.Map<Integer, String> partitions) {}

    // Fails on its first op while any key remains, so the emptiness check and the delete are one.
    private DeletePlan deletePlan(Deadline d, Context.BucketNode b, List<String> uploads) {
        String name = b.record().name();
        List<Op> ops = new ArrayList<>();
        java.util.Map<Integer, String> partitions = new java.util.HashMap<>();
        ops.add(Op.delete(ctx.layout.objects(name), -1));
        PartitionMap.Root root = ctx.maps.root(d, name, b.incarnation(), true);
        for (PartitionMap.Bound pb : root.pages()) {
            PartitionMap.Page page = ctx.maps.page(d, name, b.incarnation(), pb.id(), true);
            for (PartitionMap.Bound part : page == null ? List.<PartitionMap.Bound>of() : page.partitions()) {
                partitions.put(ops.size(), part.id());
                ops.add(Op.delete(ctx.layout.partition(name, part.id()), -1));
            }
            ops.add(Op.delete(ctx.layout.page(name, pb.id()), -1));
        }
        ops.add(Op.delete(ctx.layout.index(name), -1));
        ops.add(Op.delete(ctx.layout.mapRoot(name), root.version()));
        for (String u : uploads) {
            ops.add(Op.delete(ctx.layout.upload(name, u), -1));
        }
        ops.add(Op.delete(ctx.layout.uploads(name), -1));
        if (ctx.zk.stat(d, ctx.layout.lifecycle(name)) != null) {
            ops.add(Op.delete(ctx.layout.lifecycle(name), -1)); // one set meanwhile fails the multi (NotEmpty): retried
        }
        if (ctx.zk.stat(d, ctx.layout.cors(name)) != null) {
            ops.add(Op.delete(ctx.layout.cors(name), -1)); // one set meanwhile fails the multi (NotEmpty): retried
        }
        if (ctx.zk.stat(d, ctx.layout.bucketPolicy(name)) != null) {
            ops.add(Op.delete(ctx.layout.bucketPolicy(name), -1)); // one set meanwhile fails the multi (NotEmpty): retried
        }
        ops.add(Op.delete(ctx.layout.bucketIncarnation(name, b.incarnationId()), -1));
        ops.add(Op.delete(ctx.layout.bucket(name), b.version()));
        return new DeletePlan(ops, partitions);
    }

    /**
     * Removes index entries whose key node does not exist. Creating and deleting the key node in the
     * same multi proves its absence atomically, so an entry of a key created meanwhile is never touched.
     */
    private void removeDangling(Deadline d, String bucket, String partition) {
        for (String entry : orEmpty(ctx.zk.children(d, ctx.layout.partition(bucket, partition)))) {
            String object = ctx.layout.object(bucket, entry);
            ctx.zk.multi(d, List.of(ctx.create(object, new byte[0]), Op.delete(object, 0),
                    Op.delete(ctx.layout.indexEntry(bucket, partition, entry), -1)));
        }
    }

    private void deleteUploads(Deadline d, String bucket, List<String> uploads) {
        for (int i = 0; i < uploads.size(); i += UPLOADS_IN_FINAL_MULTI) {
            List<Op> ops = new ArrayList<>();
            for (String u : uploads.subList(i, Math.min(uploads.size(), i + UPLOADS_IN_FINAL_MULTI))) {
                ops.add(Op.delete(ctx.layout.upload(bucket, u), -1));
            }
            if (ctx.zk.multi(d, ops) instanceof Zk.Outcome.Committed) {
                uploads.subList(i, Math.min(uploads.size(), i + UPLOADS_IN_FINAL_MULTI))
                        .forEach(maintenance::removeParts);
            }
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static void validateName(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new MetadataException.InvalidArgument("The specified bucket is not valid.", "BucketName", name);
        }
    }
}
