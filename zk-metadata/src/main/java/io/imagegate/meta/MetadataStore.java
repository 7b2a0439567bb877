package io.imagegate.meta;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Buckets, object versions, multipart uploads and users: the gateway's whole view of metadata.
 * Every read is strongly consistent with every acknowledged write, through any gateway.
 * Failures are {@link MetadataException}s.
 */
public interface MetadataStore extends AutoCloseable {

    // ---- buckets

    /** @throws MetadataException.BucketAlreadyExists with the existing owner */
    BucketRecord createBucket(BucketRecord bucket);

    Optional<BucketRecord> bucket(String name);

    /** Every bucket, sorted by name. */
    List<BucketRecord> buckets();

    /**
     * Multipart uploads in progress do not keep a bucket alive: as in AWS S3 (general purpose
     * buckets), they are discarded with it.
     *
     * @throws MetadataException.BucketNotEmpty while any version or delete marker remains
     */
    void deleteBucket(String name);

    /** {@link #deleteBucket(String)} of {@code bucket} as the caller read it: only that incarnation, as publish. */
    void deleteBucket(BucketRecord bucket);

    /** Replaces the ACL or versioning state (compare-and-set on the bucket record). */
    BucketRecord updateBucket(BucketRecord updated);

    // ---- objects

    /** The current version of a key, delete marker included; empty when the key has none. */
    Optional<VersionRecord> current(String bucket, String key);

    /** @throws MetadataException.NoSuchVersion when the key has no such version */
    VersionRecord version(String bucket, String key, String versionId);

    /**
     * Publishes {@code draft} as the key's new current version, atomically, if {@code condition}
     * holds. The store assigns the version id from the bucket's versioning state: a new unique,
     * ordered id when enabled; {@code "null"} (replacing any null version) otherwise. Concurrent
     * publishers on one key, through any gateways, are totally ordered.
     *
     * @return the record as published, with its version id and time
     * @throws MetadataException.PreconditionFailed when the condition does not hold
     * @throws MetadataException.NoSuchKey for {@code IfMatch} on a key without current version
     */
    VersionRecord publish(String bucket, VersionDraft draft, WriteCondition condition);

    /**
     * {@link #publish(String, VersionDraft, WriteCondition)} for a write under {@code lease} into
     * {@code bucket} as the caller read (and authorized) it: the publish commits only while the
     * lease's owner session lives, releases the lease in the same ZooKeeper transaction, and, when the
     * record names an {@link BucketRecord#incarnation() incarnation}, only into that incarnation of the
     * bucket (NoSuchBucket once it was deleted, even if created again since). The lease is released
     * when this returns, and still held when it throws (close it as always). The gateway's write
     * path ({@code io.imagegate.gateway.write.GuardedWrite}) is its caller, after {@link WriteLease#check()}.
     */
    VersionRecord publish(BucketRecord bucket, VersionDraft draft, WriteCondition condition, WriteLease lease);

    /**
     * DeleteObject. Without a version id: removes the key (unversioned), or adds a delete marker
     * (enabled), or replaces the null version with a marker (suspended). With one: removes that
     * version permanently; the previous version becomes current when it was the current one.
     */
    DeleteResult delete(String bucket, String key, String versionId, WriteCondition condition);

    /** DeleteObject on behalf of {@code requester}, who owns any delete marker it creates. */
    default DeleteResult delete(String bucket, String key, String versionId, WriteCondition condition,
            String requester) {
        return delete(bucket, key, versionId, condition);
    }

    /**
     * DeleteObject in {@code bucket} as the caller read (and authorized) it: with an incarnation,
     * NoSuchBucket unless the bucket is still that incarnation when the delete commits.
     */
    DeleteResult delete(BucketRecord bucket, String key, String versionId, WriteCondition condition,
            String requester);

    /**
     * PutObjectAcl: replaces the canned ACL of one version, the current one when {@code versionId}
     * is null, atomically with respect to every other write to the key. Nothing else changes: not
     * the version id, its time, nor which version is current.
     *
     * @return the version as it is now stored
     * @throws MetadataException.NoSuchKey without a version id, when the key has no version
     * @throws MetadataException.NoSuchVersion when the key has no such version
     */
    VersionRecord setAcl(String bucket, String key, String versionId, CannedAcl acl);

    /** PutObjectAcl in {@code bucket} as the caller read it: only in its incarnation, as publish. */
    VersionRecord setAcl(BucketRecord bucket, String key, String versionId, CannedAcl acl);

    /** PutObjectAcl with a canned ACL or explicit grants, in {@code bucket} as the caller read it. */
    VersionRecord setAcl(BucketRecord bucket, String key, String versionId, AccessControlList acl);

    /** ListObjects: current versions that are not delete markers, in UTF-8 binary key order. */
    ListPage list(String bucket, ListQuery query);

    /** ListObjectVersions: every version and delete marker, keys ascending, newest version first. */
    VersionListPage listVersions(String bucket, VersionListQuery query);

    // ---- multipart uploads

    UploadRecord createUpload(String bucket, UploadRecord upload);

    /** CreateMultipartUpload in {@code bucket} as the caller read it: only into its incarnation, as publish. */
    UploadRecord createUpload(BucketRecord bucket, UploadRecord upload);

    /** @throws MetadataException.NoSuchUpload */
    UploadRecord upload(String bucket, String uploadId);

    /** Records a part, replacing an earlier upload of the same part number. */
    void putPart(String bucket, String uploadId, PartRecord part);

    /**
     * {@link #putPart(String, String, PartRecord)} for a part written under {@code lease}: the store
     * records it only while the lease's owner session lives, in the same transaction, as a publish
     * under a lease does. The lease stays open: close it as always. (The upload's record, which the
     * transaction checks, exists in one incarnation of {@code bucket} only: upload ids are never reused.)
     */
    void putPart(BucketRecord bucket, String uploadId, PartRecord part, WriteLease lease);

    /** Parts with numbers above {@code afterPart}, ascending, at most {@code max}. */
    List<PartRecord> parts(String bucket, String uploadId, int afterPart, int max);

    UploadListPage listUploads(String bucket, UploadListQuery query);

    /**
     * Publishes the assembled version and ends the upload in one transaction: either the
     * version is current and the upload gone, or neither.
     */
    VersionRecord completeUpload(String bucket, String uploadId, VersionDraft draft, WriteCondition condition);

    /**
     * {@link #completeUpload(String, String, VersionDraft, WriteCondition)} under {@code lease}, into
     * {@code bucket} as the caller read it: as {@link #publish(BucketRecord, VersionDraft, WriteCondition,
     * WriteLease)}, the lease's release and the bucket's incarnation checked in the same transaction.
     */
    VersionRecord completeUpload(BucketRecord bucket, String uploadId, VersionDraft draft, WriteCondition condition,
            WriteLease lease);

    /**
     * The version an already completed upload published, while the store still remembers it, so a
     * repeated CompleteMultipartUpload can answer as the first one did; empty otherwise.
     */
    default Optional<VersionRecord> completedUpload(String bucket, String uploadId) {
        return Optional.empty();
    }

    /** @throws MetadataException.NoSuchUpload */
    void abortUpload(String bucket, String uploadId);

    // ---- lifecycle configurations

    /**
     * The bucket's lifecycle configuration; empty when it has none.
     *
     * @throws MetadataException.NoSuchBucket
     */
    Optional<LifecycleConfiguration> lifecycle(String bucket);

    /**
     * Replaces the lifecycle configuration of {@code bucket} as the caller read (and authorized) it, as
     * a whole: only in its incarnation (NoSuchBucket once it was deleted, even if created again since),
     * as every write of a bucket's configuration.
     *
     * @throws MetadataException.NoSuchBucket
     * @throws MetadataException.RecordTooLarge when its stored form is too large (docs/FORMAT-zookeeper.md)
     */
    void putLifecycle(BucketRecord bucket, LifecycleConfiguration configuration);

    /** Removes the lifecycle configuration of {@code bucket} (only in its incarnation); nothing when it has none. */
    void deleteLifecycle(BucketRecord bucket);

    // ---- CORS configurations

    /**
     * The bucket's CORS configuration; empty when it has none.
     *
     * @throws MetadataException.NoSuchBucket
     */
    Optional<CorsConfiguration> cors(String bucket);

    /**
     * Replaces the CORS configuration of {@code bucket} as the caller read it, as a whole, only in its
     * incarnation (as {@link #putLifecycle}).
     *
     * @throws MetadataException.NoSuchBucket
     */
    void putCors(BucketRecord bucket, CorsConfiguration configuration);

    /** Removes the CORS configuration of {@code bucket} (only in its incarnation); nothing when it has none. */
    void deleteCors(BucketRecord bucket);

    // ---- access policies

    /**
     * The bucket's policy; empty when it has none.
     *
     * @throws MetadataException.NoSuchBucket
     */
    Optional<PolicyDocument> bucketPolicy(String bucket);

    /**
     * Replaces the policy of {@code bucket} as the caller read it, as a whole, only in its incarnation
     * (as {@link #putLifecycle}).
     *
     * @throws MetadataException.NoSuchBucket
     * @throws MetadataException.RecordTooLarge when its stored form is too large (docs/FORMAT-zookeeper.md)
     */
    void putBucketPolicy(BucketRecord bucket, PolicyDocument policy);

    /**
     * Removes the policy of {@code bucket} (only in its incarnation); nothing when it has none.
     *
     * @throws MetadataException.NoSuchBucket
     */
    void deleteBucketPolicy(BucketRecord bucket);

    /**
     * The policy of the user with this canonical id; empty when it has none. Read on every request
     * of the user, from memory; a change through another store shows once its watch fires.
     */
    Optional<PolicyDocument> userPolicy(String canonicalId);

    /**
     * Sets the policy of the user named {@code userName} (kept by its canonical id).
     *
     * @throws MetadataException.NoSuchUser
     * @throws IllegalArgumentException when its stored form is too large
     */
    void putUserPolicy(String userName, PolicyDocument policy);

    /**
     * Removes the user's policy.
     *
     * @return false when it had none
     * @throws MetadataException.NoSuchUser
     */
    boolean deleteUserPolicy(String userName);

    // ---- users

    /** @throws MetadataException.UserExists when the name or access key is taken */
    UserRecord createUser(UserRecord user);

    Optional<UserRecord> userByAccessKey(String accessKey);

    /**
     * The user with this canonical id ({@link CanonicalIds}), for showing an owner's name; may lag a
     * moment behind users created or deleted through another store.
     */
    default Optional<UserRecord> userById(String canonicalId) {
        return users().stream().filter(u -> u.canonicalId().equals(canonicalId)).findFirst();
    }

    /**
     * The one user with this e-mail address (ignoring case), for ACL grants by e-mail address; empty
     * when no user, or more than one, has it. May lag as {@link #userById} does.
     */
    default Optional<UserRecord> userByEmail(String email) {
        List<UserRecord> found = users().stream().filter(u -> u.email() != null && u.email().equalsIgnoreCase(email))
                .limit(2).toList();
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    /** The user with this name, as stored now. */
    default Optional<UserRecord> user(String name) {
        return users().stream().filter(u -> u.name().equals(name)).findFirst();
    }

    List<UserRecord> users();

    /** @throws MetadataException.NoSuchUser */
    void deleteUser(String name);

    // ---- garbage collection

    /**
     * Reports every manifest root the metadata holds: every version (current and not; delete
     * markers hold none) of every key, and every part of every upload in progress, of one bucket
     * (or of all buckets when {@code bucket} is null). Roots are reported as they are read, in
     * batches; nothing is held beyond one key's versions. A version or part that exists for the
     * whole call is reported at least once; one created or removed meanwhile may or may not be.
     *
     * @throws MetadataException.NoSuchBucket when the one bucket asked for does not exist
     */
    void visitLiveRoots(String bucket, LiveRoot.Visitor visitor);

    /**
     * Opens a {@link WriteLease} pinning {@code manifests} (possibly none) for a write that is about
     * to reuse their chunks or write new ones; see {@link WriteLease} for the protocol every write
     * path follows.
     */
    WriteLease openLease(Collection<String> manifests);

    @Override
    void close();

    // ---- results and queries

    /** What DeleteObject did: the version id it removed or created, and whether that is a marker. */
    record DeleteResult(String versionId, boolean deleteMarker) {}

    /**
     * @param startAfter exclusive: a key or a common prefix already returned; null to start at
     *                   the beginning
     * @param step       run before each window of keys the listing reads (up to 1000 at a time; a
     *                   page may need many when keys under delete markers are passed over): an
     *                   exception it throws stops the listing and propagates as it is (the gateway
     *                   stops the listing of a client that hung up)
     */
    record ListQuery(String prefix, String delimiter, String startAfter, int maxKeys, Runnable step) {
        public ListQuery(String prefix, String delimiter, String startAfter, int maxKeys) {
            this(prefix, delimiter, startAfter, maxKeys, NO_STEP);
        }
    }

    /** A listing's {@code step} that does nothing. */
    Runnable NO_STEP = () -> { };

    /** @param nextMarker the last key or common prefix in this page, when truncated */
    record ListPage(List<VersionRecord> contents, List<String> commonPrefixes, boolean truncated,
                    String nextMarker) {}

    /** @param step as {@link ListQuery#step}, also run before each batch of a key's older versions */
    record VersionListQuery(String prefix, String delimiter, String keyMarker, String versionIdMarker,
                            int maxKeys, Runnable step) {
        public VersionListQuery(String prefix, String delimiter, String keyMarker, String versionIdMarker,
                                int maxKeys) {
            this(prefix, delimiter, keyMarker, versionIdMarker, maxKeys, NO_STEP);
        }
    }

    record VersionEntry(VersionRecord version, boolean latest) {}

    record VersionListPage(List<VersionEntry> versions, List<String> commonPrefixes, boolean truncated,
                           String nextKeyMarker, String nextVersionIdMarker) {}

    record UploadListQuery(String prefix, String delimiter, String keyMarker, String uploadIdMarker,
                           int maxUploads) {}

    record UploadListPage(List<UploadRecord> uploads, List<String> commonPrefixes, boolean truncated,
                          String nextKeyMarker, String nextUploadIdMarker) {}
}
