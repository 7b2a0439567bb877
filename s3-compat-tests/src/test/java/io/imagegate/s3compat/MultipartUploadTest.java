package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** Multipart uploads: parts, part copies, listing, completion rules, abort. */
class MultipartUploadTest {

    static final int MIB = 1024 * 1024;
    static GatewayFixture gw;
    static S3Client s3;
    static String bucket;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        bucket = GatewayFixture.uniqueBucket("mpu");
        s3.createBucket(r -> r.bucket(bucket));
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void completedUploadReadsBackWithCompositeEtagAndParts() throws Exception {
        byte[] data = random(12 * MIB + 12345, 1);
        int[] cuts = {0, 5 * MIB, 10 * MIB + 7, data.length};
        String key = "big.raw";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        MessageDigest md5s = MessageDigest.getInstance("MD5");
        for (int i = 0; i < 3; i++) {
            byte[] part = Arrays.copyOfRange(data, cuts[i], cuts[i + 1]);
            int n = i + 1;
            UploadPartResponse up = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(n),
                    RequestBody.fromBytes(part));
            parts.add(CompletedPart.builder().partNumber(n).eTag(up.eTag()).build());
            md5s.update(MessageDigest.getInstance("MD5").digest(part));
        }
        var done = s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
        String expectedEtag = "\"" + HexFormat.of().formatHex(md5s.digest()) + "-3\"";
        assertEquals(expectedEtag, done.eTag());
        assertArrayEquals(data, s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray());

        var head = s3.headObject(r -> r.bucket(bucket).key(key).partNumber(2));
        assertEquals(3, head.partsCount());
        assertEquals(cuts[2] - cuts[1], head.contentLength());
        byte[] part2 = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).partNumber(2)).asByteArray();
        assertArrayEquals(Arrays.copyOfRange(data, cuts[1], cuts[2]), part2);
        S3Exception noPart = assertThrows(S3Exception.class, () -> s3.headObject(r -> r.bucket(bucket).key(key).partNumber(4)));
        assertEquals(416, noPart.statusCode());
    }

    @Test
    void smallNonLastPartIsEntityTooSmall() {
        String key = "small-parts";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        String e1 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(random(1000, 2))).eTag();
        String e2 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(2),
                RequestBody.fromBytes(random(1000, 3))).eTag();
        S3Exception e = assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key(key)
                .uploadId(uploadId).multipartUpload(m -> m.parts(
                        CompletedPart.builder().partNumber(1).eTag(e1).build(),
                        CompletedPart.builder().partNumber(2).eTag(e2).build()))));
        assertEquals(400, e.statusCode());
        assertEquals("EntityTooSmall", e.awsErrorDetails().errorCode());
    }

    @Test
    void wrongEtagIsInvalidPartAndWrongOrderIsInvalidPartOrder() {
        String key = "rules";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        String e1 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(random(5 * MIB, 4))).eTag();
        String e2 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(2),
                RequestBody.fromBytes(random(100, 5))).eTag();
        S3Exception bad = assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key(key)
                .uploadId(uploadId).multipartUpload(m -> m.parts(
                        CompletedPart.builder().partNumber(1).eTag("\"00000000000000000000000000000000\"").build()))));
        assertEquals("InvalidPart", bad.awsErrorDetails().errorCode());
        S3Exception order = assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key(key)
                .uploadId(uploadId).multipartUpload(m -> m.parts(
                        CompletedPart.builder().partNumber(2).eTag(e2).build(),
                        CompletedPart.builder().partNumber(1).eTag(e1).build()))));
        assertEquals("InvalidPartOrder", order.awsErrorDetails().errorCode());
        s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(),
                CompletedPart.builder().partNumber(2).eTag(e2).build())));
        assertEquals(5 * MIB + 100, s3.headObject(r -> r.bucket(bucket).key(key)).contentLength());
    }

    @Test
    void listPartsPagesAndAbortEndsTheUpload() {
        String key = "listed";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        for (int i = 1; i <= 5; i++) {
            int n = i;
            s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(n), RequestBody.fromBytes(random(10, n)));
        }
        ListPartsResponse first = s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId).maxParts(2));
        assertEquals(2, first.parts().size());
        assertTrue(first.isTruncated());
        ListPartsResponse rest = s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                .partNumberMarker(first.nextPartNumberMarker()));
        assertEquals(List.of(3, 4, 5), rest.parts().stream().map(p -> p.partNumber()).toList());
        assertTrue(s3.listMultipartUploads(r -> r.bucket(bucket)).uploads().stream()
                .anyMatch(u -> u.uploadId().equals(uploadId)));
        s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
        assertThrows(NoSuchUploadException.class, () -> s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)));
        assertThrows(NoSuchUploadException.class, () -> s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                .partNumber(1), RequestBody.fromString("x")));
    }

    @Test
    void uploadPartCopyTakesRangesOfAnotherObject() {
        byte[] src = random(7 * MIB + 333, 6);
        s3.putObject(r -> r.bucket(bucket).key("copy-src"), RequestBody.fromBytes(src));
        String key = "assembled";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)).uploadId();
        var p1 = s3.uploadPartCopy(r -> r.sourceBucket(bucket).sourceKey("copy-src").destinationBucket(bucket)
                .destinationKey(key).uploadId(uploadId).partNumber(1).copySourceRange("bytes=1000-" + (5 * MIB + 999)));
        var p2 = s3.uploadPartCopy(r -> r.sourceBucket(bucket).sourceKey("copy-src").destinationBucket(bucket)
                .destinationKey(key).uploadId(uploadId).partNumber(2));
        s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(p1.copyPartResult().eTag()).build(),
                CompletedPart.builder().partNumber(2).eTag(p2.copyPartResult().eTag()).build())));
        byte[] expected = new byte[5 * MIB + src.length];
        System.arraycopy(src, 1000, expected, 0, 5 * MIB);
        System.arraycopy(src, 0, expected, 5 * MIB, src.length);
        assertArrayEquals(expected, s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray());
    }

    @Test
    void copyRangeBeyondSourceIsRejected() {
        s3.putObject(r -> r.bucket(bucket).key("tiny-src"), RequestBody.fromString("0123456789"));
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key("x")).uploadId();
        S3Exception e = assertThrows(S3Exception.class, () -> s3.uploadPartCopy(r -> r.sourceBucket(bucket)
                .sourceKey("tiny-src").destinationBucket(bucket).destinationKey("x").uploadId(uploadId).partNumber(1)
                .copySourceRange("bytes=5-100")));
        assertEquals(400, e.statusCode());
    }

    @Test
    void checksumAlgorithmOfUploadYieldsObjectChecksum() {
        String key = "crc-upload";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32)).uploadId();
        byte[] a = random(5 * MIB, 7);
        byte[] b = random(1234, 8);
        var u1 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(1)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32), RequestBody.fromBytes(a));
        var u2 = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(2)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32), RequestBody.fromBytes(b));
        var done = s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(u1.eTag()).checksumCRC32(u1.checksumCRC32()).build(),
                CompletedPart.builder().partNumber(2).eTag(u2.eTag()).checksumCRC32(u2.checksumCRC32()).build())));
        assertTrue(done.checksumCRC32() != null && done.checksumCRC32().endsWith("-2"), done.checksumCRC32());
    }

    @Test
    void completeOnUnknownUploadIsNoSuchUpload() {
        assertThrows(NoSuchUploadException.class, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key("nope")
                .uploadId("no-such-upload").multipartUpload(m -> m.parts(
                        CompletedPart.builder().partNumber(1).eTag("\"x\"").build()))));
    }
}
