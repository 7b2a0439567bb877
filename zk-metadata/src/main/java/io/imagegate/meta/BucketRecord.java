package io.imagegate.meta;

import java.time.Instant;

/** A bucket: who owns it, its ACL, its versioning state and the chunk size of its objects. */
public record BucketRecord(
        String name,
        String owner,
        Instant created,
        CannedAcl acl,
        Versioning versioning,
        int chunkSize,
        String region) {

    public BucketRecord withAcl(CannedAcl newAcl) {
        return new BucketRecord(name, owner, created, newAcl, versioning, chunkSize, region);
    }

    public BucketRecord withVersioning(Versioning newState) {
        return new BucketRecord(name, owner, created, acl, newState, chunkSize, region);
    }
}
