package io.imagegate.gateway.api;

/** What an operation needs of the caller, checked against owners and canned ACLs before it runs. */
public enum Access {
    /** Any authenticated user (ListBuckets, CreateBucket). */
    AUTHENTICATED,
    /** Administrators only (the storage report). */
    ADMIN,
    /** Read the bucket's listing: the owner, or anyone its ACL lets read. */
    BUCKET_READ,
    /** Create or delete objects in the bucket: the owner, or anyone under public-read-write. */
    BUCKET_WRITE,
    /** Change or delete the bucket itself, its ACL, versioning and the ACLs of its objects. */
    BUCKET_OWNER,
    /** Read an object: its owner, or anyone the object's ACL lets read; decided per version. */
    OBJECT_READ,
    /**
     * Read or change an object's ACL (S3's READ_ACP and WRITE_ACP): its owner, or the bucket's
     * owner under {@code bucket-owner-full-control}; decided per version.
     */
    OBJECT_ACP
}
