package io.imagegate.meta;

import io.imagegate.meta.KeyChange.Role;
import io.imagegate.meta.MetadataStore.DeleteResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PutObject, the publish of CompleteMultipartUpload, and DeleteObject: each a compare-and-set of
 * one key's znode (its data version) in a single multi, retried on conflict, so concurrent writers
 * through any stores are totally ordered and conditions are exact.
 */
final class ObjectWrites {

    private static final Logger log = LoggerFactory.getLogger(ObjectWrites.class);

    /** Extra checks and ops a caller adds to every attempt (CompleteMultipartUpload ends its upload). */
    interface Hook {
        /** Checks before the write condition; returns a result when the work turns out to be done already. */
        Optional<VersionRecord> done(Deadline d, KeyChange change);

        /** Adds ops to the planned change. */
        void addOps(KeyChange change);

        /** {@code first}, then {@code second}: the first result that is done wins, every op goes in. */
        static Hook both(Hook first, Hook second) {
            return new Hook() {
                @Override
                public Optional<VersionRecord> done(Deadline d, KeyChange change) {
                    Optional<VersionRecord> r = first.done(d, change);
                    return r.isPresent() ? r : second.done(d, change);
                }

                @Override
                public void addOps(KeyChange change) {
                    first.addOps(change);
                    second.addOps(change);
                }
            };
        }
    }

    private final Context ctx;
    private final Maintenance maintenance;

    ObjectWrites(Context ctx, Maintenance maintenance) {
        this.ctx = ctx;
        this.maintenance = maintenance;
    }

    VersionRecord publish(String bucket, VersionRecord draft, WriteCondition condition, Hook hook) {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(condition, "condition");
        KeyNames.validateKey(draft.key());
        String name = KeyNames.name(draft.key());
        Deadline d = ctx.deadline();
        KeyChange.Hints hints = new KeyChange.Hints();
        Freshness fresh = new Freshness();
        for (int attempt = 0; ; attempt++) {
            backoff(attempt, d);
            try {
                VersionRecord done = publishOnce(d, bucket, name, draft, condition, hook, hints);
                if (done != null) {
                    return done;
                }
            } catch (MetadataException.NoSuchBucket | MetadataException.PreconditionFailed
                     | MetadataException.NoSuchKey | MetadataException.NoSuchUpload e) {
                fresh.orThrow(d, e);
            }
        }
    }

    // One attempt; null when it lost a race and must be planned again.
    private VersionRecord publishOnce(Deadline d, String bucket, String name, VersionRecord draft,
            WriteCondition condition, Hook hook, KeyChange.Hints hints) {
        KeyChange c = read(d, bucket, name, draft.key());
        Optional<VersionRecord> done = hook == null ? Optional.empty() : hook.done(d, c);
        if (done.isPresent()) {
            return done.get();
        }
        Conditions.check(condition, current(c), bucket, draft.key());
        planPublish(d, c, draft, hints);
        if (hook != null) {
            hook.addOps(c);
        }
        return run(d, c, hints) ? c.result : null;
    }

    DeleteResult delete(String bucket, String key, String versionId, WriteCondition condition, String requester) {
        Objects.requireNonNull(condition, "condition");
        KeyNames.validateKey(key);
        if (versionId != null) {
            VersionIds.validate(versionId);
        }
        String name = KeyNames.name(key);
        Deadline d = ctx.deadline();
        KeyChange.Hints hints = new KeyChange.Hints();
        Freshness fresh = new Freshness();
        for (int attempt = 0; ; attempt++) {
            backoff(attempt, d);
            try {
                DeleteResult result = deleteOnce(d, bucket, name, key, versionId, condition, requester, hints);
                if (result == NOTHING_TO_DELETE) {
                    if (fresh.retry(d)) {
                        continue;
                    }
                    return new DeleteResult(versionId, false);
                }
                if (result != null) {
                    return result;
                }
            } catch (MetadataException.NoSuchBucket | MetadataException.PreconditionFailed
                     | MetadataException.NoSuchKey e) {
                fresh.orThrow(d, e);
            }
        }
    }

    private static final DeleteResult NOTHING_TO_DELETE = new DeleteResult(null, false);

    // One attempt; null when it lost a race, NOTHING_TO_DELETE when the key has no such version.
    private DeleteResult deleteOnce(Deadline d, String bucket, String name, String key, String versionId,
            WriteCondition condition, String requester, KeyChange.Hints hints) {
        KeyChange c = read(d, bucket, name, key);
        Conditions.check(condition, current(c), bucket, key);
        BucketRecord b = c.bucketNode.record();
        if (versionId == null && b.versioning() != Versioning.UNVERSIONED) {
            String owner = requester != null ? requester : b.owner();
            planPublish(d, c, marker(key, owner), hints);
            return run(d, c, hints) ? new DeleteResult(c.result.versionId(), true) : null;
        }
        String target = versionId == null ? VersionRecord.NULL_VERSION : versionId;
        if (c.before == null || !planRemoveVersion(d, c, target, hints)) {
            return NOTHING_TO_DELETE;
        }
        return run(d, c, hints) ? new DeleteResult(versionId, versionId != null && c.result.deleteMarker()) : null;
    }

    /**
     * PutObjectAcl: replaces the canned ACL of one version (the current one when {@code versionId} is
     * null). A compare-and-set of the key's znode orders it with every other write to the key; a
     * non-current version's history znode is rewritten in the same multi, so a concurrent promotion or
     * removal of that version either sees the new ACL or makes this attempt fail and read again.
     */
    VersionRecord setAcl(String bucket, String key, String versionId, CannedAcl acl) {
        Objects.requireNonNull(acl, "acl");
        KeyNames.validateKey(key);
        if (versionId != null) {
            VersionIds.validate(versionId);
        }
        String name = KeyNames.name(key);
        Deadline d = ctx.deadline();
        KeyChange.Hints hints = new KeyChange.Hints();
        Freshness fresh = new Freshness();
        for (int attempt = 0; ; attempt++) {
            backoff(attempt, d);
            try {
                VersionRecord done = setAclOnce(d, bucket, name, key, versionId, acl, hints);
                if (done != null) {
                    return done;
                }
            } catch (MetadataException.NoSuchBucket | MetadataException.NoSuchKey
                     | MetadataException.NoSuchVersion e) {
                fresh.orThrow(d, e);
            }
        }
    }

    // One attempt; null when it lost a race and must be planned again.
    private VersionRecord setAclOnce(Deadline d, String bucket, String name, String key, String versionId,
            CannedAcl acl, KeyChange.Hints hints) {
        KeyChange c = read(d, bucket, name, key);
        if (c.before == null) {
            throw versionId == null ? new MetadataException.NoSuchKey(bucket, key)
                    : new MetadataException.NoSuchVersion(key, versionId);
        }
        KeyState s = c.before.state();
        long ordinal = versionId == null ? s.ordinal() : s.ordinalOf(versionId);
        VersionRecord target = ordinal < 0 ? null
                : ordinal == s.ordinal() ? s.current() : ctx.keys.historyAt(d, bucket, name, ordinal);
        if (target == null || (versionId != null && !target.versionId().equals(versionId))) {
            throw new MetadataException.NoSuchVersion(key, versionId);
        }
        if (target.deleteMarker()) {
            throw new IllegalArgumentException("a delete marker has no ACL: " + key + " " + target.versionId());
        }
        VersionRecord updated = target.withAcl(acl);
        boolean current = ordinal == s.ordinal();
        KeyState next = new KeyState(current ? updated : s.current(), s.ordinal(), s.nextOrdinal(), s.born(),
                s.nullOrdinal(), c.token);
        c.add(Role.KEY, Op.setData(objectPath(c), Json.write(next), c.before.version()));
        if (!current) {
            c.add(Role.EXTRA, Op.setData(ctx.layout.history(bucket, name, ordinal), Json.write(updated), -1));
        }
        c.result = updated;
        c.committed = c::tokenIn;
        // setting an ACL is idempotent: after an unknown outcome, doing it again is always right
        c.notCommitted = now -> true;
        return run(d, c, hints) ? updated : null;
    }

    /**
     * Reads that let a write through are proven current by the compare-and-set; a refusal or a no-op
     * decided on a read is trusted only after syncing with the leader (a follower may lag).
     */
    private final class Freshness {
        private boolean synced = !ctx.config.syncReads();

        /** True when the read must be repeated after a sync. */
        boolean retry(Deadline d) {
            if (synced) {
                return false;
            }
            ctx.syncForRead(d);
            synced = true;
            return true;
        }

        void orThrow(Deadline d, MetadataException e) {
            if (!retry(d)) {
                throw e;
            }
        }
    }

    // The bucket and the key in one round trip (a read-only multi).
    private KeyChange read(Deadline d, String bucket, String name, String key) {
        List<Zk.Node> nodes = ctx.zk.read(d, h -> Zk.await(d, ctx.zk.getManyAsync(h,
                List.of(ctx.layout.bucket(bucket), ctx.layout.object(bucket, name)))));
        if (nodes.get(0) == null) {
            throw new MetadataException.NoSuchBucket(bucket);
        }
        Zk.Node bn = nodes.get(0);
        Context.BucketNode b = new Context.BucketNode(Json.read(bn.data(), BucketRecord.class),
                bn.stat().getVersion(), bn.stat().getCzxid(), bn.data());
        Keys.KeyNode k = Keys.parse(nodes.get(1));
        if (k != null && !k.state().current().key().equals(key)) {
            throw new MetadataException.Unavailable("key name collision between " + key + " and "
                    + k.state().current().key(), null);
        }
        return new KeyChange(bucket, name, b, k);
    }

    private static VersionRecord current(KeyChange c) {
        return c.before == null ? null : c.before.state().current();
    }

    private static VersionRecord marker(String key, String owner) {
        return new VersionRecord(key, null, true, owner, null, 0, null, null, 0, null, null, null, null, null);
    }

    // The new version becomes current; the old current goes to history unless a null version replaces it.
    private void planPublish(Deadline d, KeyChange c, VersionRecord draft, KeyChange.Hints hints) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        boolean versioned = c.bucketNode.record().versioning() == Versioning.ENABLED;
        c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucket(c.bucket), c.bucketNode.version()));
        KeyState old = c.before == null ? null : c.before.state();
        long born = old == null ? now.toEpochMilli() : old.born();
        long ordinal = old == null ? 0 : old.nextOrdinal();
        String id = versioned ? VersionIds.create(born, ordinal) : VersionRecord.NULL_VERSION;
        VersionRecord record = draft.withVersion(id, now);
        Long nullOrdinal = versioned ? (old == null ? null : old.nullOrdinal()) : Long.valueOf(ordinal);
        KeyState state = new KeyState(record, ordinal, ordinal + 1, born, nullOrdinal, c.token);
        c.result = record;
        if (old == null) {
            createKey(d, c, state, hints);
        } else {
            c.add(Role.KEY, Op.setData(objectPath(c), Json.write(state), c.before.version()));
            if (versioned || !old.currentIsNull()) {
                addHistory(c, old.ordinal(), old.current(), hints);
            }
            if (!versioned && old.nullOrdinal() != null && !old.currentIsNull()) {
                removeHistory(c, old.nullOrdinal());
            }
        }
        c.committed = now2 -> c.tokenIn(now2) || (versioned && holds(d, c, now2, ordinal, id));
        c.notCommitted = now2 -> versioned && takenByOther(d, c, now2, ordinal, id);
    }

    /** Whether, in the same key incarnation, another version got this change's ordinal: then it never applied. */
    private boolean takenByOther(Deadline d, KeyChange c, Keys.KeyNode now, long ordinal, String versionId) {
        if (now == null || c.before == null || now.czxid() != c.before.czxid()) {
            return false;
        }
        KeyState s = now.state();
        VersionRecord v = s.ordinal() == ordinal ? s.current() : ctx.keys.historyAt(d, c.bucket, c.name, ordinal);
        return v != null && !v.versionId().equals(versionId);
    }

    private void createKey(Deadline d, KeyChange c, KeyState state, KeyChange.Hints hints) {
        byte[] key = KeyNames.utf8(state.current().key());
        PartitionMap.Location loc = ctx.maps.locate(d, c.bucket, c.bucketNode.incarnation(), key, hints.freshMap);
        c.created = loc;
        c.add(Role.KEY, ctx.create(objectPath(c), Json.write(state)));
        c.add(Role.ROOT_CHECK, Op.check(ctx.layout.mapRoot(c.bucket), loc.root().version()));
        c.add(Role.PAGE_CHECK, Op.check(ctx.layout.page(c.bucket, loc.page().id()), loc.page().version()));
        String entry = ctx.layout.indexEntry(c.bucket, loc.partition(), c.name);
        if (hints.adoptIndex) {
            c.add(Role.INDEX_CHECK, Op.check(entry, -1));
        } else {
            c.add(Role.INDEX_CREATE, ctx.create(entry, new byte[0]));
        }
        c.afterCommit.add(() -> maintenance.afterInsert(c.bucket, c.bucketNode.incarnation(), loc));
    }

    private void addHistory(KeyChange c, long ordinal, VersionRecord record, KeyChange.Hints hints) {
        long group = Layout.groupOf(ordinal);
        boolean noGroups = c.before.children() == 0 && !hints.presentGroups.contains(group);
        if (noGroups || hints.missingGroups.contains(group)) {
            c.add(Role.GROUP_CREATE, ctx.create(ctx.layout.group(c.bucket, c.name, group), new byte[0]), group);
        }
        c.add(Role.HISTORY_CREATE, ctx.create(ctx.layout.history(c.bucket, c.name, ordinal),
                Json.write(record)), group);
    }

    private void removeHistory(KeyChange c, long ordinal) {
        long group = Layout.groupOf(ordinal);
        c.add(Role.HISTORY_DELETE, Op.delete(ctx.layout.history(c.bucket, c.name, ordinal), -1), group);
        c.removedGroups.add(group);
    }

    /**
     * Plans removing one version for good; false when the key has no such version. Removing the
     * current version promotes the newest non-current one; removing the last removes the key.
     */
    private boolean planRemoveVersion(Deadline d, KeyChange c, String versionId, KeyChange.Hints hints) {
        KeyState s = c.before.state();
        long target = s.ordinalOf(versionId);
        if (target < 0) {
            return false;
        }
        VersionRecord removed = target == s.ordinal() ? s.current()
                : ctx.keys.historyAt(d, c.bucket, c.name, target);
        if (removed == null || !removed.versionId().equals(versionId)) {
            return false;
        }
        Long nullOrdinal = VersionIds.isNull(versionId) ? null : s.nullOrdinal();
        if (target != s.ordinal()) {
            c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucket(c.bucket), c.bucketNode.version()));
            KeyState next = new KeyState(s.current(), s.ordinal(), s.nextOrdinal(), s.born(), nullOrdinal, c.token);
            c.add(Role.KEY, Op.setData(objectPath(c), Json.write(next), c.before.version()));
            removeHistory(c, target);
        } else {
            Keys.Versioned previous = ctx.keys.newestHistory(d, c.bucket, c.name);
            if (previous == null) {
                planRemoveKey(d, c, hints);
            } else {
                c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucket(c.bucket), c.bucketNode.version()));
                KeyState next = new KeyState(previous.record(), previous.ordinal(), s.nextOrdinal(), s.born(),
                        nullOrdinal, c.token);
                c.add(Role.KEY, Op.setData(objectPath(c), Json.write(next), c.before.version()));
                removeHistory(c, previous.ordinal());
            }
        }
        c.result = removed;
        c.retryWhenAbsent = true;
        c.committed = now -> !holds(d, c, now, target, versionId);
        return true;
    }

    // The key's last version goes: its node, its (empty) groups and its index entry, in one multi.
    private void planRemoveKey(Deadline d, KeyChange c, KeyChange.Hints hints) {
        c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucket(c.bucket), c.bucketNode.version()));
        for (long group : ctx.keys.groups(d, c.bucket, c.name)) {
            c.add(Role.GROUP_DELETE, Op.delete(ctx.layout.group(c.bucket, c.name, group), -1), group);
        }
        c.add(Role.KEY, Op.delete(objectPath(c), c.before.version()));
        String partition = indexPartition(d, c, hints);
        if (partition != null) {
            c.add(Role.INDEX_DELETE, Op.delete(ctx.layout.indexEntry(c.bucket, partition, c.name), -1));
            c.removedIndexPartition = partition;
            long incarnation = c.bucketNode.incarnation();
            c.afterCommit.add(() -> maintenance.afterIndexRemoval(c.bucket, incarnation, partition));
        } else {
            log.warn("key without index entry bucket={} name={}", c.bucket, c.name);
        }
    }

    // The partition holding the key's index entry: where the map says, or where a split moves it from.
    private String indexPartition(Deadline d, KeyChange c, KeyChange.Hints hints) {
        byte[] key = KeyNames.utf8(c.before.state().current().key());
        for (int attempt = 0; attempt < 3; attempt++) {
            PartitionMap.Location loc = ctx.maps.locate(d, c.bucket, c.bucketNode.incarnation(), key,
                    hints.freshMap || attempt > 0);
            for (String p : new String[] {loc.partition(), loc.movingFrom()}) {
                if (p != null && ctx.zk.stat(d, ctx.layout.indexEntry(c.bucket, p, c.name)) != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Whether the key (same incarnation as before) holds a version with this ordinal and id. */
    private boolean holds(Deadline d, KeyChange c, Keys.KeyNode now, long ordinal, String versionId) {
        if (now == null || (c.before != null && now.czxid() != c.before.czxid())) {
            return false;
        }
        KeyState s = now.state();
        if (s.ordinal() == ordinal) {
            return s.current().versionId().equals(versionId);
        }
        VersionRecord v = ctx.keys.historyAt(d, c.bucket, c.name, ordinal);
        return v != null && v.versionId().equals(versionId);
    }

    /** Sends the change; true when it committed, false to re-read and try again. */
    private boolean run(Deadline d, KeyChange c, KeyChange.Hints hints) {
        Zk.Outcome outcome = ctx.zk.multi(d, c.ops);
        if (outcome instanceof Zk.Outcome.Failed f) {
            learn(c, f, hints);
            return false;
        }
        if (outcome instanceof Zk.Outcome.Ambiguous a && !settle(d, c, a)) {
            return false;
        }
        hints.freshMap = false;
        for (Long group : c.removedGroups) {
            maintenance.afterHistoryRemoval(c.bucket, c.name, group);
        }
        c.afterCommit.forEach(Runnable::run);
        return true;
    }

    private void learn(KeyChange c, Zk.Outcome.Failed f, KeyChange.Hints hints) {
        if (f.index() < 0) {
            return;
        }
        Role role = c.roles.get(f.index());
        long group = c.opGroups.get(f.index());
        switch (role) {
            case ROOT_CHECK, PAGE_CHECK, INDEX_DELETE -> refreshMap(c, hints);
            case INDEX_CREATE -> {
                if (f.code() == Code.NODEEXISTS) {
                    hints.adoptIndex = true;
                } else {
                    refreshMap(c, hints);
                }
            }
            case INDEX_CHECK -> hints.adoptIndex = false;
            case GROUP_CREATE -> {
                hints.missingGroups.remove(group);
                hints.presentGroups.add(group);
            }
            case HISTORY_CREATE -> {
                if (f.code() == Code.NONODE) {
                    hints.missingGroups.add(group);
                }
            }
            default -> { }
        }
    }

    private void refreshMap(KeyChange c, KeyChange.Hints hints) {
        ctx.maps.invalidate(c.bucket);
        hints.freshMap = true;
    }

    /**
     * The connection was lost with the multi in flight. First make sure it can no longer apply
     * (fence the version it expects), then read the key to see whether it did. True when committed,
     * false when it certainly did not (so the caller may retry); Unavailable when that cannot be told.
     */
    private boolean settle(Deadline d, KeyChange c, Zk.Outcome.Ambiguous a) {
        String path = objectPath(c);
        if (c.before != null && ctx.zk.fence(d, path, c.before.raw(), c.before.version())) {
            return false;
        }
        if (c.created != null) {
            PartitionMap.Page page = c.created.page();
            ctx.zk.fence(d, ctx.layout.page(c.bucket, page.id()), page.raw(), page.version());
        }
        Keys.KeyNode now = Keys.parse(ctx.zk.get(d, path));
        if (c.committed.in(now)) {
            return true;
        }
        boolean sameKey = now != null && c.before != null && now.czxid() == c.before.czxid();
        if ((c.before == null && now == null) || (c.retryWhenAbsent && (now == null || sameKey))
                || c.notCommitted.in(now)) {
            ctx.maps.invalidate(c.bucket);
            return false;
        }
        throw new MetadataException.Unavailable("connection to ZooKeeper lost during a write; its outcome is "
                + "unknown", a.cause());
    }

    private String objectPath(KeyChange c) {
        return ctx.layout.object(c.bucket, c.name);
    }

    // Contention on one key: after a few lost races, step aside briefly so the winners drain.
    private static void backoff(int attempt, Deadline d) {
        if (d.expired()) {
            throw new MetadataException.Unavailable("gave up after " + attempt + " conflicting attempts", null);
        }
        if (attempt >= 3) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(1, Math.min(50, 2 * attempt)));
            } catch (InterruptedException e) {
                throw Zk.interrupted(e);
            }
        }
    }
}
