package io.imagegate.gateway.checksum;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/** The whole-object checksum of a multipart upload, computed from its parts' checksums alone. */
public final class MultipartChecksums {

    /** One part's checksum digest (raw bytes, not base64) and its length in bytes. */
    public record Part(byte[] digest, long length) {}

    private MultipartChecksums() {}

    /** COMPOSITE: base64 of the checksum of the concatenated part digests, then "-" and the part count. */
    public static String composite(ChecksumAlgorithm algorithm, List<byte[]> partDigests) {
        Checksummer c = algorithm.newChecksummer();
        for (byte[] d : partDigests) {
            c.update(d, 0, d.length);
        }
        return c.base64Digest() + "-" + partDigests.size();
    }

    /** FULL_OBJECT: the CRC of the concatenated part data, combined without rereading it. */
    public static byte[] fullObject(ChecksumAlgorithm algorithm, List<Part> parts) {
        CrcCombine combiner = switch (algorithm) {
            case CRC32 -> CrcCombine.CRC32;
            case CRC32C -> CrcCombine.CRC32C;
            case CRC64NVME -> CrcCombine.CRC64NVME;
            default -> throw new IllegalArgumentException(algorithm + " has no full-object form");
        };
        long crc = 0; // the CRC of zero bytes, for every all-ones-conditioned CRC
        for (Part p : parts) {
            if (p.digest().length != algorithm.digestLength()) {
                throw new IllegalArgumentException("a " + algorithm + " digest has "
                        + algorithm.digestLength() + " bytes, not " + p.digest().length);
            }
            crc = combiner.combine(crc, ChecksumAlgorithm.fromBigEndian(p.digest()), p.length());
        }
        return ChecksumAlgorithm.toBigEndian(crc, algorithm.digestLength());
    }

    /** The ETag of a multipart object, unquoted: hex MD5 of the concatenated part MD5s, "-", part count. */
    public static String multipartEtag(List<byte[]> partMd5s) {
        Checksummer md5 = ChecksumAlgorithm.MD5.newChecksummer();
        for (byte[] d : partMd5s) {
            md5.update(d, 0, d.length);
        }
        return HexFormat.of().formatHex(md5.digest()) + "-" + partMd5s.size();
    }

    public static String fullObjectBase64(ChecksumAlgorithm algorithm, List<Part> parts) {
        return Base64.getEncoder().encodeToString(fullObject(algorithm, parts));
    }
}
