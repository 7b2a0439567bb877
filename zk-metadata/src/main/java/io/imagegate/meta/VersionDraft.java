package io.imagegate.meta;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A version a writer asks the store to publish: everything but its id and time, which the store
 * assigns ({@link MetadataStore#publish}). Built with {@link #builder(String)}, field by name:
 * <pre>{@code
 * VersionDraft.builder(key).owner(owner).bytes(size, etag, root.encode())
 *         .checksums(Map.of("CRC64NVME", value), ChecksumType.FULL_OBJECT).acl(acl).build();
 * }</pre>
 * A draft of an object always has an owner, an ETag, a manifest and an ACL; only the store makes
 * delete markers.
 *
 * @param checksumType how the checksums relate to the bytes; null when there are none
 */
public record VersionDraft(
        String key,
        boolean deleteMarker,
        String owner,
        long size,
        String etag,
        String manifest,
        int partCount,
        Map<String, String> headers,
        Map<String, String> userMetadata,
        Map<String, String> checksums,
        ChecksumType checksumType,
        CannedAcl acl,
        List<Grant> grants) {

    public VersionDraft {
        Objects.requireNonNull(key, "key");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
        checksums = checksums == null ? Map.of() : Map.copyOf(checksums);
        grants = grants == null ? null : List.copyOf(grants);
        if (checksums.isEmpty()) {
            checksumType = null; // absent without checksums (docs/FORMAT-zookeeper.md, "Version")
        }
    }

    public static Builder builder(String key) {
        return new Builder(key);
    }

    /** A delete marker owned by {@code owner}: no bytes, no ETag, no ACL. */
    static VersionDraft deleteMarker(String key, String owner) {
        return new VersionDraft(key, true, owner, 0, null, null, 0, null, null, null, null, null, null);
    }

    /** The version this draft becomes when published with {@code versionId} at {@code when}. */
    VersionRecord publishedAs(String versionId, Instant when) {
        return new VersionRecord(key, versionId, deleteMarker, owner, when, size, etag, manifest, partCount, headers,
                userMetadata, checksums, checksumType, acl, grants);
    }

    /** Builds a draft field by field; {@link #build()} checks that an object draft is complete. */
    public static final class Builder {
        private final String key;
        private String owner;
        private long size = -1;
        private String etag;
        private String manifest;
        private int partCount;
        private Map<String, String> headers = Map.of();
        private Map<String, String> userMetadata = Map.of();
        private Map<String, String> checksums = Map.of();
        private ChecksumType checksumType;
        private AccessControlList acl = AccessControlList.of(CannedAcl.PRIVATE);

        private Builder(String key) {
            this.key = Objects.requireNonNull(key, "key");
        }

        /** The owner's id: the writer, or the bucket's owner for an anonymous write. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** What the version's bytes are: their length, their ETag (without quotes) and the encoded manifest root. */
        public Builder bytes(long size, String etag, String manifest) {
            this.size = size;
            this.etag = etag;
            this.manifest = manifest;
            return this;
        }

        /** Parts it was assembled from (CompleteMultipartUpload, or a copy of such an object); 0 otherwise. */
        public Builder partCount(int partCount) {
            this.partCount = partCount;
            return this;
        }

        /** Content headers by lower-case name, and x-amz-meta-* values by name without the prefix. */
        public Builder metadata(Map<String, String> headers, Map<String, String> userMetadata) {
            this.headers = headers;
            this.userMetadata = userMetadata;
            return this;
        }

        /** The stored checksums and how they relate to the bytes (ignored, and null, when there are none). */
        public Builder checksums(Map<String, String> checksums, ChecksumType type) {
            this.checksums = checksums;
            this.checksumType = type;
            return this;
        }

        /** The version's canned ACL; private unless set. */
        public Builder acl(CannedAcl acl) {
            this.acl = acl == null ? null : AccessControlList.of(acl);
            return this;
        }

        /** The version's ACL, canned or explicit grants; private unless set. */
        public Builder acl(AccessControlList acl) {
            this.acl = acl;
            return this;
        }

        public VersionDraft build() {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(etag, "etag");
            Objects.requireNonNull(manifest, "manifest");
            Objects.requireNonNull(acl, "acl");
            if (size < 0 || partCount < 0) {
                throw new IllegalStateException("a draft's size and part count are not negative");
            }
            return new VersionDraft(key, false, owner, size, etag, manifest, partCount, headers, userMetadata,
                    checksums, checksumType, acl.canned(), acl.grants());
        }
    }
}
