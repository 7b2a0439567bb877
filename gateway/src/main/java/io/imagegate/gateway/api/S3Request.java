package io.imagegate.gateway.api;

/**
 * One S3 operation, parsed once from method, path, query and headers. Each record names what
 * the operation acts on; {@link #access()} says what the caller must be allowed. The router
 * dispatches with an exhaustive switch, so an operation without a handler does not compile.
 */
public sealed interface S3Request {

    Access access();

    /** The bucket the operation acts on; null for service-level operations. */
    default String bucket() {
        return null;
    }

    /** Operations on one object: the bucket and the key. */
    sealed interface ObjectRequest extends S3Request {
        String key();
    }

    // ---- service

    record ListBuckets() implements S3Request {
        public Access access() { return Access.AUTHENTICATED; }
    }

    /** {@code GET /?storage-report[&bucket=B]}: administrators only (docs/API.md). */
    record GetStorageReport(String onlyBucket) implements S3Request {
        public Access access() { return Access.AUTHENTICATED; }
    }

    // ---- buckets

    record CreateBucket(String bucket) implements S3Request {
        public Access access() { return Access.AUTHENTICATED; }
    }

    record HeadBucket(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_READ; }
    }

    record DeleteBucket(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record GetBucketLocation(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record GetBucketVersioning(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record PutBucketVersioning(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record GetBucketAcl(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record PutBucketAcl(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    /** ListObjects (v1) and ListObjectsV2 share everything but their markers and field names. */
    record ListObjects(String bucket, ListParams params) implements S3Request {
        public Access access() { return Access.BUCKET_READ; }
    }

    record ListObjectVersions(String bucket, String prefix, String delimiter, String keyMarker,
                              String versionIdMarker, int maxKeys, boolean urlEncoding) implements S3Request {
        public Access access() { return Access.BUCKET_READ; }
    }

    record ListMultipartUploads(String bucket, String prefix, String delimiter, String keyMarker,
                                String uploadIdMarker, int maxUploads, boolean urlEncoding) implements S3Request {
        public Access access() { return Access.BUCKET_READ; }
    }

    record DeleteObjects(String bucket) implements S3Request {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    // ---- objects

    record GetObject(String bucket, String key, String versionId, Integer partNumber, boolean head)
            implements ObjectRequest {
        public Access access() { return Access.OBJECT_READ; }
    }

    record PutObject(String bucket, String key) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record CopyObject(String bucket, String key, CopySource source) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record DeleteObject(String bucket, String key, String versionId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record GetObjectAcl(String bucket, String key, String versionId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    record PutObjectAcl(String bucket, String key, String versionId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_OWNER; }
    }

    // ---- multipart uploads

    record CreateMultipartUpload(String bucket, String key) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record UploadPart(String bucket, String key, String uploadId, int partNumber) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record UploadPartCopy(String bucket, String key, String uploadId, int partNumber, CopySource source)
            implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record CompleteMultipartUpload(String bucket, String key, String uploadId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record AbortMultipartUpload(String bucket, String key, String uploadId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    record ListParts(String bucket, String key, String uploadId, int maxParts, int partNumberMarker)
            implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    // ---- imagegate's extensions for image clients (docs/API.md)

    /** {@code GET ?manifest}: a version's chunk list, {@code maxChunks} from the chunk holding byte {@code offset}. */
    record GetManifest(String bucket, String key, String versionId, long offset, int maxChunks)
            implements ObjectRequest {
        public Access access() { return Access.OBJECT_READ; }
    }

    /** {@code POST ?missing-chunks}: which hashes a commit on version {@code versionId} (null: current) would upload. */
    record MissingChunks(String bucket, String key, String versionId) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
    }

    /** {@code POST ?commit}: a new version from a base version and the chunks that changed. */
    record CommitVersion(String bucket, String key) implements ObjectRequest {
        public Access access() { return Access.BUCKET_WRITE; }
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

    /** {@code x-amz-copy-source}: bucket, key and optional version id, already decoded. */
    record CopySource(String bucket, String key, String versionId) {}
}
