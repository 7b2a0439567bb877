package io.imagegate.meta;

import java.util.Optional;

/**
 * GetObject and HeadObject: one read of the key's node for the current version; for another
 * version, one request of three ordered reads (key, the version's record, key again) that form a
 * snapshot when the two key reads agree (see {@link Keys}).
 */
final class ObjectReads {

    private final Context ctx;

    ObjectReads(Context ctx) {
        this.ctx = ctx;
    }

    Optional<VersionRecord> current(String bucket, String key) {
        KeyNames.validateKey(key);
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Keys.KeyNode k = ctx.keys.read(d, bucket, KeyNames.name(key), key, true);
        if (k == null) {
            ctx.bucket(d, bucket);
            return Optional.empty();
        }
        return Optional.of(k.state().current());
    }

    VersionRecord version(String bucket, String key, String versionId) {
        return version(bucket, key, versionId, true);
    }

    /**
     * With {@code cached} false the answer comes from ZooKeeper, never from the read cache: for a
     * lease's check that its source is still live, which must see every write committed before it.
     * With {@code cached}, a version found in the cache is returned, but a miss is decided again
     * from ZooKeeper: the cache may hold the key record from before a write of this process that has
     * committed and not yet dropped it, and a history record read from ZooKeeper after that write
     * would not fit it.
     */
    VersionRecord version(String bucket, String key, String versionId, boolean cached) {
        KeyNames.validateKey(key);
        if (versionId == null) {
            throw new MetadataException.InvalidVersionId("versionId", null);
        }
        VersionIds.validate(versionId, "versionId");
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        String name = KeyNames.name(key);
        if (cached && ctx.zk.cache() != null) {
            VersionRecord hit = fromCache(d, bucket, name, key, versionId);
            if (hit != null) {
                return hit;
            }
        }
        Keys.Located at = ctx.keys.locate(d, bucket, name, key, versionId);
        if (at.key() == null) {
            ctx.bucket(d, bucket);
        }
        if (at.version() == null) {
            throw new MetadataException.NoSuchVersion(key, versionId);
        }
        return at.version();
    }

    // The version as the cache (or a read that fills it) has it; null when that does not find it.
    private VersionRecord fromCache(Deadline d, String bucket, String name, String key, String versionId) {
        Keys.KeyNode k = ctx.keys.read(d, bucket, name, key, true);
        long ordinal = k == null ? -1 : k.state().ordinalOf(versionId);
        if (ordinal < 0) {
            return null;
        }
        VersionRecord v = ordinal == k.state().ordinal() ? k.state().current()
                : ctx.keys.historyAt(d, bucket, name, ordinal, true);
        return v != null && v.versionId().equals(versionId) ? v : null;
    }
}
