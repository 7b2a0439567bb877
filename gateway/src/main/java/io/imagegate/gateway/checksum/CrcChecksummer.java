package io.imagegate.gateway.checksum;

import java.util.zip.Checksum;

/** A {@link Checksummer} over a {@link Checksum} CRC; the JDK's CRC32 and CRC32C are intrinsics. */
final class CrcChecksummer implements Checksummer {

    private final ChecksumAlgorithm algorithm;
    private final Checksum crc;

    CrcChecksummer(ChecksumAlgorithm algorithm, Checksum crc) {
        this.algorithm = algorithm;
        this.crc = crc;
    }

    @Override
    public ChecksumAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public void update(byte[] bytes, int offset, int length) {
        crc.update(bytes, offset, length);
    }

    @Override
    public byte[] digest() {
        byte[] out = ChecksumAlgorithm.toBigEndian(crc.getValue(), algorithm.digestLength());
        crc.reset();
        return out;
    }
}
