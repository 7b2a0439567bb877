package io.imagegate.s3compat.history;

/**
 * One write to one key as the checker sees it: a PUT, copy or multipart upload, or a delete that
 * makes a delete marker (in a batch, one target of it). {@code versionId} is null until the answer
 * (or, for an unknown outcome, a later read) names the version it made. {@code sourceVersionId}
 * names a copy's source, whose bytes a copy has.
 */
record Write(Op op, String key, long invoked, long effectEnd, boolean acknowledged, boolean marker, String versionId,
             String etag, String sha256, String tag, String sourceBucket, String sourceKey, String sourceVersionId) {

    boolean copy() {
        return sourceKey != null;
    }

    Write withVersionId(String id) {
        return new Write(op, key, invoked, effectEnd, acknowledged, marker, id, etag, sha256, tag, sourceBucket,
                sourceKey, sourceVersionId);
    }
}
