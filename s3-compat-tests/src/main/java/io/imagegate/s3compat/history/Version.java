package io.imagegate.s3compat.history;

/**
 * One version (or delete marker) of a key of a versioned bucket as the history knows it: the
 * write that made it, when that write may have taken effect, its content, and what became of
 * the deletes that named it.
 */
final class Version {

    final String bucket;
    final String key;
    final String versionId;
    final Write write;
    /** Earliest invocation of a delete of this version that was not refused: from then on it may be gone. */
    long deleteInvoked = Long.MAX_VALUE;
    /** Earliest completion of an acknowledged delete of this version: from then on it must be gone. */
    long deleteAcknowledged = Long.MAX_VALUE;
    int acknowledgedDeleteOp = -1;
    /** SHA-256 of its bytes, once known (a copy's are its source's). */
    String sha256;
    String etag;
    /** When its write began; for a version tied loosely to one of several writes, the earliest of them. */
    long invoked;
    /** Tied to one of several writes that fit what was seen of it: its content cannot be checked. */
    boolean loose;

    Version(String bucket, String key, String versionId, Write write) {
        this.bucket = bucket;
        this.key = key;
        this.versionId = versionId;
        this.write = write;
        this.sha256 = write.sha256();
        this.etag = write.etag();
        this.invoked = write.invoked();
    }

    boolean marker() {
        return write.marker();
    }

    long invoked() {
        return invoked;
    }

    long effectEnd() {
        return write.effectEnd();
    }

    /** Acknowledged before {@code from}, and no delete of it invoked before {@code to}. */
    boolean existsThroughout(long from, long to) {
        return write.acknowledged() && write.effectEnd() < from && deleteInvoked > to;
    }

    /** Its acknowledged delete completed before {@code t}. */
    boolean deletedBefore(long t) {
        return deleteAcknowledged < t;
    }

    /** Its write completed before {@code other}'s was invoked: it is older in any order. */
    boolean definitelyBefore(Version other) {
        return effectEnd() < other.invoked();
    }

    @Override
    public String toString() {
        return (marker() ? "marker " : "version ") + versionId + " (op #" + write.op().id() + ")";
    }
}
