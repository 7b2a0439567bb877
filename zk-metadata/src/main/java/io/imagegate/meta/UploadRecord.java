package io.imagegate.meta;

import java.time.Instant;
import java.util.Map;

/**
 * A multipart upload in progress: what CreateMultipartUpload was told, for Complete to publish.
 *
 * @param checksumAlgorithm the algorithm every part must carry (CRC32, ...), or null
 * @param checksumType      how the object's checksum is made from the parts'; null without an algorithm
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
        CannedAcl acl) {

    public UploadRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
    }
}
