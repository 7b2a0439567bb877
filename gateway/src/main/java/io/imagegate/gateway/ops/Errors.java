package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.MetadataException;

/**
 * The one place where metadata failures become S3 errors: {@link #toS3} is used by the request
 * handler for whatever an operation lets through, and by loops that answer item by item
 * (DeleteObjects), so a failure reads the same wherever it happens.
 */
public final class Errors {

    private Errors() {}

    /**
     * The S3 error for a metadata failure. Each failure carries what its answer names (bucket, key,
     * version id, argument); {@code method} is the request's, for the 405 that names it.
     */
    public static S3Exception toS3(MetadataException e, String method) {
        return switch (e) {
            case MetadataException.NoSuchBucket x -> noSuchBucket(x.bucket());
            case MetadataException.BucketAlreadyExists x ->
                    new S3Exception(S3ErrorCode.BUCKET_ALREADY_EXISTS).detail("BucketName", x.bucket());
            case MetadataException.BucketNotEmpty x ->
                    new S3Exception(S3ErrorCode.BUCKET_NOT_EMPTY).detail("BucketName", x.bucket());
            case MetadataException.NoSuchKey x -> noSuchKey(x.key());
            case MetadataException.NoSuchVersion x -> new S3Exception(S3ErrorCode.NO_SUCH_VERSION)
                    .detail("Key", x.key()).detail("VersionId", x.versionId());
            case MetadataException.NoSuchUpload x ->
                    new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD).detail("UploadId", x.uploadId());
            case MetadataException.PreconditionFailed x -> new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
            case MetadataException.InvalidVersionId x ->
                    invalidArgument("Invalid version id specified", x.argument(), x.versionId());
            case MetadataException.InvalidKey x -> x.tooLong() ? new S3Exception(S3ErrorCode.KEY_TOO_LONG)
                    : new S3Exception(S3ErrorCode.INVALID_ARGUMENT, capitalized(x.getMessage()) + ".");
            case MetadataException.InvalidArgument x -> invalidArgument(x.getMessage(), x.argument(), x.value());
            case MetadataException.IsDeleteMarker x -> new S3Exception(S3ErrorCode.METHOD_NOT_ALLOWED)
                    .detail("Method", method).detail("ResourceType", "DeleteMarker").header("Allow", "DELETE")
                    .header("x-amz-delete-marker", "true").header("x-amz-version-id", x.versionId());
            case MetadataException.RecordTooLarge x -> new S3Exception(S3ErrorCode.INVALID_REQUEST, "The " + x.what()
                    + " is too large for imagegate to store: " + x.getMessage());
            case MetadataException.UserExists x -> new S3Exception(S3ErrorCode.INVALID_REQUEST, e.getMessage());
            case MetadataException.NoSuchUser x -> new S3Exception(S3ErrorCode.INVALID_ACCESS_KEY_ID);
            case MetadataException.Unavailable x -> new S3Exception(S3ErrorCode.SERVICE_UNAVAILABLE,
                    "The metadata service is unavailable; nothing was changed. Please retry.", e).header("Retry-After", "1");
            // AWS documents InternalError as the answer after which "a subsequent GET might retrieve the old
            // value or the updated value" (S3 error best practices); 503 would say the request was not processed
            case MetadataException.OutcomeUnknown x -> new S3Exception(S3ErrorCode.INTERNAL_ERROR,
                    "The connection to the metadata service was lost while this request was being applied: it may "
                            + "or may not have been applied. Read the resource back before retrying.", e);
        };
    }

    public static S3Exception noSuchBucket(String bucket) {
        return new S3Exception(S3ErrorCode.NO_SUCH_BUCKET).detail("BucketName", bucket);
    }

    public static S3Exception noSuchKey(String key) {
        return new S3Exception(S3ErrorCode.NO_SUCH_KEY).detail("Key", key);
    }

    public static S3Exception invalidArgument(String message, String name, String value) {
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, message).detail("ArgumentName", name).detail("ArgumentValue", value);
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
