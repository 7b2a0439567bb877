package io.imagegate.gateway.checksum;

import java.util.Locale;
import java.util.Optional;

/**
 * How a multipart object's checksum relates to its parts (x-amz-checksum-type): a checksum of
 * the part checksums, or the checksum of the whole object's bytes.
 */
public enum ChecksumType {
    /** The algorithm over the concatenated part digests, shown with a "-N" part-count suffix. */
    COMPOSITE,
    /** The checksum of the object's bytes, combined from the part CRCs. Only CRCs allow it. */
    FULL_OBJECT;

    /** Whether S3 accepts this type for the algorithm: CRC64NVME is full-object only, SHAs composite only. */
    public boolean supports(ChecksumAlgorithm algorithm) {
        return switch (algorithm) {
            case CRC32, CRC32C -> true;
            case CRC64NVME -> this == FULL_OBJECT;
            case SHA1, SHA256 -> this == COMPOSITE;
            case MD5 -> false;
        };
    }

    /** The type S3 uses when CreateMultipartUpload names an algorithm but no type. */
    public static ChecksumType defaultFor(ChecksumAlgorithm algorithm) {
        return algorithm == ChecksumAlgorithm.CRC64NVME ? FULL_OBJECT : COMPOSITE;
    }

    public static Optional<ChecksumType> fromHeader(String value) {
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
