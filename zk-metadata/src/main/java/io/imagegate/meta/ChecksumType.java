package io.imagegate.meta;

import java.util.Locale;
import java.util.Optional;

/**
 * How an object's stored checksum relates to its bytes (S3's {@code x-amz-checksum-type}): the
 * checksum of the whole object's bytes, or (multipart) a checksum of the parts' checksums.
 */
public enum ChecksumType {
    /** The algorithm over the concatenated part digests, shown with a "-N" part-count suffix. */
    COMPOSITE,
    /** The checksum of the object's bytes (for a multipart object, combined from the part CRCs). */
    FULL_OBJECT;

    /** The type a header or request element names, in any case; empty for anything else. */
    public static Optional<ChecksumType> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (value.trim().toUpperCase(Locale.ROOT)) {
            case "COMPOSITE" -> Optional.of(COMPOSITE);
            case "FULL_OBJECT" -> Optional.of(FULL_OBJECT);
            default -> Optional.empty();
        };
    }
}
