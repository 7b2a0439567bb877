package io.imagegate.meta;

import java.time.Instant;

/**
 * A bucket: who owns it, its ACL, its versioning state and the chunk size of its objects.
 *
 * @param incarnation the token of the CreateBucket that made this bucket (docs/FORMAT-zookeeper.md,
 *                    "Incarnations and snapshots"): a bucket deleted and created again under the same
 *                    name has another. Null in a record to be created, which the store gives one. A
 *                    write handed a record with an incarnation applies only to that bucket.
 */
public record BucketRecord(
        String name,
        String owner,
        Instant created,
        CannedAcl acl,
        Versioning versioning,
        int chunkSize,
        String region,
        String incarnation) {

    /** A bucket to create: the store gives it its incarnation. */
    public BucketRecord(String name, String owner, Instant created, CannedAcl acl, Versioning versioning,
            int chunkSize, String region) {
        this(name, owner, created, acl, versioning, chunkSize, region, null);
    }

    public BucketRecord withAcl(CannedAcl newAcl) {
        return new BucketRecord(name, owner, created, newAcl, versioning, chunkSize, region, incarnation);
    }

    public BucketRecord withVersioning(Versioning newState) {
        return new BucketRecord(name, owner, created, acl, newState, chunkSize, region, incarnation);
    }
}
