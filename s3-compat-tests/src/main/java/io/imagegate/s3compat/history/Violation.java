package io.imagegate.s3compat.history;

/**
 * One way a history departs from the sequential model of S3, found at operation {@code op}
 * (the read, listing or write that shows it), about {@code versionId} of {@code key} when known.
 */
public record Violation(Kind kind, String bucket, String key, String versionId, int op, String detail) {

    /** The properties the checker establishes. */
    public enum Kind {
        /** An acknowledged write is absent (or unreadable) at the end, and no delete of it may have happened. */
        LOST_WRITE,
        /** A version whose delete was acknowledged is seen after the delete completed (or an acknowledged delete marker is lost). */
        DELETE_UNDONE,
        /** A read returned a state that was current at no point of its window. */
        STALE_READ,
        /** A conditional write succeeded although its condition was false throughout its window. */
        CONDITION_BROKEN,
        /** Bytes, ETag or kind (object, delete marker) served for a version are not what was written. */
        WRONG_CONTENT,
        /** A version id or tag no operation can have made, or one seen before its write was invoked. */
        PHANTOM,
        /** A listing left out something that existed throughout its window. */
        LISTING_INCOMPLETE,
        /** A listing ended (a key's versions, or the whole answer with IsTruncated=false) before something that existed throughout. */
        LISTING_FALSELY_COMPLETE,
        /** A listing put a key's versions out of publication order. */
        LISTING_ORDER,
        /** A listing broke S3's rules: keys out of order, duplicates, IsLatest misplaced, a truncated page without a marker. */
        LISTING_MALFORMED
    }

    @Override
    public String toString() {
        return kind + " " + bucket + "/" + key + (versionId != null ? "#" + versionId : "") + " at op #" + op + ": "
                + detail;
    }
}
