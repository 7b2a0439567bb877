package io.imagegate.meta;

import java.time.Instant;
import java.util.List;

/**
 * A bucket: who owns it, its ACL, its versioning state and the chunk size of its objects.
 *
 * @param incarnation the token of the CreateBucket that made this bucket (docs/FORMAT-zookeeper.md,
 *                    "Incarnations and snapshots"): a bucket deleted and created again under the same
 *                    name has another. Null in a record to be created, which the store gives one. A
 *                    write handed a record with an incarnation applies only to that bucket.
 * @param grants      the bucket's explicit grants, as given; null for a canned {@code acl}
 */
public record BucketRecord(
        String name,
        String owner,
        Instant created,
        CannedAcl acl,
        Versioning versioning,
        int chunkSize,
        String region,
        String incarnation,
        List<Grant> grants) {

    public BucketRecord {
        grants = grants == null ? null : List.copyOf(grants);
    }

    /** A bucket with a canned ACL. */
    public BucketRecord(String name, String owner, Instant created, CannedAcl acl, Versioning versioning,
            int chunkSize, String region, String incarnation) {
        this(name, owner, created, acl, versioning, chunkSize, region, incarnation, null);
    }

    /** A bucket to create: the store gives it its incarnation. */
    public BucketRecord(String name, String owner, Instant created, CannedAcl acl, Versioning versioning,
            int chunkSize, String region) {
        this(name, owner, created, acl, versioning, chunkSize, region, null);
    }

    public BucketRecord withAcl(CannedAcl newAcl) {
        return withAcl(AccessControlList.of(newAcl));
    }

    /** The same bucket with another ACL; a null one leaves the ACL alone in {@link MetadataStore#updateBucket}. */
    public BucketRecord withAcl(AccessControlList newAcl) {
        return new BucketRecord(name, owner, created, newAcl == null ? null : newAcl.canned(), versioning, chunkSize,
                region, incarnation, newAcl == null ? null : newAcl.grants());
    }

    public BucketRecord withVersioning(Versioning newState) {
        return new BucketRecord(name, owner, created, acl, newState, chunkSize, region, incarnation, grants);
    }

    /** The bucket's ACL (private when the record names none). */
    public AccessControlList accessControlList() {
        return new AccessControlList(acl == null ? CannedAcl.PRIVATE : acl, grants);
    }
}
