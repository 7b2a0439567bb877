package io.imagegate.gateway.checksum;

import java.security.MessageDigest;

/** A {@link Checksummer} over a {@link MessageDigest} (SHA-1, SHA-256, MD5). */
final class DigestChecksummer implements Checksummer {

    private final ChecksumAlgorithm algorithm;
    private final MessageDigest digest;

    DigestChecksummer(ChecksumAlgorithm algorithm, MessageDigest digest) {
        this.algorithm = algorithm;
        this.digest = digest;
    }

    @Override
    public ChecksumAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public void update(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
    }

    @Override
    public byte[] digest() {
        return digest.digest();
    }
}
