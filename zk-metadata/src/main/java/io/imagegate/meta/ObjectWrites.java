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
 * PutObject, the publish of CompleteMultipartUpload, DeleteObject and PutObjectAcl: each a
 * compare-and-set of one key's znode in a single multi, retried on conflict, so concurrent writers
 * through any stores are totally ordered and conditions are exact. The compare-and-set is of the
 * data version and of the key's incarnation (a check of its {@code ~<incarnation>} child), so a
 * plan made on a key that was deleted and created again never applies to the new one. A decision
 * not to write (no such version, nothing to delete) rests only on reads that form a snapshot (see
 * {@link Keys}); a write whose reply is lost is fenced, then settled from what it changed, or
 * reported as {@link MetadataException.OutcomeUnknown}. docs/FORMAT-zookeeper.md has the argument.
 */
final class ObjectWrites {

    private static final Logger log = LoggerFactory.getLogger(ObjectWrites.class);

    /** Extra checks and ops a caller adds to every attempt (CompleteMultipartUpload ends its upload). */
    interface Hook {
        /** Checks before the write condition; returns a result when the work turns out to be done already. */
        Optional<VersionRecord> done(Deadline d, KeyChange change);

        /** Adds ops to the planned change. */
        void addOps(KeyChange change);

        /**
         * After a lost reply, once the change can no longer apply: whether it was applied, as far as
         * this hook's own ops can prove it (they commit with the change or not at all); null when they
         * cannot tell.
         */
        default Boolean applied(Deadline d, KeyChange change) {
            return null;
        }

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

                @Override
                public Boolean applied(Deadline d, KeyChange change) {
                    Boolean a = first.applied(d, change);
                    return a != null ? a : second.applied(d, change);
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

    /**
     * Publishes {@code draft} as the key's current version. With {@code bucketIncarnation} (the bucket
     * as the caller authorized the write against it), NoSuchBucket unless the bucket is still that
     * incarnation when the write commits.
     */
    VersionRecord publish(String bucket, String bucketIncarnation, VersionDraft draft, WriteCondition condition,
            Hook hook) {
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
                VersionRecord done = publishOnce(d, bucket, bucketIncarnation, name, draft, condition, hook, hints);
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
    private VersionRecord publishOnce(Deadline d, String bucket, String bucketIncarnation, String name,
            VersionDraft draft, WriteCondition condition, Hook hook, KeyChange.Hints hints) {
        KeyChange c = read(d, bucket, bucketIncarnation, name, draft.key(), null);
        Optional<VersionRecord> done = hook == null ? Optional.empty() : hook.done(d, c);
        if (done.isPresent()) {
            return done.get();
        }
        Conditions.check(condition, current(c), bucket, draft.key());
        planPublish(d, c, draft, hints);
        if (hook != null) {
            hook.addOps(c);
            c.hook = hook;
        }
        return run(d, c, hints) ? c.result : null;
    }

    /** DeleteObject; with {@code bucketIncarnation}, only in that incarnation of the bucket (as publish). */
    DeleteResult delete(String bucket, String bucketIncarnation, String key, String versionId,
            WriteCondition condition, String requester) {
        Objects.requireNonNull(condition, "condition");
        KeyNames.validateKey(key);
        if (versionId != null) {
            VersionIds.validate(versionId, "versionId");
        }
        String name = KeyNames.name(key);
        Deadline d = ctx.deadline();
        KeyChange.Hints hints = new KeyChange.Hints();
        Freshness fresh = new Freshness();
        for (int attempt = 0; ; attempt++) {
            backoff(attempt, d);
            try {
                DeleteResult result = deleteOnce(d, bucket, bucketIncarnation, name, key, versionId, condition,
                        requester, hints);
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
    private DeleteResult deleteOnce(Deadline d, String bucket, String bucketIncarnation, String name, String key,
            String versionId, WriteCondition condition, String requester, KeyChange.Hints hints) {
        KeyChange plain = versionId == null ? read(d, bucket, bucketIncarnation, name, key, null) : null;
        BucketRecord b = plain != null ? plain.bucketNode.record() : null;
        if (plain != null && b.versioning() != Versioning.UNVERSIONED) {
            Conditions.check(condition, current(plain), bucket, key);
            String owner = requester != null ? requester : b.owner();
            planPublish(d, plain, VersionDraft.deleteMarker(key, owner), hints);
            return run(d, plain, hints) ? new DeleteResult(plain.result.versionId(), true) : null;
        }
        // a version goes for good: the one named, or the null version of an unversioned bucket
        KeyChange c = plain != null ? locateNull(d, plain)
                : read(d, bucket, bucketIncarnation, name, key, versionId);
        if (c == null) {
            return null; // the key changed while the version was looked up
        }
        Conditions.check(condition, current(c), bucket, key);
        if (c.before == null || c.target.version() == null) {
            return NOTHING_TO_DELETE;
        }
        if (!planRemoveVersion(d, c, hints)) {
            return null;
        }
        return run(d, c, hints) ? new DeleteResult(versionId, versionId != null && c.result.deleteMarker()) : null;
    }

    /**
     * PutObjectAcl: replaces the ACL (canned, or grants) of one version (the current one when {@code versionId} is
     * null). A compare-and-set of the key's znode orders it with every other write to the key; a
     * non-current version's history znode is rewritten in the same multi, so a concurrent promotion or
     * removal of that version either sees the new ACL or makes this attempt fail and read again.
     */
    VersionRecord setAcl(String bucket, String bucketIncarnation, String key, String versionId, AccessControlList acl) {
        Objects.requireNonNull(acl, "acl");
        KeyNames.validateKey(key);
        if (versionId != null) {
            VersionIds.validate(versionId, "versionId");
        }
        String name = KeyNames.name(key);
        Deadline d = ctx.deadline();
        KeyChange.Hints hints = new KeyChange.Hints();
        Freshness fresh = new Freshness();
        for (int attempt = 0; ; attempt++) {
            backoff(attempt, d);
            try {
                VersionRecord done = setAclOnce(d, bucket, bucketIncarnation, name, key, versionId, acl, hints);
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
    private VersionRecord setAclOnce(Deadline d, String bucket, String bucketIncarnation, String name, String key,
            String versionId, AccessControlList acl, KeyChange.Hints hints) {
        KeyChange c = read(d, bucket, bucketIncarnation, name, key, versionId);
        if (c == null) {
            return null; // the key changed while the version was looked up
        }
        if (c.before == null) {
            throw versionId == null ? new MetadataException.NoSuchKey(bucket, key)
                    : new MetadataException.NoSuchVersion(key, versionId);
        }
        KeyState s = c.before.state();
        Keys.Located at = versionId == null ? new Keys.Located(c.before, s.ordinal(), s.current(), s.current())
                : c.target;
        VersionRecord target = at.version();
        if (target == null) {
            throw new MetadataException.NoSuchVersion(key, versionId);
        }
        if (target.deleteMarker()) {
            throw new MetadataException.IsDeleteMarker(key, target.versionId());
        }
        VersionRecord updated = target.withAcl(acl);
        boolean current = at.current();
        KeyState next = new KeyState(current ? updated : s.current(), s.ordinal(), s.nextOrdinal(), s.born(),
                s.nullOrdinal(), c.token, s.incarnation());
        checkBucketIncarnation(c);
        checkIncarnation(c);
        c.add(Role.KEY, Op.setData(objectPath(c), Stored.key(next), c.before.version()));
        if (!current) {
            c.add(Role.EXTRA, Op.setData(ctx.layout.history(bucket, name, at.ordinal()), Stored.version(updated), -1));
        }
        c.result = updated;
        // only the token tells: once another write replaced it, an unknown outcome stays unknown (doing
        // it again could undo an ACL set after it)
        c.settle = now -> c.tokenIn(now) ? Boolean.TRUE : null;
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

    /**
     * The bucket and the key in one round trip (a read-only multi); with a version id, the version
     * too: for an id other than "null", the same request reads the version's record and the key
     * again, which makes the three reads one snapshot when the key did not change between them
     * (see {@link Keys}). Null when it changed: plan again.
     */
    private KeyChange read(Deadline d, String bucket, String bucketIncarnation, String name, String key,
            String versionId) {
        String keyPath = ctx.layout.object(bucket, name);
        long at = versionId == null || VersionIds.isNull(versionId) ? -1 : VersionIds.parse(versionId).ordinal();
        List<String> paths = at < 0 ? List.of(ctx.layout.bucket(bucket), keyPath)
                : List.of(ctx.layout.bucket(bucket), keyPath, ctx.layout.history(bucket, name, at), keyPath);
        List<Zk.Node> nodes = ctx.zk.read(d, h -> Zk.await(d, ctx.zk.getManyAsync(h, paths)));
        if (nodes.get(0) == null) {
            throw new MetadataException.NoSuchBucket(bucket);
        }
        Context.BucketNode b = Context.BucketNode.of(nodes.get(0));
        if (bucketIncarnation != null && !bucketIncarnation.equals(b.incarnationId())) {
            // deleted and created again since the caller authorized the write against it
            throw new MetadataException.NoSuchBucket(bucket);
        }
        Keys.KeyNode k = Keys.checked(Keys.parse(nodes.get(1)), key);
        if (k != null && k.state().incarnation() == null) {
            throw new MetadataException.Unavailable("the record of key " + key + " has no incarnation: it is of "
                    + "metadata format 1, which a store upgrades when it starts", null);
        }
        KeyChange c = new KeyChange(bucket, name, b, k, null);
        if (versionId == null) {
            return c;
        }
        if (at < 0) {
            return locateNull(d, c);
        }
        Keys.Located located = Keys.judge(k, versionId, nodes.get(2), nodes.get(3));
        return located == null ? null : new KeyChange(bucket, name, b, k, located);
    }

    /** The null version located in {@code c}'s key (a second request when it is noncurrent). */
    private KeyChange locateNull(Deadline d, KeyChange c) {
        String key = c.before == null ? null : c.before.state().current().key();
        Keys.Located located = ctx.keys.locateNull(d, c.bucket, c.name, key, c.before);
        return new KeyChange(c.bucket, c.name, c.bucketNode, located.key(), located);
    }

    private static VersionRecord current(KeyChange c) {
        return c.before == null ? null : c.before.state().current();
    }

    // The new version becomes current; the old current goes to history unless a null version replaces it.
    private void planPublish(Deadline d, KeyChange c, VersionDraft draft, KeyChange.Hints hints) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        boolean versioned = c.bucketNode.record().versioning() == Versioning.ENABLED;
        checkBucket(c);
        KeyState old = c.before == null ? null : c.before.state();
        long born = old == null ? now.toEpochMilli() : old.born();
        long ordinal = old == null ? 0 : old.nextOrdinal();
        String id = versioned ? VersionIds.create(born, ordinal) : VersionRecord.NULL_VERSION;
        VersionRecord record = draft.publishedAs(id, now);
        Long nullOrdinal = versioned ? (old == null ? null : old.nullOrdinal()) : Long.valueOf(ordinal);
        KeyState state = new KeyState(record, ordinal, ordinal + 1, born, nullOrdinal, c.token, c.incarnation());
        c.result = record;
        if (old == null) {
            createKey(d, c, state, hints);
        } else {
            checkIncarnation(c);
            c.add(Role.KEY, Op.setData(objectPath(c), Stored.key(state), c.before.version()));
            if (versioned || !old.currentIsNull()) {
                addHistory(c, old.ordinal(), old.current(), hints);
            }
            if (!versioned && old.nullOrdinal() != null && !old.currentIsNull()) {
                removeHistory(c, old.nullOrdinal());
            }
        }
        c.settle = after -> publishApplied(d, c, after, ordinal, versioned ? id : null);
    }

    /**
     * Whether a publish that was to give its version {@code ordinal} (and, versioned, the id
     * {@code versionId}) was applied, from the key read after the fence; null when that cannot tell.
     */
    private Boolean publishApplied(Deadline d, KeyChange c, Keys.KeyNode now, long ordinal, String versionId) {
        if (!c.sameIncarnation(now)) {
            return null; // the incarnation is gone (or was never created): nothing left to tell by
        }
        if (c.before == null || c.tokenIn(now)) {
            return true; // only this change creates its incarnation, or writes its token
        }
        if (now.state().nextOrdinal() <= ordinal) {
            return false; // no version of this incarnation got the ordinal this change was to take
        }
        if (versionId == null) {
            return null; // a null version: nothing tells whether it is this change's or another's
        }
        Keys.Located at = ctx.keys.locate(d, c.bucket, c.name, now.state().current().key(), versionId);
        if (!c.sameIncarnation(at.key())) {
            return null;
        }
        if (at.version() != null) {
            return true; // the id is this change's alone
        }
        // another version holds the ordinal: it went to another publish, so this one never applied
        return at.there() != null ? Boolean.FALSE : null;
    }

    private void createKey(Deadline d, KeyChange c, KeyState state, KeyChange.Hints hints) {
        byte[] key = KeyNames.utf8(state.current().key());
        PartitionMap.Location loc = ctx.maps.locate(d, c.bucket, c.bucketNode.incarnation(), key, hints.freshMap);
        c.created = loc;
        c.add(Role.KEY, ctx.create(objectPath(c), Stored.key(state)));
        c.add(Role.INCARNATION, ctx.create(incarnationPath(c), new byte[0]));
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

    /**
     * The checks that the bucket is still the one the change was planned on: its data version (its
     * versioning state decides what a write does) and its incarnation (Rule W: a bucket deleted and
     * created again is at data version 0 again). The incarnation is the caller's, when it named one
     * (the change was planned only if the bucket read had it).
     */
    private void checkBucket(KeyChange c) {
        c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucket(c.bucket), c.bucketNode.version()));
        checkBucketIncarnation(c);
    }

    private void checkBucketIncarnation(KeyChange c) {
        if (c.bucketNode.incarnationId() != null) {
            c.add(Role.BUCKET_CHECK, Op.check(ctx.layout.bucketIncarnation(c.bucket, c.bucketNode.incarnationId()), -1));
        }
    }

    /**
     * The check that the key is still the incarnation the change was planned on: a key deleted and
     * created again restarts its data version at 0, so the data version alone does not say it.
     */
    private void checkIncarnation(KeyChange c) {
        c.add(Role.INCARNATION, Op.check(incarnationPath(c), -1));
    }

    private String incarnationPath(KeyChange c) {
        return ctx.layout.keyIncarnation(c.bucket, c.name, c.incarnation());
    }

    private void addHistory(KeyChange c, long ordinal, VersionRecord record, KeyChange.Hints hints) {
        long group = Layout.groupOf(ordinal);
        boolean noGroups = c.before.groups() == 0 && !hints.presentGroups.contains(group);
        if (noGroups || hints.missingGroups.contains(group)) {
            c.add(Role.GROUP_CREATE, ctx.create(ctx.layout.group(c.bucket, c.name, group), new byte[0]), group);
        }
        c.add(Role.HISTORY_CREATE, ctx.create(ctx.layout.history(c.bucket, c.name, ordinal),
                Stored.version(record)), group);
    }

    private void removeHistory(KeyChange c, long ordinal) {
        long group = Layout.groupOf(ordinal);
        c.add(Role.HISTORY_DELETE, Op.delete(ctx.layout.history(c.bucket, c.name, ordinal), -1), group);
        c.removedGroups.add(group);
    }

    /**
     * Plans removing the located version for good. Removing the current version promotes the newest
     * non-current one; removing the last removes the key. False when the key changed while its
     * history was read: plan again.
     */
    private boolean planRemoveVersion(Deadline d, KeyChange c, KeyChange.Hints hints) {
        KeyState s = c.before.state();
        Keys.Located target = c.target;
        VersionRecord removed = target.version();
        String versionId = removed.versionId();
        Long nullOrdinal = VersionIds.isNull(versionId) ? null : s.nullOrdinal();
        if (!target.current()) {
            checkBucket(c);
            checkIncarnation(c);
            KeyState next = new KeyState(s.current(), s.ordinal(), s.nextOrdinal(), s.born(), nullOrdinal, c.token,
                    s.incarnation());
            c.add(Role.KEY, Op.setData(objectPath(c), Stored.key(next), c.before.version()));
            removeHistory(c, target.ordinal());
        } else {
            Keys.Batch newest = ctx.keys.newestHistory(d, c.bucket, c.name);
            if (!c.before.sameAs(newest.keyAfter())) {
                return false;
            }
            if (newest.versions().isEmpty()) {
                planRemoveKey(d, c, hints);
            } else {
                Keys.Versioned previous = newest.versions().get(0);
                checkBucket(c);
                checkIncarnation(c);
                KeyState next = new KeyState(previous.record(), previous.ordinal(), s.nextOrdinal(), s.born(),
                        nullOrdinal, c.token, s.incarnation());
                c.add(Role.KEY, Op.setData(objectPath(c), Stored.key(next), c.before.version()));
                removeHistory(c, previous.ordinal());
            }
        }
        c.result = removed;
        String key = s.current().key();
        // a version removed for good never comes back: gone means removed (by this change or another)
        c.settle = after -> {
            Keys.Located now = ctx.keys.locate(d, c.bucket, c.name, key, versionId);
            return !c.sameIncarnation(now.key()) || now.version() == null;
        };
        return true;
    }

    // The key's last version goes: its node, its (empty) groups, its incarnation and its index entry, in one multi.
    private void planRemoveKey(Deadline d, KeyChange c, KeyChange.Hints hints) {
        checkBucket(c);
        c.add(Role.INCARNATION, Op.delete(incarnationPath(c), -1));
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

    /** Sends the change; true when it committed, false to re-read and try again. */
    private boolean run(Deadline d, KeyChange c, KeyChange.Hints hints) {
        Zk.Outcome outcome = ctx.zk.multi(d, c.ops);
        if (outcome instanceof Zk.Outcome.Failed f) {
            learn(c, f, hints);
            return false;
        }
        if (outcome instanceof Zk.Outcome.Ambiguous a
                && !Zk.settling("a write to bucket " + c.bucket, a, () -> settle(d, c, a))) {
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
            case OWNER_CHECK -> throw new MetadataException.Unavailable("the ZooKeeper session that pinned this "
                    + "write ended, so the collector may treat its pin as abandoned; nothing was published", null);
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
     * The connection was lost with the multi in flight. First make sure it can no longer apply: fence
     * the key (rewrite its bytes at the data version the multi expects, in a multi that checks the
     * incarnation), or for a new key the partition page it checks. Then learn whether it applied: from
     * the key read now, else from the caller's ops (a lease's pin, an upload's record). True when it
     * was, false when it certainly was not (so it may be planned again); OutcomeUnknown otherwise.
     */
    private boolean settle(Deadline d, KeyChange c, Zk.Outcome.Ambiguous a) {
        String path = objectPath(c);
        if (c.before != null && ctx.zk.fence(d, incarnationPath(c), path, c.before.raw(), c.before.version())) {
            return false; // the key was as planned: the change never applied, and now never will
        }
        if (c.created != null) {
            PartitionMap.Page page = c.created.page();
            ctx.zk.fence(d, null, ctx.layout.page(c.bucket, page.id()), page.raw(), page.version());
        }
        Boolean applied = c.settle.applied(Keys.parse(ctx.zk.get(d, path)));
        if (applied == null && c.hook != null) {
            applied = c.hook.applied(d, c);
        }
        if (applied == null) {
            throw new MetadataException.OutcomeUnknown("the connection to ZooKeeper was lost while a write to "
                    + c.bucket + " was in flight, and nothing tells whether it was applied", a.cause());
        }
        if (!applied) {
            ctx.maps.invalidate(c.bucket);
        }
        return applied;
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
