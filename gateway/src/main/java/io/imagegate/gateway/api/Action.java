package io.imagegate.gateway.api;

/**
 * What an operation does, by the name a permission names it: each {@link S3Request} variant is one
 * action, so who may do what is decided from the variant itself. {@link #iamName()} is the action of
 * AWS's IAM and bucket policies ({@code s3:GetObject}) or, for imagegate's extensions, the same form
 * under {@code imagegate:}; {@link #need()} is what the ACLs must grant (see
 * {@link io.imagegate.gateway.ops.AccessControl}, where grants and policies plug in).
 */
public enum Action {
    LIST_BUCKETS("s3:ListAllMyBuckets", Access.AUTHENTICATED),
    GET_STORAGE_REPORT("imagegate:GetStorageReport", Access.ADMIN),
    CREATE_BUCKET("s3:CreateBucket", Access.AUTHENTICATED),
    HEAD_BUCKET("s3:ListBucket", Access.BUCKET_READ),
    DELETE_BUCKET("s3:DeleteBucket", Access.BUCKET_OWNER),
    GET_BUCKET_LOCATION("s3:GetBucketLocation", Access.BUCKET_OWNER),
    GET_BUCKET_VERSIONING("s3:GetBucketVersioning", Access.BUCKET_OWNER),
    PUT_BUCKET_VERSIONING("s3:PutBucketVersioning", Access.BUCKET_OWNER),
    GET_BUCKET_ACL("s3:GetBucketAcl", Access.BUCKET_READ_ACP),
    PUT_BUCKET_ACL("s3:PutBucketAcl", Access.BUCKET_WRITE_ACP),
    PUT_LIFECYCLE_CONFIGURATION("s3:PutLifecycleConfiguration", Access.BUCKET_OWNER),
    GET_LIFECYCLE_CONFIGURATION("s3:GetLifecycleConfiguration", Access.BUCKET_OWNER),
    /** DeleteBucketLifecycle: S3 names it {@code s3:PutLifecycleConfiguration} too. */
    DELETE_BUCKET_LIFECYCLE("s3:PutLifecycleConfiguration", Access.BUCKET_OWNER),
    PUT_BUCKET_CORS("s3:PutBucketCORS", Access.BUCKET_OWNER),
    GET_BUCKET_CORS("s3:GetBucketCORS", Access.BUCKET_OWNER),
    /** DeleteBucketCors: S3 names it {@code s3:PutBucketCORS} too. */
    DELETE_BUCKET_CORS("s3:PutBucketCORS", Access.BUCKET_OWNER),
    /** The three bucket-policy operations: the owner's and administrators', whatever a policy says (see {@link #managesPolicy}). */
    GET_BUCKET_POLICY("s3:GetBucketPolicy", Access.BUCKET_OWNER),
    PUT_BUCKET_POLICY("s3:PutBucketPolicy", Access.BUCKET_OWNER),
    DELETE_BUCKET_POLICY("s3:DeleteBucketPolicy", Access.BUCKET_OWNER),
    LIST_OBJECTS("s3:ListBucket", Access.BUCKET_READ),
    LIST_OBJECT_VERSIONS("s3:ListBucketVersions", Access.BUCKET_READ),
    LIST_MULTIPART_UPLOADS("s3:ListBucketMultipartUploads", Access.BUCKET_READ),
    /** DeleteObjects: {@code s3:DeleteObject} (or {@code s3:DeleteObjectVersion}) on each key it names, decided key by key. */
    DELETE_OBJECTS("s3:DeleteObject", Access.BUCKET_WRITE),
    GET_OBJECT("s3:GetObject", Access.OBJECT_READ),
    GET_OBJECT_VERSION("s3:GetObjectVersion", Access.OBJECT_READ),
    PUT_OBJECT("s3:PutObject", Access.BUCKET_WRITE),
    /** CopyObject: {@code s3:PutObject} here, and reading the source ({@link #GET_OBJECT} there). */
    COPY_OBJECT("s3:PutObject", Access.BUCKET_WRITE),
    DELETE_OBJECT("s3:DeleteObject", Access.BUCKET_WRITE),
    DELETE_OBJECT_VERSION("s3:DeleteObjectVersion", Access.BUCKET_WRITE),
    GET_OBJECT_ACL("s3:GetObjectAcl", Access.OBJECT_ACP),
    GET_OBJECT_VERSION_ACL("s3:GetObjectVersionAcl", Access.OBJECT_ACP),
    PUT_OBJECT_ACL("s3:PutObjectAcl", Access.OBJECT_ACP),
    PUT_OBJECT_VERSION_ACL("s3:PutObjectVersionAcl", Access.OBJECT_ACP),
    CREATE_MULTIPART_UPLOAD("s3:PutObject", Access.BUCKET_WRITE),
    UPLOAD_PART("s3:PutObject", Access.BUCKET_WRITE),
    /** UploadPartCopy: {@code s3:PutObject} here, and reading the source. */
    UPLOAD_PART_COPY("s3:PutObject", Access.BUCKET_WRITE),
    COMPLETE_MULTIPART_UPLOAD("s3:PutObject", Access.BUCKET_WRITE),
    ABORT_MULTIPART_UPLOAD("s3:AbortMultipartUpload", Access.BUCKET_WRITE),
    LIST_PARTS("s3:ListMultipartUploadParts", Access.BUCKET_WRITE),
    /** {@code ?manifest}: reads the version's chunk list, so it needs what GetObject needs. */
    GET_MANIFEST("imagegate:GetManifest", Access.OBJECT_READ),
    /** {@code ?missing-chunks}: writing, and reading the base version it answers about. */
    GET_MISSING_CHUNKS("imagegate:GetMissingChunks", Access.BUCKET_WRITE),
    /** {@code ?commit}: writing a new version, and reading the base version whose bytes it keeps. */
    COMMIT_VERSION("imagegate:CommitVersion", Access.BUCKET_WRITE);

    private final String iamName;
    private final Access need;

    Action(String iamName, Access need) {
        this.iamName = iamName;
        this.need = need;
    }

    /**
     * Whether this is one of the bucket-policy operations, which no policy grants and no bucket policy
     * denies to the bucket's owner or an administrator (so an owner cannot lock itself out, as in AWS):
     * only a deny in the caller's own user policy refuses them.
     */
    public boolean managesPolicy() {
        return this == GET_BUCKET_POLICY || this == PUT_BUCKET_POLICY || this == DELETE_BUCKET_POLICY;
    }

    /** The policy action name, e.g. {@code s3:PutObject} or {@code imagegate:CommitVersion}. */
    public String iamName() {
        return iamName;
    }

    /** What the bucket's ACL must grant (objects are decided per version). */
    public Access need() {
        return need;
    }

    /**
     * Whether the operation reuses or reveals the bytes of another version than the one it writes
     * (copy sources, a commit's base, the base {@code ?missing-chunks} answers about): it then also
     * needs read access to that version ({@code AccessControl.requireRead}).
     */
    public boolean readsSource() {
        return this == COPY_OBJECT || this == UPLOAD_PART_COPY || this == GET_MISSING_CHUNKS || this == COMMIT_VERSION;
    }
}
