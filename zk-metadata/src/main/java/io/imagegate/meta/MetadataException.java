package io.imagegate.meta;

/**
 * Every way a metadata operation can refuse, one subclass each, each carrying what the answer needs
 * to name (the bucket, key, version id, argument), so the gateway maps them to S3 errors in one
 * place, exhaustively. ZooKeeper's own exceptions never leave this module, and neither does an
 * {@link IllegalArgumentException} for a request's input: a malformed version id, key or argument is
 * one of the types below.
 */
public abstract sealed class MetadataException extends RuntimeException {

    protected MetadataException(String message) {
        super(message);
    }

    protected MetadataException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The bucket does not exist, or is not the incarnation the caller named: it was deleted (and
     * perhaps created again) since the caller read it.
     */
    public static final class NoSuchBucket extends MetadataException {
        private final String bucket;

        public NoSuchBucket(String bucket) {
            super("no such bucket: " + bucket);
            this.bucket = bucket;
        }

        public String bucket() {
            return bucket;
        }
    }

    /**
     * The name is taken; {@code owner} tells the gateway whether it is the caller's own, and
     * {@code incarnation} which bucket of that name it found (null when not known).
     */
    public static final class BucketAlreadyExists extends MetadataException {
        private final String owner;

        private final String bucket;

        private final String incarnation;

        public BucketAlreadyExists(String bucket, String owner) {
            this(bucket, owner, null);
        }

        public BucketAlreadyExists(String bucket, String owner, String incarnation) {
            super("bucket exists: " + bucket);
            this.bucket = bucket;
            this.owner = owner;
            this.incarnation = incarnation;
        }

        /** The incarnation of the bucket found, so a write decided on its owner goes to that bucket only. */
        public String incarnation() {
            return incarnation;
        }

        public String bucket() {
            return bucket;
        }

        public String owner() {
            return owner;
        }
    }

    public static final class BucketNotEmpty extends MetadataException {
        private final String bucket;

        public BucketNotEmpty(String bucket) {
            super("bucket not empty: " + bucket);
            this.bucket = bucket;
        }

        public String bucket() {
            return bucket;
        }
    }

    public static final class NoSuchKey extends MetadataException {
        private final String key;

        public NoSuchKey(String bucket, String key) {
            super("no such key: " + bucket + "/" + key);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public static final class NoSuchVersion extends MetadataException {
        private final String key;
        private final String versionId;

        public NoSuchVersion(String key, String versionId) {
            super("no such version of " + key + ": " + versionId);
            this.key = key;
            this.versionId = versionId;
        }

        public String key() {
            return key;
        }

        public String versionId() {
            return versionId;
        }
    }

    /** The upload does not exist (any more), or is not an upload of the key named. */
    public static final class NoSuchUpload extends MetadataException {
        private final String uploadId;

        public NoSuchUpload(String uploadId) {
            super("no such upload: " + uploadId);
            this.uploadId = uploadId;
        }

        public String uploadId() {
            return uploadId;
        }
    }

    /**
     * A string that is neither {@code "null"} nor a version id this store made, given as
     * {@code argument} (the request's {@code versionId}, or a listing's {@code version-id-marker}).
     */
    public static final class InvalidVersionId extends MetadataException {
        private final String argument;
        private final String versionId;

        public InvalidVersionId(String argument, String versionId) {
            super("Invalid version id specified: " + versionId);
            this.argument = argument;
            this.versionId = versionId;
        }

        public String argument() {
            return argument;
        }

        public String versionId() {
            return versionId;
        }
    }

    /** An object key S3 would refuse: empty, not well-formed Unicode, or too long. */
    public static final class InvalidKey extends MetadataException {
        private final boolean tooLong;

        public InvalidKey(String message, boolean tooLong) {
            super(message);
            this.tooLong = tooLong;
        }

        /** True when the key is longer than S3's 1024 bytes of UTF-8. */
        public boolean tooLong() {
            return tooLong;
        }
    }

    /**
     * A value of a request the store refuses (a part number out of range, a negative maximum, a
     * version-id marker without a key marker, a bucket name, versioning turned off once enabled).
     */
    public static final class InvalidArgument extends MetadataException {
        private final String argument;
        private final String value;

        public InvalidArgument(String message, String argument, String value) {
            super(message);
            this.argument = argument;
            this.value = value;
        }

        public String argument() {
            return argument;
        }

        public String value() {
            return value;
        }
    }

    /** The version named is a delete marker, which has no data and no ACL to act on. */
    public static final class IsDeleteMarker extends MetadataException {
        private final String key;
        private final String versionId;

        public IsDeleteMarker(String key, String versionId) {
            super("a delete marker has no ACL: " + key + " " + versionId);
            this.key = key;
            this.versionId = versionId;
        }

        public String key() {
            return key;
        }

        public String versionId() {
            return versionId;
        }
    }

    /** A {@link WriteCondition} did not hold. */
    public static final class PreconditionFailed extends MetadataException {
        public PreconditionFailed(String message) {
            super(message);
        }
    }

    /** A record the request would store is larger than the store keeps in one znode ({@code what}: which record). */
    public static final class RecordTooLarge extends MetadataException {
        private final String what;

        public RecordTooLarge(String what, int bytes, int limit) {
            super(what + " of " + bytes + " bytes stored; at most " + limit);
            this.what = what;
        }

        public String what() {
            return what;
        }
    }

    public static final class UserExists extends MetadataException {
        public UserExists(String what) {
            super("user or access key exists: " + what);
        }
    }

    public static final class NoSuchUser extends MetadataException {
        public NoSuchUser(String name) {
            super("no such user: " + name);
        }
    }

    /**
     * ZooKeeper cannot be reached, the session is lost, or the operation kept losing races until its
     * deadline: nothing was changed (a write whose outcome could not be learned is
     * {@link OutcomeUnknown} instead).
     */
    public static final class Unavailable extends MetadataException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A write was sent and the connection was lost before its reply, and nothing the store could
     * read afterwards tells whether it was applied: it may or may not have been. Reading the state
     * back tells the caller which (a write to a key or bucket record is fenced first, so it cannot
     * apply after that read).
     */
    public static final class OutcomeUnknown extends MetadataException {
        public OutcomeUnknown(String message, Throwable cause) {
            super(message + "; it may or may not have been applied", cause);
        }
    }
}
