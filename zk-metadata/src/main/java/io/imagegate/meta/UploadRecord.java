package io.imagegate.meta;

import java.time.Instant;
import java.util.Map;

/** A multipart upload in progress: what CreateMultipartUpload was told, for Complete to publish. */
public record UploadRecord(
        String uploadId,
        String key,
        String owner,
        Instant initiated,
        Map<String, String> headers,
        Map<String, String> userMetadata,
        String checksumAlgorithm,
        String checksumType,
        CannedAcl acl) {

    public UploadRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
    }
}
