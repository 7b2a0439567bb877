package io.imagegate.gateway.api;

/**
 * What an operation needs of the caller, checked against owners and ACLs before it runs. The ACL
 * permissions are S3's: READ, WRITE, READ_ACP and WRITE_ACP of the bucket, READ, READ_ACP and
 * WRITE_ACP of an object (FULL_CONTROL is all of them).
 */
public enum Access {
    /** Any authenticated user (ListBuckets, CreateBucket). */
    AUTHENTICATED,
    /** Administrators only (the storage report). */
    ADMIN,
    /** Read the bucket's listing: the owner, or anyone its ACL gives READ. */
    BUCKET_READ,
    /** Create or delete objects in the bucket: the owner, or anyone its ACL gives WRITE (public-read-write: everyone). */
    BUCKET_WRITE,
    /** Read the bucket's ACL: the owner, or anyone its ACL gives READ_ACP. */
    BUCKET_READ_ACP,
    /** Change the bucket's ACL: the owner, or anyone its ACL gives WRITE_ACP. */
    BUCKET_WRITE_ACP,
    /** Change or delete the bucket itself, read or change its configuration (versioning, policy, ...): the owner. */
    BUCKET_OWNER,
    /** Read an object: its owner, or anyone the object's ACL lets read; decided per version. */
    OBJECT_READ,
    /**
     * Read or change an object's ACL (S3's READ_ACP and WRITE_ACP): its owner, or whom its ACL gives
     * that permission (the bucket's owner under {@code bucket-owner-full-control}); decided per version.
     */
    OBJECT_ACP
}
