package io.imagegate.gateway.checksum;

import static io.imagegate.gateway.checksum.ChecksumAlgorithmTest.digest;
import static io.imagegate.gateway.checksum.ChecksumAlgorithmTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MultipartChecksumsTest {

    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC32", "CRC32C", "CRC64NVME"})
    void combiningTwoCrcsEqualsTheCrcOfTheConcatenation(ChecksumAlgorithm algorithm) {
        CrcCombine combiner = combinerFor(algorithm);
        SplittableRandom random = new SplittableRandom(algorithm.ordinal() + 100);
        byte[] data = randomBytes(200_000, algorithm.ordinal());
        for (int trial = 0; trial < 50; trial++) {
            int split = trial < 3 ? new int[] {0, data.length, 1}[trial] : random.nextInt(data.length + 1);
            byte[] a = Arrays.copyOfRange(data, 0, split);
            byte[] b = Arrays.copyOfRange(data, split, data.length);
            long combined = combiner.combine(ChecksumAlgorithmTest.value(algorithm, a),
                    ChecksumAlgorithmTest.value(algorithm, b), b.length);
            assertEquals(ChecksumAlgorithmTest.value(algorithm, data), combined, "split at " + split);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC32", "CRC32C", "CRC64NVME"})
    void fullObjectChecksumOfPartsEqualsTheChecksumOfTheWholeObject(ChecksumAlgorithm algorithm) {
        SplittableRandom random = new SplittableRandom(42);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        List<MultipartChecksums.Part> parts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] part = randomBytes(i == 11 ? 17 : 1 + random.nextInt(300_000), i);
            whole.writeBytes(part);
            parts.add(new MultipartChecksums.Part(digest(algorithm, part), part.length));
        }
        assertArrayEquals(digest(algorithm, whole.toByteArray()), MultipartChecksums.fullObject(algorithm, parts));
        assertEquals(algorithm.base64Of(whole.toByteArray()), MultipartChecksums.fullObjectBase64(algorithm, parts));
    }

    @Test
    void combiningHandlesPartLengthsBeyondFourGibibytes() {
        // crc(A || 5 GiB of zeros) by combining with the CRC of the zeros; the zeros' CRC comes from
        // the combiner itself (doubling), so this checks large exponents agree with small ones.
        CrcCombine c = CrcCombine.CRC64NVME;
        byte[] mib = new byte[1 << 20];
        long zerosMib = ChecksumAlgorithmTest.value(ChecksumAlgorithm.CRC64NVME, mib);
        long zeros = zerosMib;
        long length = mib.length;
        while (length < 5L << 30) {
            zeros = c.combine(zeros, zeros, length);
            length *= 2;
        }
        long a = ChecksumAlgorithmTest.value(ChecksumAlgorithm.CRC64NVME, "head".getBytes());
        long oneShot = c.combine(a, zeros, length);
        long stepwise = a;
        for (long done = 0; done < length; done += mib.length) {
            stepwise = c.combine(stepwise, zerosMib, mib.length);
        }
        assertEquals(stepwise, oneShot);
    }

    @Test
    void compositeIsTheChecksumOfThePartDigestsWithAPartCount() {
        byte[] p1 = randomBytes(5 << 20, 1);
        byte[] p2 = randomBytes(1000, 2);
        byte[] d1 = digest(ChecksumAlgorithm.SHA256, p1);
        byte[] d2 = digest(ChecksumAlgorithm.SHA256, p2);
        byte[] concatenated = new byte[64];
        System.arraycopy(d1, 0, concatenated, 0, 32);
        System.arraycopy(d2, 0, concatenated, 32, 32);
        String expected = Base64.getEncoder().encodeToString(digest(ChecksumAlgorithm.SHA256, concatenated)) + "-2";
        assertEquals(expected, MultipartChecksums.composite(ChecksumAlgorithm.SHA256, List.of(d1, d2)));
    }

    @Test
    void multipartEtagIsTheHexMd5OfThePartMd5s() throws Exception {
        byte[] d1 = digest(ChecksumAlgorithm.MD5, "part one".getBytes());
        byte[] d2 = digest(ChecksumAlgorithm.MD5, "part two".getBytes());
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        md5.update(d1);
        md5.update(d2);
        assertEquals(java.util.HexFormat.of().formatHex(md5.digest()) + "-2", MultipartChecksums.multipartEtag(List.of(d1, d2)));
    }

    @Test
    void fullObjectRejectsDigestsAndWrongLengths() {
        assertThrows(IllegalArgumentException.class, () -> MultipartChecksums.fullObject(ChecksumAlgorithm.SHA1,
                List.of(new MultipartChecksums.Part(new byte[20], 1))));
        assertThrows(IllegalArgumentException.class, () -> MultipartChecksums.fullObject(ChecksumAlgorithm.CRC32,
                List.of(new MultipartChecksums.Part(new byte[8], 1))));
    }

    private static CrcCombine combinerFor(ChecksumAlgorithm algorithm) {
        return switch (algorithm) {
            case CRC32 -> CrcCombine.CRC32;
            case CRC32C -> CrcCombine.CRC32C;
            default -> CrcCombine.CRC64NVME;
        };
    }
}
