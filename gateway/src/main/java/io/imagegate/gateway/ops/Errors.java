package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.MetadataException;

/** The one place where metadata failures become S3 errors. */
public final class Errors {

    private Errors() {}

    public static S3Exception toS3(MetadataException e, String bucket, String key) {
        S3Exception s3 = switch (e) {
            case MetadataException.NoSuchBucket x -> new S3Exception(S3ErrorCode.NO_SUCH_BUCKET).detail("BucketName", bucket);
            case MetadataException.BucketAlreadyExists x -> new S3Exception(S3ErrorCode.BUCKET_ALREADY_EXISTS).detail("BucketName", bucket);
            case MetadataException.BucketNotEmpty x -> new S3Exception(S3ErrorCode.BUCKET_NOT_EMPTY).detail("BucketName", bucket);
            case MetadataException.NoSuchKey x -> new S3Exception(S3ErrorCode.NO_SUCH_KEY).detail("Key", key);
            case MetadataException.NoSuchVersion x -> new S3Exception(S3ErrorCode.NO_SUCH_VERSION).detail("Key", key);
            case MetadataException.NoSuchUpload x -> new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD);
            case MetadataException.PreconditionFailed x -> new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
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
        return s3;
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
}
