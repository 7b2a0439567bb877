package io.imagegate.meta;

/**
 * Every way a metadata operation can refuse, one subclass each, so the gateway maps them to S3
 * errors in one place. ZooKeeper's own exceptions never leave this module.
 */
public abstract sealed class MetadataException extends RuntimeException {

    protected MetadataException(String message) {
        super(message);
    }

    protected MetadataException(String message, Throwable cause) {
        super(message, cause);
    }

    public static final class NoSuchBucket extends MetadataException {
        public NoSuchBucket(String bucket) {
            super("no such bucket: " + bucket);
        }
    }

    /** The name is taken; {@code owner} tells the gateway whether it is the caller's own. */
    public static final class BucketAlreadyExists extends MetadataException {
        private final String owner;

        public BucketAlreadyExists(String bucket, String owner) {
            super("bucket exists: " + bucket);
            this.owner = owner;
        }

        public String owner() {
            return owner;
        }
    }

    public static final class BucketNotEmpty extends MetadataException {
        public BucketNotEmpty(String bucket) {
            super("bucket not empty: " + bucket);
        }
    }

    public static final class NoSuchKey extends MetadataException {
        public NoSuchKey(String bucket, String key) {
            super("no such key: " + bucket + "/" + key);
        }
    }

    public static final class NoSuchVersion extends MetadataException {
        public NoSuchVersion(String key, String versionId) {
            super("no such version of " + key + ": " + versionId);
        }
    }

    public static final class NoSuchUpload extends MetadataException {
        public NoSuchUpload(String uploadId) {
            super("no such upload: " + uploadId);
        }
    }

    /** A {@link WriteCondition} did not hold. */
    public static final class PreconditionFailed extends MetadataException {
        public PreconditionFailed(String message) {
            super(message);
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
