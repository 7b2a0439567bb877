package io.imagegate.meta;

import java.time.Instant;
import java.util.Map;

/** One uploaded part: its ETag, size, checksums and the manifest root of its bytes. */
public record PartRecord(
        int partNumber,
        String etag,
        long size,
        Instant lastModified,
        String manifest,
        Map<String, String> checksums) {

    public PartRecord {
        checksums = checksums == null ? Map.of() : Map.copyOf(checksums);
    }
}
