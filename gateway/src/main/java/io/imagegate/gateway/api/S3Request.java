package io.imagegate.gateway.api;

/**
 * One S3 operation, parsed once from method, path, query and headers. Each record names what
 * the operation acts on; {@link #action()} says what it does, by the name permissions use, and from
 * it what the caller must be allowed ({@link #access()}). The router dispatches with an exhaustive
 * switch, so an operation without a handler does not compile.
 */
public sealed interface S3Request {

    /** The action this operation is, for authorization (and, later, policies naming it). */
    Action action();

    /** What the canned ACLs must grant on the bucket, derived from the action. */
    default Access access() {
        return action().need();
    }

    /** The bucket the operation acts on; null for service-level operations. */
    default String bucket() {
        return null;
    }

    /** Operations on one object: the bucket and the key. */
    sealed interface ObjectRequest extends S3Request {
        String key();

        /** The version the request names ({@code versionId}), for the {@code s3:VersionId} condition key; null when none. */
        default String versionId() {
            return null;
        }
    }

    // ---- service

    /** ListBuckets, unpaged or paged ({@link ListBucketsParams#paged()}). */
    record ListBuckets(ListBucketsParams params) implements S3Request {
        public Action action() { return Action.LIST_BUCKETS; }
    }

    /** {@code GET /?storage-report[&bucket=B]}: administrators only (docs/API.md). */
    record GetStorageReport(String onlyBucket) implements S3Request {
        public Action action() { return Action.GET_STORAGE_REPORT; }
    }

    // ---- buckets

    record CreateBucket(String bucket) implements S3Request {
        public Action action() { return Action.CREATE_BUCKET; }
    }

    record HeadBucket(String bucket) implements S3Request {
        public Action action() { return Action.HEAD_BUCKET; }
    }

    record DeleteBucket(String bucket) implements S3Request {
        public Action action() { return Action.DELETE_BUCKET; }
    }

    record GetBucketLocation(String bucket) implements S3Request {
        public Action action() { return Action.GET_BUCKET_LOCATION; }
    }

    record GetBucketVersioning(String bucket) implements S3Request {
        public Action action() { return Action.GET_BUCKET_VERSIONING; }
    }

    record PutBucketVersioning(String bucket) implements S3Request {
        public Action action() { return Action.PUT_BUCKET_VERSIONING; }
    }

    record GetBucketAcl(String bucket) implements S3Request {
        public Action action() { return Action.GET_BUCKET_ACL; }
    }

    record PutBucketAcl(String bucket) implements S3Request {
        public Action action() { return Action.PUT_BUCKET_ACL; }
    }

    /** {@code PUT ?lifecycle}: replaces the bucket's lifecycle rules (s3:PutLifecycleConfiguration). */
    record PutBucketLifecycleConfiguration(String bucket) implements S3Request {
        public Action action() { return Action.PUT_LIFECYCLE_CONFIGURATION; }
    }

    /** {@code PUT ?cors}: replaces the bucket's CORS rules (s3:PutBucketCORS). */
    record PutBucketCors(String bucket) implements S3Request {
        public Action action() { return Action.PUT_BUCKET_CORS; }
    }

    /** {@code GET ?cors} (s3:GetBucketCORS). */
    record GetBucketCors(String bucket) implements S3Request {
        public Action action() { return Action.GET_BUCKET_CORS; }
    }

    /** {@code DELETE ?cors}: S3 names its permission s3:PutBucketCORS too. */
    record DeleteBucketCors(String bucket) implements S3Request {
        public Action action() { return Action.DELETE_BUCKET_CORS; }
    }

    /** {@code GET ?lifecycle} (s3:GetLifecycleConfiguration). */
    record GetBucketLifecycleConfiguration(String bucket) implements S3Request {
        public Action action() { return Action.GET_LIFECYCLE_CONFIGURATION; }
    }

    /** {@code DELETE ?lifecycle}: S3 names its permission s3:PutLifecycleConfiguration too. */
    record DeleteBucketLifecycle(String bucket) implements S3Request {
        public Action action() { return Action.DELETE_BUCKET_LIFECYCLE; }
    }

    /** {@code GET ?policy}: the bucket policy as it was set. */
    record GetBucketPolicy(String bucket) implements S3Request {
        public Action action() { return Action.GET_BUCKET_POLICY; }
    }

    /** {@code PUT ?policy}: replaces the bucket policy. */
    record PutBucketPolicy(String bucket) implements S3Request {
        public Action action() { return Action.PUT_BUCKET_POLICY; }
    }

    /** {@code DELETE ?policy}. */
    record DeleteBucketPolicy(String bucket) implements S3Request {
        public Action action() { return Action.DELETE_BUCKET_POLICY; }
    }

    /** ListObjects (v1) and ListObjectsV2 share everything but their markers and field names. */
    record ListObjects(String bucket, ListParams params) implements S3Request {
        public Action action() { return Action.LIST_OBJECTS; }
    }

    record ListObjectVersions(String bucket, String prefix, String delimiter, String keyMarker,
                              String versionIdMarker, int maxKeys, boolean urlEncoding) implements S3Request {
        public Action action() { return Action.LIST_OBJECT_VERSIONS; }
    }

    record ListMultipartUploads(String bucket, String prefix, String delimiter, String keyMarker,
                                String uploadIdMarker, int maxUploads, boolean urlEncoding) implements S3Request {
        public Action action() { return Action.LIST_MULTIPART_UPLOADS; }
    }

    record DeleteObjects(String bucket) implements S3Request {
        public Action action() { return Action.DELETE_OBJECTS; }
    }

    // ---- objects

    record GetObject(String bucket, String key, String versionId, Integer partNumber, boolean head)
            implements ObjectRequest {
        public Action action() { return versionId == null ? Action.GET_OBJECT : Action.GET_OBJECT_VERSION; }
    }

    record PutObject(String bucket, String key) implements ObjectRequest {
        public Action action() { return Action.PUT_OBJECT; }
    }

    record CopyObject(String bucket, String key, CopySource source) implements ObjectRequest {
        public Action action() { return Action.COPY_OBJECT; }
    }

    record DeleteObject(String bucket, String key, String versionId) implements ObjectRequest {
        public Action action() { return versionId == null ? Action.DELETE_OBJECT : Action.DELETE_OBJECT_VERSION; }
    }

    record GetObjectAcl(String bucket, String key, String versionId) implements ObjectRequest {
        public Action action() { return versionId == null ? Action.GET_OBJECT_ACL : Action.GET_OBJECT_VERSION_ACL; }
    }

    record PutObjectAcl(String bucket, String key, String versionId) implements ObjectRequest {
        public Action action() { return versionId == null ? Action.PUT_OBJECT_ACL : Action.PUT_OBJECT_VERSION_ACL; }
    }

    // ---- multipart uploads

    record CreateMultipartUpload(String bucket, String key) implements ObjectRequest {
        public Action action() { return Action.CREATE_MULTIPART_UPLOAD; }
    }

    record UploadPart(String bucket, String key, String uploadId, int partNumber) implements ObjectRequest {
        public Action action() { return Action.UPLOAD_PART; }
    }

    record UploadPartCopy(String bucket, String key, String uploadId, int partNumber, CopySource source)
            implements ObjectRequest {
        public Action action() { return Action.UPLOAD_PART_COPY; }
    }

    record CompleteMultipartUpload(String bucket, String key, String uploadId) implements ObjectRequest {
        public Action action() { return Action.COMPLETE_MULTIPART_UPLOAD; }
    }

    record AbortMultipartUpload(String bucket, String key, String uploadId) implements ObjectRequest {
        public Action action() { return Action.ABORT_MULTIPART_UPLOAD; }
    }

    record ListParts(String bucket, String key, String uploadId, int maxParts, int partNumberMarker)
            implements ObjectRequest {
        public Action action() { return Action.LIST_PARTS; }
    }

    // ---- imagegate's extensions for image clients (docs/API.md)

    /**
     * {@code GET ?manifest}: a version's chunk list, {@code maxChunks} from the chunk holding byte
     * {@code offset}, as JSON or as fixed-size binary records ({@code format=binary}).
     */
    record GetManifest(String bucket, String key, String versionId, long offset, int maxChunks, boolean binary)
            implements ObjectRequest {
        public Action action() { return Action.GET_MANIFEST; }
    }

    /** {@code POST ?missing-chunks}: which hashes a commit on version {@code versionId} (null: current) would upload. */
    record MissingChunks(String bucket, String key, String versionId) implements ObjectRequest {
        public Action action() { return Action.GET_MISSING_CHUNKS; }
    }

    /** {@code POST ?commit}: a new version from a base version and the chunks that changed. */
    record CommitVersion(String bucket, String key) implements ObjectRequest {
        public Action action() { return Action.COMMIT_VERSION; }
    }

    // ---- parameters

    /**
     * The parameters of ListObjects and ListObjectsV2.
     *
     * @param marker v1's marker, or v2's start-after
     * @param continuationToken v2 only, as the client sent it
     */
    record ListParams(boolean v2, String prefix, String delimiter, String marker, String continuationToken,
                      int maxKeys, boolean urlEncoding, boolean fetchOwner) {}

    /**
     * The parameters of ListBuckets, each null when not sent. Any of them makes the listing paged:
     * at most {@code maxBuckets} (10000 by default) buckets, then a continuation token.
     *
     * @param continuationToken as the client sent it (an empty one is taken as none)
     */
    record ListBucketsParams(Integer maxBuckets, String continuationToken, String prefix, String bucketRegion) {
        public static final ListBucketsParams NONE = new ListBucketsParams(null, null, null, null);

        public boolean paged() {
            return maxBuckets != null || continuationToken != null || prefix != null || bucketRegion != null;
        }
    }

    /** {@code x-amz-copy-source}: bucket, key and optional version id, already decoded. */
    record CopySource(String bucket, String key, String versionId) {}
}
