package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.Versioning;

/** Finding the version a request names, with S3's answers for markers and bad version ids. */
final class Versions {

    private Versions() {}

    /**
     * The version a read names: the current one, or {@code versionId}. A current delete marker is
     * 404 NoSuchKey with {@code x-amz-delete-marker}; a marker named by id is 405, allowing only DELETE.
     *
     * @param method the request's method, which a 405 names
     */
    static VersionRecord forRead(MetadataStore meta, BucketRecord bucket, String key, String versionId,
            String method) {
        if (versionId == null) {
            VersionRecord current = meta.current(bucket.name(), key).orElseThrow(() -> Errors.noSuchKey(key));
            if (current.deleteMarker()) {
                throw Errors.noSuchKey(key).header("x-amz-delete-marker", "true")
                        .header("x-amz-version-id", current.versionId());
            }
            return current;
        }
        VersionRecord v = byId(meta, bucket, key, versionId);
        if (v.deleteMarker()) {
            throw new S3Exception(S3ErrorCode.METHOD_NOT_ALLOWED).detail("Method", method)
                    .detail("ResourceType", "DeleteMarker").header("Allow", "DELETE")
                    .header("x-amz-delete-marker", "true").header("x-amz-version-id", v.versionId())
                    .header("Last-Modified", io.imagegate.gateway.http.HttpDates.rfc1123(v.lastModified()));
        }
        return v;
    }

    /**
     * A version by id: NoSuchVersion for a well-formed id that is absent and InvalidArgument for a
     * malformed one, as {@link Errors#toS3} answers the store's refusals.
     */
    static VersionRecord byId(MetadataStore meta, BucketRecord bucket, String key, String versionId) {
        return meta.version(bucket.name(), key, versionId);
    }

    /**
     * The x-amz-version-id a write that published {@code v} returns (PutObject, CopyObject,
     * CompleteMultipartUpload, the commit extension): the new version's id, and none when it was
     * written as the null version, in an unversioned bucket or a suspended one, as S3 answers.
     * Decided by what was published, not by the bucket's (cached) versioning state.
     */
    static String writtenVersionId(VersionRecord v) {
        return VersionRecord.NULL_VERSION.equals(v.versionId()) ? null : v.versionId();
    }

    /** The x-amz-version-id S3 returns on reads: none for buckets that never had versioning. */
    static String headerVersionId(BucketRecord bucket, VersionRecord v) {
        return bucket.versioning() == Versioning.UNVERSIONED ? null : v.versionId();
    }
}
