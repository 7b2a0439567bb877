package io.imagegate.gateway.checksum;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.ChecksumType;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The checksums an S3 request can carry: the five {@code x-amz-checksum-*} algorithms, and MD5
 * for {@code Content-MD5} and ETags. Every value travels as base64 of the big-endian digest.
 */
public enum ChecksumAlgorithm {
    CRC32("CRC32", 4, "x-amz-checksum-crc32"),
    CRC32C("CRC32C", 4, "x-amz-checksum-crc32c"),
    CRC64NVME("CRC64NVME", 8, "x-amz-checksum-crc64nvme"),
    SHA1("SHA1", 20, "x-amz-checksum-sha1"),
    SHA256("SHA256", 32, "x-amz-checksum-sha256"),
    /** Not an x-amz-checksum algorithm: the digest of Content-MD5 and of single-part ETags. */
    MD5("MD5", 16, "content-md5");

    private final String amzName;
    private final int digestLength;
    private final String headerName;

    ChecksumAlgorithm(String amzName, int digestLength, String headerName) {
        this.amzName = amzName;
        this.digestLength = digestLength;
        this.headerName = headerName;
    }

    /** The name in x-amz-checksum-algorithm and in XML ChecksumAlgorithm elements, e.g. CRC64NVME. */
    public String amzName() {
        return amzName;
    }

    /** The lower-case header carrying the value, e.g. x-amz-checksum-crc32 (content-md5 for MD5). */
    public String headerName() {
        return headerName;
    }

    /** The XML element of GetObjectAttributes and CompleteMultipartUpload results, e.g. ChecksumCRC32. */
    public String xmlElement() {
        return this == MD5 ? "ContentMD5" : "Checksum" + amzName;
    }

    public int digestLength() {
        return digestLength;
    }

    /** CRCs can be combined across parts into a FULL_OBJECT checksum; digests cannot. */
    public boolean isCrc() {
        return this == CRC32 || this == CRC32C || this == CRC64NVME;
    }

    /** Whether S3 accepts {@code type} with this algorithm: CRC64NVME is full-object only, SHAs composite only. */
    public boolean allows(ChecksumType type) {
        return switch (this) {
            case CRC32, CRC32C -> true;
            case CRC64NVME -> type == ChecksumType.FULL_OBJECT;
            case SHA1, SHA256 -> type == ChecksumType.COMPOSITE;
            case MD5 -> false;
        };
    }

    /** The type S3 uses when CreateMultipartUpload names this algorithm but no type. */
    public ChecksumType defaultType() {
        return this == CRC64NVME ? ChecksumType.FULL_OBJECT : ChecksumType.COMPOSITE;
    }

    /** True for the five algorithms S3 accepts in x-amz-checksum-algorithm. */
    public boolean isAmzChecksum() {
        return this != MD5;
    }

    public Checksummer newChecksummer() {
        return switch (this) {
            case CRC32 -> new CrcChecksummer(this, new CRC32());
            case CRC32C -> new CrcChecksummer(this, new CRC32C());
            case CRC64NVME -> new CrcChecksummer(this, new Crc64Nvme());
            case SHA1 -> new DigestChecksummer(this, messageDigest("SHA-1"));
            case SHA256 -> new DigestChecksummer(this, messageDigest("SHA-256"));
            case MD5 -> new DigestChecksummer(this, messageDigest("MD5"));
        };
    }

    /** The checksum of a whole byte array, base64. */
    public String base64Of(byte[] data) {
        Checksummer c = newChecksummer();
        c.update(data, 0, data.length);
        return c.base64Digest();
    }

    /** The x-amz-checksum algorithm named, case-insensitively, as in x-amz-checksum-algorithm. */
    public static Optional<ChecksumAlgorithm> fromAmzName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String upper = name.trim().toUpperCase(Locale.ROOT);
        for (ChecksumAlgorithm a : values()) {
            if (a.isAmzChecksum() && a.amzName.equals(upper)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** The algorithm whose value a header (or trailer) of this name carries. */
    public static Optional<ChecksumAlgorithm> fromHeaderName(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String lower = header.trim().toLowerCase(Locale.ROOT);
        for (ChecksumAlgorithm a : values()) {
            if (a.headerName.equals(lower)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Decodes a client-supplied base64 value, rejecting it as S3 does when it is not base64 of
     * exactly one digest.
     */
    public byte[] decode(String base64) {
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw invalidValue();
        }
        if (digest.length != digestLength) {
            throw invalidValue();
        }
        return digest;
    }

    /**
     * Checks a client-supplied base64 value (a header or trailer) against the digest computed
     * over the data: InvalidRequest (InvalidDigest for MD5) when the value is malformed,
     * BadDigest when it differs.
     */
    public void check(String expectedBase64, byte[] actualDigest) {
        if (!MessageDigest.isEqual(decode(expectedBase64), actualDigest)) {
            throw mismatch();
        }
    }

    /** The error for a value the data did not match. */
    public S3Exception mismatch() {
        if (this == MD5) {
            return new S3Exception(S3ErrorCode.BAD_DIGEST);
        }
        return new S3Exception(S3ErrorCode.BAD_DIGEST,
                "The " + amzName + " you specified did not match the calculated checksum.");
    }

    private S3Exception invalidValue() {
        if (this == MD5) {
            return new S3Exception(S3ErrorCode.INVALID_DIGEST);
        }
        return new S3Exception(S3ErrorCode.INVALID_REQUEST, "Value for " + headerName + " header is invalid.");
    }

    static byte[] toBigEndian(long value, int length) {
        byte[] out = new byte[length];
        for (int i = length - 1; i >= 0; i--) {
            out[i] = (byte) value;
            value >>>= 8;
        }
        return out;
    }

    static long fromBigEndian(byte[] bytes) {
        long v = 0;
        for (byte b : bytes) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    private static MessageDigest messageDigest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + name, e);
        }
    }
}
