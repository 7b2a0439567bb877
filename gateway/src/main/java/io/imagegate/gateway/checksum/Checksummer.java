package io.imagegate.gateway.checksum;

import java.util.Base64;

/** An incremental checksum over a byte stream, for one {@link ChecksumAlgorithm}. Not thread-safe. */
public interface Checksummer {

    ChecksumAlgorithm algorithm();

    void update(byte[] bytes, int offset, int length);

    default void update(byte[] bytes) {
        update(bytes, 0, bytes.length);
    }

    /** The checksum of every byte passed since creation or the last digest, big-endian; then resets. */
    byte[] digest();

    /** {@link #digest()} in base64, the form S3 headers carry. */
    default String base64Digest() {
        return Base64.getEncoder().encodeToString(digest());
    }
}
