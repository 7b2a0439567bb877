package io.imagegate.meta;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A multipart upload in progress: what CreateMultipartUpload was told, for Complete to publish.
 *
 * @param checksumAlgorithm the algorithm every part must carry (CRC32, ...), or null
 * @param checksumType      how the object's checksum is made from the parts'; null without an algorithm
 * @param grants            the object's explicit grants (x-amz-grant-*), as given; null for a canned {@code acl}
 */
public record UploadRecord(
        String uploadId,
        String key,
        String owner,
        Instant initiated,
        Map<String, String> headers,
        Map<String, String> userMetadata,
        String checksumAlgorithm,
        ChecksumType checksumType,
        CannedAcl acl,
        List<Grant> grants) {

    public UploadRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
        grants = grants == null ? null : List.copyOf(grants);
    }

    /** An upload whose object gets a canned ACL. */
    public UploadRecord(String uploadId, String key, String owner, Instant initiated, Map<String, String> headers,
            Map<String, String> userMetadata, String checksumAlgorithm, ChecksumType checksumType, CannedAcl acl) {
        this(uploadId, key, owner, initiated, headers, userMetadata, checksumAlgorithm, checksumType, acl, null);
    }

    /** An upload whose object gets {@code acl}. */
    public UploadRecord(String uploadId, String key, String owner, Instant initiated, Map<String, String> headers,
            Map<String, String> userMetadata, String checksumAlgorithm, ChecksumType checksumType,
            AccessControlList acl) {
        this(uploadId, key, owner, initiated, headers, userMetadata, checksumAlgorithm, checksumType, acl.canned(),
                acl.grants());
    }

    /** The ACL the completed object gets. */
    public AccessControlList accessControlList() {
        return new AccessControlList(acl == null ? CannedAcl.PRIVATE : acl, grants);
    }
}
