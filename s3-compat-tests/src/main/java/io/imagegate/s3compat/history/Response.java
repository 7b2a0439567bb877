package io.imagegate.s3compat.history;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What a client was told. {@link Rejected} is a definite answer that nothing changed (4xx);
 * {@link Unknown} (5xx, timeout, connection lost) may or may not have taken effect; every other
 * variant is a successful answer with its outputs.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "result")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Response.Written.class, name = "written"),
        @JsonSubTypes.Type(value = Response.Deleted.class, name = "deleted"),
        @JsonSubTypes.Type(value = Response.BatchDeleted.class, name = "batch"),
        @JsonSubTypes.Type(value = Response.Found.class, name = "found"),
        @JsonSubTypes.Type(value = Response.Missing.class, name = "missing"),
        @JsonSubTypes.Type(value = Response.VersionListing.class, name = "versions"),
        @JsonSubTypes.Type(value = Response.ObjectListing.class, name = "objects"),
        @JsonSubTypes.Type(value = Response.Rejected.class, name = "rejected"),
        @JsonSubTypes.Type(value = Response.Unknown.class, name = "unknown")})
public sealed interface Response {

    /** A PUT, copy or multipart upload acknowledged: the new version's id and ETag (and the copy's source version). */
    record Written(String versionId, String etag, String sourceVersionId) implements Response {}

    /** DeleteObject acknowledged: {@code versionId} is the marker's id when a marker was made, else the deleted version's. */
    record Deleted(String versionId, boolean deleteMarker) implements Response {}

    /** DeleteObjects answered 200: one result per requested target (a target the answer left out is {@link Outcome#UNKNOWN}). */
    record BatchDeleted(List<Entry> entries) implements Response {
        public BatchDeleted {
            entries = List.copyOf(entries);
        }
    }

    /** How one target of DeleteObjects ended. */
    enum Outcome { DELETED, REFUSED, UNKNOWN }

    /** One target's result; {@code markerVersionId} is the id of a delete marker the target made. */
    record Entry(String key, String versionId, Outcome outcome, boolean deleteMarker, String markerVersionId,
                 String code) {}

    /** GET or HEAD answered 200: the version served, its ETag, the SHA-256 of the bytes (GET only) and its tag. */
    record Found(String versionId, String etag, String sha256, String tag, long length) implements Response {}

    /**
     * GET or HEAD answered 404 (NoSuchKey, NoSuchVersion) or 405 (a delete marker named by id), with
     * the {@code x-amz-version-id} and {@code x-amz-delete-marker} headers of the answer.
     */
    record Missing(int status, String code, String versionId, boolean deleteMarker) implements Response {}

    /** Every page of a ListObjectVersions, entries in the order the answers gave them. */
    record VersionListing(List<VersionPage> pages) implements Response {
        public VersionListing {
            pages = List.copyOf(pages);
        }
    }

    /** One page: versions and delete markers interleaved as in the XML, and what it said about the rest. */
    record VersionPage(List<ListedVersion> entries, boolean truncated, String nextKeyMarker,
                       String nextVersionIdMarker) {
        public VersionPage {
            entries = List.copyOf(entries);
        }
    }

    /** A {@code <Version>} or {@code <DeleteMarker>} entry. */
    record ListedVersion(String key, String versionId, String etag, boolean latest, boolean deleteMarker) {}

    /** Every page of a ListObjectsV2. */
    record ObjectListing(List<ObjectPage> pages) implements Response {
        public ObjectListing {
            pages = List.copyOf(pages);
        }
    }

    /** One ListObjectsV2 page. */
    record ObjectPage(List<ListedObject> entries, boolean truncated, String nextContinuationToken) {
        public ObjectPage {
            entries = List.copyOf(entries);
        }
    }

    /** A {@code <Contents>} entry. */
    record ListedObject(String key, String etag) {}

    /** A definite refusal (4xx other than a read's 404/405): nothing changed. */
    record Rejected(int status, String code) implements Response {}

    /** 5xx, timeout or connection failure ({@code status} 0): the operation may or may not have taken effect. */
    record Unknown(int status, String code) implements Response {}
}
