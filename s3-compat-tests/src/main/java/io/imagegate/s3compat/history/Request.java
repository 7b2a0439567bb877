package io.imagegate.s3compat.history;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** What a client asked of S3 in one operation of a history: the inputs, before any answer. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Request.Put.class, name = "put"),
        @JsonSubTypes.Type(value = Request.Copy.class, name = "copy"),
        @JsonSubTypes.Type(value = Request.Multipart.class, name = "multipart"),
        @JsonSubTypes.Type(value = Request.Delete.class, name = "delete"),
        @JsonSubTypes.Type(value = Request.DeleteBatch.class, name = "delete-objects"),
        @JsonSubTypes.Type(value = Request.Get.class, name = "get"),
        @JsonSubTypes.Type(value = Request.ListVersions.class, name = "list-versions"),
        @JsonSubTypes.Type(value = Request.ListObjects.class, name = "list-objects")})
public sealed interface Request {

    String bucket();

    /** True for the requests that may change what is stored. */
    default boolean mutates() {
        return !(this instanceof Get || this instanceof ListVersions || this instanceof ListObjects);
    }

    /**
     * PutObject of {@code body}; {@code ifNoneMatch} sends {@code If-None-Match: *}, a non-null
     * {@code ifMatch} sends {@code If-Match} with that ETag.
     */
    record Put(String bucket, String key, Body body, boolean ifNoneMatch, String ifMatch) implements Request {
        public static Put plain(String bucket, String key, Body body) {
            return new Put(bucket, key, body, false, null);
        }

        public boolean conditional() {
            return ifNoneMatch || ifMatch != null;
        }
    }

    /** CopyObject of a source (its current version, or {@code sourceVersionId}) with metadata replaced by {@code tag}. */
    record Copy(String bucket, String key, String sourceBucket, String sourceKey, String sourceVersionId, String tag)
            implements Request {}

    /** CreateMultipartUpload, one UploadPart of {@code body}, CompleteMultipartUpload. */
    record Multipart(String bucket, String key, Body body) implements Request {}

    /** DeleteObject: of one version when {@code versionId} is set, else of the key (a delete marker when versioned). */
    record Delete(String bucket, String key, String versionId) implements Request {}

    /** DeleteObjects (verbose) of several keys or versions at once. */
    record DeleteBatch(String bucket, List<Target> targets) implements Request {
        public DeleteBatch {
            targets = List.copyOf(targets);
        }
    }

    /** One entry of a DeleteObjects request. */
    record Target(String key, String versionId) {}

    /** GetObject ({@code head}: HeadObject) of the current version, or of {@code versionId}. */
    record Get(String bucket, String key, String versionId, boolean head) implements Request {}

    /** ListObjectVersions under {@code prefix}, every page followed, {@code maxKeys} per page. */
    record ListVersions(String bucket, String prefix, int maxKeys) implements Request {}

    /** ListObjectsV2 under {@code prefix}, every page followed, {@code maxKeys} per page. */
    record ListObjects(String bucket, String prefix, int maxKeys) implements Request {}
}
