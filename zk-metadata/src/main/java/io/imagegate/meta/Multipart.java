package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.UploadListPage;
import io.imagegate.meta.MetadataStore.UploadListQuery;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;

/**
 * Multipart uploads. An upload's record lives under its bucket; its parts live under
 * {@code parts/<uploadId>} outside the bucket, so ending an upload (or deleting the bucket) is one
 * small multi whatever the number of parts, and the part znodes are removed afterwards.
 */
final class Multipart {

    private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_PART = 10_000;

    private final Context ctx;
    private final ObjectWrites writes;
    private final Maintenance maintenance;

    Multipart(Context ctx, ObjectWrites writes, Maintenance maintenance) {
        this.ctx = ctx;
        this.writes = writes;
        this.maintenance = maintenance;
    }

    /** An upload's node: its stored form and data version. */
    private record UploadNode(StoredUpload stored, int version, byte[] raw) {}

    /** With {@code bucketIncarnation}, only in that incarnation of the bucket (NoSuchBucket otherwise). */
    UploadRecord create(String bucket, String bucketIncarnation, UploadRecord upload) {
        Objects.requireNonNull(upload, "upload");
        KeyNames.validateKey(upload.key());
        Deadline d = ctx.deadline();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        while (true) {
            UploadRecord record = new UploadRecord(Tokens.uploadId(), upload.key(), upload.owner(),
                    upload.initiated() != null ? upload.initiated() : now, upload.headers(), upload.userMetadata(),
                    upload.checksumAlgorithm(), upload.checksumType(), upload.acl(), upload.grants());
            String token = Tokens.writeToken();
            StoredUpload stored = new StoredUpload(record, StoredUpload.State.ACTIVE, null, null, token);
            Zk.Outcome o = ctx.zk.multi(d, List.of(
                    bucketIncarnation == null ? Op.check(ctx.layout.bucket(bucket), -1)
                            : Op.check(ctx.layout.bucketIncarnation(bucket, bucketIncarnation), -1),
                    ctx.create(ctx.layout.upload(bucket, record.uploadId()), Stored.upload(stored)),
                    ctx.create(ctx.layout.parts(record.uploadId()), Stored.partsDir(bucket))));
            if (o instanceof Zk.Outcome.Committed) {
                return record;
            }
            if (o instanceof Zk.Outcome.Failed f && f.code() == Code.NONODE) {
                throw new MetadataException.NoSuchBucket(bucket);
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                UploadNode n = Zk.settling("creating an upload", a, () -> read(d, bucket, record.uploadId()));
                if (n != null && token.equals(n.stored().token())) {
                    return record;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while creating an upload", a.cause());
            }
        }
    }

    UploadRecord get(String bucket, String uploadId) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        return active(d, bucket, uploadId).stored().upload();
    }

    Optional<VersionRecord> completed(String bucket, String uploadId) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        UploadNode n = UPLOAD_ID.matcher(uploadId).matches() ? read(d, bucket, uploadId) : null;
        return n == null || n.stored().active() ? Optional.empty() : Optional.ofNullable(n.stored().result());
    }

    /**
     * Records a part; with {@code ownerCheck} (a check of the writer's owner registration, see
     * {@link Pins#ownerCheck}) only while the session that pinned the part's write lives.
     */
    void putPart(String bucket, String uploadId, PartRecord part, Op ownerCheck) {
        Objects.requireNonNull(part, "part");
        if (part.partNumber() < 1 || part.partNumber() > MAX_PART) {
            throw new MetadataException.InvalidArgument("Part number must be an integer between 1 and " + MAX_PART
                    + ", inclusive", "partNumber", String.valueOf(part.partNumber()));
        }
        PartRecord record = part.lastModified() != null ? part : new PartRecord(part.partNumber(), part.etag(),
                part.size(), Instant.now().truncatedTo(ChronoUnit.MILLIS), part.manifest(), part.checksums());
        String path = ctx.layout.part(uploadId, part.partNumber());
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        boolean exists = false;
        while (true) {
            UploadNode n = active(d, bucket, uploadId);
            Op write = exists ? Op.setData(path, Stored.part(record), -1) : ctx.create(path, Stored.part(record));
            // The check fails once the upload is completed or aborted, so no part lands after its end.
            List<Op> ops = new ArrayList<>(List.of(Op.check(ctx.layout.upload(bucket, uploadId), n.version()), write));
            if (ownerCheck != null) {
                ops.add(ownerCheck);
            }
            Zk.Outcome o = ctx.zk.multi(d, ops);
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            if (o instanceof Zk.Outcome.Failed f && f.index() == 1) {
                exists = f.code() == Code.NODEEXISTS;
            }
            if (o instanceof Zk.Outcome.Failed f && f.index() == 2) {
                throw new MetadataException.Unavailable("the ZooKeeper session that pinned this part's write ended, "
                        + "so the collector may treat its pin as abandoned; the part was not recorded", null);
            }
        }
    }

    List<PartRecord> parts(String bucket, String uploadId, int afterPart, int max) {
        if (max < 0) {
            throw new MetadataException.InvalidArgument("max-parts must not be negative", "max-parts", String.valueOf(max));
        }
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        active(d, bucket, uploadId);
        return ctx.zk.read(d, h -> {
            List<String> names = Zk.await(d, ctx.zk.childrenAsync(h, ctx.layout.parts(uploadId)));
            List<Integer> numbers = (names == null ? List.<String>of() : names).stream().map(Integer::parseInt)
                    .filter(n -> n > afterPart).sorted().limit(max).toList();
            List<PartRecord> out = new ArrayList<>();
            for (Zk.Node node : Zk.await(d, ctx.zk.getManyAsync(h, numbers.stream()
                    .map(n -> ctx.layout.part(uploadId, n)).toList()))) {
                if (node != null) {
                    out.add(Stored.part(node.data()));
                }
            }
            return out;
        });
    }

    /** Publishes the upload's version and ends the upload in one multi, with {@code extra}'s ops (nullable). */
    VersionRecord complete(String bucket, String bucketIncarnation, String uploadId, VersionDraft draft,
            WriteCondition condition, ObjectWrites.Hook extra) {
        Objects.requireNonNull(draft, "draft");
        ObjectWrites.Hook end = new ObjectWrites.Hook() {
            private UploadNode node;

            @Override
            public Optional<VersionRecord> done(Deadline d, KeyChange change) {
                node = read(d, bucket, uploadId);
                if (node == null) {
                    throw new MetadataException.NoSuchUpload(uploadId);
                }
                StoredUpload s = node.stored();
                if (!s.upload().key().equals(draft.key())) {
                    throw new MetadataException.NoSuchUpload(uploadId); // an upload of another key
                }
                if (!s.active()) {
                    if (s.result() != null && Objects.equals(s.result().etag(), draft.etag())) {
                        return Optional.of(s.result());
                    }
                    throw new MetadataException.NoSuchUpload(uploadId);
                }
                return Optional.empty();
            }

            @Override
            public void addOps(KeyChange change) {
                StoredUpload s = node.stored();
                StoredUpload ended = new StoredUpload(s.upload(), StoredUpload.State.COMPLETED, change.result,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS), change.token);
                change.add(KeyChange.Role.EXTRA, Op.setData(ctx.layout.upload(bucket, uploadId), Stored.upload(ended),
                        node.version()));
                change.afterCommit.add(() -> maintenance.removeParts(uploadId));
            }

            @Override
            public Boolean applied(Deadline d, KeyChange change) {
                UploadNode now = read(d, bucket, uploadId);
                if (now == null) {
                    return null;
                }
                // only the publish ends the upload, in the same transaction, with its token; nothing
                // makes a completed upload active again, and upload ids are never reused
                return !now.stored().active() && change.token.equals(now.stored().token());
            }
        };
        return writes.publish(bucket, bucketIncarnation, draft, condition,
                extra == null ? end : ObjectWrites.Hook.both(end, extra));
    }

    void abort(String bucket, String uploadId) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        while (true) {
            UploadNode n = active(d, bucket, uploadId);
            String path = ctx.layout.upload(bucket, uploadId);
            Zk.Outcome o = ctx.zk.multi(d, List.of(Op.delete(path, n.version())));
            if (o instanceof Zk.Outcome.Ambiguous a) {
                // upload ids are never reused: after the fence the delete can no longer apply, so the
                // record still there means it did not (plan again), and gone means aborted
                boolean stillThere = Zk.settling("aborting an upload", a, () -> {
                    ctx.zk.fence(d, null, path, n.raw(), n.version());
                    return read(d, bucket, uploadId) != null;
                });
                if (stillThere) {
                    continue;
                }
            }
            if (!(o instanceof Zk.Outcome.Failed)) {
                maintenance.removeParts(uploadId);
                return;
            }
        }
    }

    UploadListPage list(String bucket, UploadListQuery q) {
        if (q.maxUploads() < 0) {
            throw new MetadataException.InvalidArgument("max-uploads must not be negative", "max-uploads",
                    String.valueOf(q.maxUploads()));
        }
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        ctx.bucket(d, bucket);
        List<UploadNode> all = readAll(d, bucket);
        List<UploadRecord> active = new ArrayList<>();
        Instant cutoff = Instant.now().minus(ctx.config.completedUploadRetention());
        boolean expired = false;
        for (UploadNode n : all) {
            if (n.stored().active()) {
                active.add(n.stored().upload());
            } else {
                expired |= n.stored().completed() != null && n.stored().completed().isBefore(cutoff);
            }
        }
        if (expired) {
            maintenance.later("uploads|" + bucket, dd -> sweep(dd, bucket, ctx.config.completedUploadRetention()));
        }
        active.sort(Comparator.<UploadRecord, byte[]>comparing(u -> KeyNames.utf8(u.key()), ByteKeys.ORDER)
                .thenComparing(UploadRecord::initiated).thenComparing(UploadRecord::uploadId));
        return UploadListing.page(active, q);
    }

    /** Forgets completed uploads older than the retention, with any parts a crash left behind. */
    void sweep(Deadline d, String bucket, Duration retention) {
        Instant cutoff = Instant.now().minus(retention);
        for (UploadNode n : readAll(d, bucket)) {
            StoredUpload s = n.stored();
            if (!s.active() && s.completed() != null && s.completed().isBefore(cutoff)) {
                String id = s.upload().uploadId();
                ctx.zk.multi(d, List.of(Op.delete(ctx.layout.upload(bucket, id), n.version())));
                maintenance.deleteParts(d, id);
            }
        }
    }

    private List<UploadNode> readAll(Deadline d, String bucket) {
        return ctx.zk.read(d, h -> {
            List<String> ids = Zk.await(d, ctx.zk.childrenAsync(h, ctx.layout.uploads(bucket)));
            List<UploadNode> out = new ArrayList<>();
            for (Zk.Node n : Zk.await(d, ctx.zk.getManyAsync(h, (ids == null ? List.<String>of() : ids).stream()
                    .map(id -> ctx.layout.upload(bucket, id)).toList()))) {
                if (n != null) {
                    out.add(new UploadNode(Stored.upload(n.data()), n.stat().getVersion(), n.data()));
                }
            }
            return out;
        });
    }

    private UploadNode read(Deadline d, String bucket, String uploadId) {
        Zk.Node n = ctx.zk.get(d, ctx.layout.upload(bucket, uploadId));
        return n == null ? null : new UploadNode(Stored.upload(n.data()), n.stat().getVersion(),
                n.data());
    }

    // The upload if it is in progress; NoSuchUpload when absent or ended, NoSuchBucket without bucket.
    private UploadNode active(Deadline d, String bucket, String uploadId) {
        UploadNode n = uploadId != null && UPLOAD_ID.matcher(uploadId).matches() ? read(d, bucket, uploadId) : null;
        if (n == null) {
            ctx.bucket(d, bucket);
        }
        if (n == null || !n.stored().active()) {
            throw new MetadataException.NoSuchUpload(uploadId);
        }
        return n;
    }
}
