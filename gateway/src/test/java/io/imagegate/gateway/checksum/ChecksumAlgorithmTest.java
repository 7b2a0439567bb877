package io.imagegate.gateway.checksum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.ChecksumType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.SdkChecksum;

class ChecksumAlgorithmTest {

    private static final byte[] CHECK_INPUT = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void crcCheckValuesMatchTheCatalogue() {
        assertEquals(0xCBF43926L, value(ChecksumAlgorithm.CRC32, CHECK_INPUT));
        assertEquals(0xE3069283L, value(ChecksumAlgorithm.CRC32C, CHECK_INPUT));
        assertEquals(0xAE8B14860A799888L, value(ChecksumAlgorithm.CRC64NVME, CHECK_INPUT));
    }

    @Test
    void crc64NvmeMatchesTheAwsCommonRuntimeVectors() {
        // aws-c-checksums' tests: 32 zero bytes, and the bytes 0..31.
        byte[] counting = new byte[32];
        for (int i = 0; i < 32; i++) {
            counting[i] = (byte) i;
        }
        assertEquals(0xCF3473434D4ECF3BL, value(ChecksumAlgorithm.CRC64NVME, new byte[32]));
        assertEquals(0xB9D9D4A8492CBD7FL, value(ChecksumAlgorithm.CRC64NVME, counting));
        assertEquals(0L, value(ChecksumAlgorithm.CRC64NVME, new byte[0]));
    }

    @Test
    void crc64NvmeMatchesTheNvmeSpecificationVectors() {
        // The NVM Command Set specification's 4 KiB examples, as SPDK's tests state them.
        byte[] ones = new byte[4096];
        Arrays.fill(ones, (byte) 0xFF);
        assertEquals(0x6482D367EB22B64EL, value(ChecksumAlgorithm.CRC64NVME, new byte[4096]));
        assertEquals(0xC0DDBA7302ECA3ACL, value(ChecksumAlgorithm.CRC64NVME, ones));
    }

    @Test
    void crc32cOfTheAwsTrailerExampleIsTheDocumentedValue() {
        // The "Including Trailing Headers" example: 66,560 bytes of 'a', trailer sOO8/Q==.
        byte[] data = new byte[66560];
        Arrays.fill(data, (byte) 'a');
        assertEquals("sOO8/Q==", ChecksumAlgorithm.CRC32C.base64Of(data));
    }

    @Test
    void crc64NvmeEqualsABitwiseReferenceAtEveryLengthAndOffset() {
        SplittableRandom random = new SplittableRandom(7);
        byte[] data = new byte[300];
        random.nextBytes(data);
        for (int off = 0; off < 17; off++) {
            for (int len = 0; off + len <= data.length; len += 1 + len / 8) {
                Crc64Nvme crc = new Crc64Nvme();
                crc.update(data, off, len);
                assertEquals(bitwiseCrc64Nvme(data, off, len), crc.getValue(), "off " + off + " len " + len);
            }
        }
    }

    @Test
    void crc64NvmeFedInPiecesEqualsOneUpdate() {
        byte[] data = randomBytes(10_000, 3);
        Crc64Nvme whole = new Crc64Nvme();
        whole.update(data, 0, data.length);
        Crc64Nvme pieces = new Crc64Nvme();
        int off = 0;
        for (int step = 1; off < data.length; step = step * 3 % 97 + 1) {
            int n = Math.min(step, data.length - off);
            if (n == 1) {
                pieces.update(data[off]);
            } else {
                pieces.update(data, off, n);
            }
            off += n;
        }
        assertEquals(whole.getValue(), pieces.getValue());
    }

    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC32", "CRC32C", "SHA1", "SHA256", "MD5"})
    void equalsTheAwsSdkOnRandomData(ChecksumAlgorithm algorithm) {
        SdkChecksum sdk = SdkChecksum.forAlgorithm(DefaultChecksumAlgorithm.fromValue(algorithm.amzName()));
        SplittableRandom random = new SplittableRandom(algorithm.ordinal());
        for (int len : new int[] {0, 1, 7, 8, 15, 16, 100, 4096, 65_537, 1_000_003}) {
            byte[] data = new byte[len];
            random.nextBytes(data);
            sdk.reset();
            sdk.update(data, 0, len);
            Checksummer ours = algorithm.newChecksummer();
            ours.update(data);
            assertArrayEquals(sdk.getChecksumBytes(), ours.digest(), algorithm + " over " + len + " bytes");
        }
    }

    @Test
    void crc64NvmeEqualsTheAwsSdkWhenItsCommonRuntimeIsPresent() {
        SdkChecksum sdk;
        try {
            sdk = SdkChecksum.forAlgorithm(DefaultChecksumAlgorithm.CRC64NVME);
        } catch (RuntimeException | LinkageError e) {
            // The SDK delegates CRC64NVME to aws-crt, which this module does not depend on; the
            // published vectors above and the bitwise reference stand in for it.
            System.out.println("SDK CRC64NVME unavailable: " + e.getMessage());
            return;
        }
        byte[] data = randomBytes(1_000_003, 11);
        sdk.update(data, 0, data.length);
        assertArrayEquals(sdk.getChecksumBytes(), digest(ChecksumAlgorithm.CRC64NVME, data));
    }

    @Test
    void digestsAreBigEndianAndResetTheChecksummer() {
        Checksummer c = ChecksumAlgorithm.CRC32.newChecksummer();
        c.update(CHECK_INPUT);
        assertArrayEquals(new byte[] {(byte) 0xCB, (byte) 0xF4, 0x39, 0x26}, c.digest());
        c.update(CHECK_INPUT);
        assertEquals(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xCB, (byte) 0xF4, 0x39, 0x26}),
                c.base64Digest());
    }

    @Test
    void namesResolveCaseInsensitivelyAndMd5IsNotAnAmzChecksum() {
        assertEquals(Optional.of(ChecksumAlgorithm.CRC64NVME), ChecksumAlgorithm.fromAmzName("crc64nvme"));
        assertEquals(Optional.of(ChecksumAlgorithm.SHA256), ChecksumAlgorithm.fromAmzName("SHA256"));
        assertEquals(Optional.empty(), ChecksumAlgorithm.fromAmzName("MD5"));
        assertEquals(Optional.empty(), ChecksumAlgorithm.fromAmzName("crc16"));
        assertEquals(Optional.of(ChecksumAlgorithm.CRC32C), ChecksumAlgorithm.fromHeaderName("X-Amz-Checksum-CRC32C"));
        assertEquals(Optional.of(ChecksumAlgorithm.MD5), ChecksumAlgorithm.fromHeaderName("Content-MD5"));
        assertEquals("ChecksumCRC64NVME", ChecksumAlgorithm.CRC64NVME.xmlElement());
    }

    @Test
    void malformedHeaderValuesAreRejectedAsS3Does() {
        S3Exception notBase64 = assertThrows(S3Exception.class, () -> ChecksumAlgorithm.CRC32.decode("!!!"));
        assertEquals(S3ErrorCode.INVALID_REQUEST, notBase64.code());
        assertEquals("Value for x-amz-checksum-crc32 header is invalid.", notBase64.getMessage());
        S3Exception wrongLength = assertThrows(S3Exception.class,
                () -> ChecksumAlgorithm.SHA256.decode(ChecksumAlgorithm.CRC32.base64Of(CHECK_INPUT)));
        assertEquals(S3ErrorCode.INVALID_REQUEST, wrongLength.code());
        assertEquals(S3ErrorCode.INVALID_DIGEST,
                assertThrows(S3Exception.class, () -> ChecksumAlgorithm.MD5.decode("AAAA")).code());
        assertArrayEquals(digest(ChecksumAlgorithm.CRC32, CHECK_INPUT),
                ChecksumAlgorithm.CRC32.decode("y/Q5Jg=="));
    }

    @Test
    void checkAcceptsTheRightValueAndRefusesOthersWithS3sCodes() {
        byte[] crc = digest(ChecksumAlgorithm.CRC32, CHECK_INPUT);
        ChecksumAlgorithm.CRC32.check("y/Q5Jg==", crc);
        assertEquals(S3ErrorCode.BAD_DIGEST,
                assertThrows(S3Exception.class, () -> ChecksumAlgorithm.CRC32.check("AAAAAA==", crc)).code());
        assertEquals(S3ErrorCode.INVALID_REQUEST,
                assertThrows(S3Exception.class, () -> ChecksumAlgorithm.CRC32.check("AAAA", crc)).code());
    }

    @Test
    void mismatchesAreBadDigestNamingTheAlgorithm() {
        S3Exception e = ChecksumAlgorithm.CRC64NVME.mismatch();
        assertEquals(S3ErrorCode.BAD_DIGEST, e.code());
        assertEquals("The CRC64NVME you specified did not match the calculated checksum.", e.getMessage());
    }

    @Test
    void checksumTypesFollowS3sRules() {
        assertEquals(ChecksumType.FULL_OBJECT, ChecksumAlgorithm.CRC64NVME.defaultType());
        assertEquals(ChecksumType.COMPOSITE, ChecksumAlgorithm.CRC32.defaultType());
        assertFalse(ChecksumAlgorithm.CRC64NVME.allows(ChecksumType.COMPOSITE));
        assertFalse(ChecksumAlgorithm.SHA256.allows(ChecksumType.FULL_OBJECT));
        assertTrue(ChecksumAlgorithm.CRC32C.allows(ChecksumType.FULL_OBJECT));
        assertEquals(Optional.of(ChecksumType.FULL_OBJECT), ChecksumType.parse("full_object"));
    }

    @Test
    void theInputStreamFeedsEveryChecksummer() throws IOException {
        byte[] data = randomBytes(100_000, 5);
        Checksummer crc = ChecksumAlgorithm.CRC64NVME.newChecksummer();
        Checksummer md5 = ChecksumAlgorithm.MD5.newChecksummer();
        try (ChecksumInputStream in = new ChecksumInputStream(new ByteArrayInputStream(data), List.of(crc, md5))) {
            assertEquals(1, in.skip(1));
            assertEquals(data[1] & 0xFF, in.read());
            in.readAllBytes();
        }
        assertArrayEquals(digest(ChecksumAlgorithm.CRC64NVME, data), crc.digest());
        assertArrayEquals(digest(ChecksumAlgorithm.MD5, data), md5.digest());
    }

    @Test
    void crc64NvmeThroughputIsPrinted() {
        byte[] data = randomBytes(16 << 20, 9);
        Crc64Nvme crc = new Crc64Nvme();
        for (int warm = 0; warm < 5; warm++) {
            crc.update(data, 0, data.length);
        }
        int rounds = 10;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            crc.update(data, 0, data.length);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("CRC64NVME: %.0f MiB/s%n", rounds * 16 / seconds);
    }

    static long value(ChecksumAlgorithm algorithm, byte[] data) {
        return ChecksumAlgorithm.fromBigEndian(digest(algorithm, data));
    }

    static byte[] digest(ChecksumAlgorithm algorithm, byte[] data) {
        Checksummer c = algorithm.newChecksummer();
        c.update(data);
        return c.digest();
    }

    static byte[] randomBytes(int length, long seed) {
        byte[] data = new byte[length];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    /** One bit at a time, straight from the definition: the oracle for the sliced tables. */
    private static long bitwiseCrc64Nvme(byte[] data, int off, int len) {
        long crc = -1L;
        for (int i = off; i < off + len; i++) {
            crc ^= data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x9A6C9329AC4BC9B5L : crc >>> 1;
            }
        }
        return ~crc;
    }
}
