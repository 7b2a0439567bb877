package io.imagegate.meta;

import java.util.Optional;

/** GetObject and HeadObject: one read of the key's node for the current version, two for an older one. */
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
     */
    VersionRecord version(String bucket, String key, String versionId, boolean cached) {
        KeyNames.validateKey(key);
        if (versionId == null) {
            throw new IllegalArgumentException("a version id is required");
        }
        VersionIds.validate(versionId);
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        String name = KeyNames.name(key);
        Keys.KeyNode k = ctx.keys.read(d, bucket, name, key, cached);
        if (k == null) {
            ctx.bucket(d, bucket);
            throw new MetadataException.NoSuchVersion(key, versionId);
        }
        long ordinal = k.state().ordinalOf(versionId);
        VersionRecord v = ordinal < 0 ? null
                : ordinal == k.state().ordinal() ? k.state().current()
                : ctx.keys.historyAt(d, bucket, name, ordinal, cached);
        if (v == null || !v.versionId().equals(versionId)) {
            throw new MetadataException.NoSuchVersion(key, versionId);
        }
        return v;
    }
}
