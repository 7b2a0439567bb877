package io.imagegate.meta;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One version of an object (or a delete marker), as the store answers it: everything S3 returns
 * about it, plus the encoded manifest root that locates its bytes. Small by construction: the
 * manifest itself lives in the chunk store. Writers do not make these: they hand the store a
 * {@link VersionDraft}, and the store gives it its id and time. Its stored form is
 * {@link Stored.VersionDoc}.
 *
 * @param versionId     {@code "null"} for the null version of unversioned and suspended buckets
 * @param etag          without quotes: hex MD5, or hex MD5-of-MD5s followed by {@code -N}; null for
 *                      a delete marker
 * @param manifest      the chunk layer's encoded manifest root; null for a delete marker
 * @param partCount     parts of a multipart upload, 0 for a single PUT
 * @param headers       stored content headers by lower-case name (content-type, cache-control,
 *                      content-disposition, content-encoding, content-language, expires)
 * @param userMetadata  x-amz-meta-* values by lower-case name without the prefix
 * @param checksums     algorithm (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) to base64 value
 * @param checksumType  how the checksums relate to the bytes; null when none is stored
 * @param acl           the version's canned ACL; null for a delete marker; {@code PRIVATE} with grants
 * @param grants        the version's explicit grants, as given; null for a canned ACL
 */
public record VersionRecord(
        String key,
        String versionId,
        boolean deleteMarker,
        String owner,
        Instant lastModified,
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

    public static final String NULL_VERSION = "null";

    public VersionRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
        checksums = checksums == null ? Map.of() : Map.copyOf(checksums);
        grants = grants == null ? null : List.copyOf(grants);
    }

    /** A version with a canned ACL (or none: a delete marker). */
    public VersionRecord(String key, String versionId, boolean deleteMarker, String owner, Instant lastModified,
            long size, String etag, String manifest, int partCount, Map<String, String> headers,
            Map<String, String> userMetadata, Map<String, String> checksums, ChecksumType checksumType,
            CannedAcl acl) {
        this(key, versionId, deleteMarker, owner, lastModified, size, etag, manifest, partCount, headers,
                userMetadata, checksums, checksumType, acl, null);
    }

    /** The same version with another canned ACL. */
    public VersionRecord withAcl(CannedAcl newAcl) {
        return withAcl(AccessControlList.of(newAcl));
    }

    /** The same version with another ACL: what PutObjectAcl stores. */
    public VersionRecord withAcl(AccessControlList newAcl) {
        return new VersionRecord(key, versionId, deleteMarker, owner, lastModified, size, etag, manifest,
                partCount, headers, userMetadata, checksums, checksumType, newAcl.canned(), newAcl.grants());
    }

    /** The version's ACL; null for a delete marker. */
    public AccessControlList accessControlList() {
        return acl == null ? null : new AccessControlList(acl, grants);
    }
}
