package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** PutObject, GetObject, HeadObject, CopyObject and DeleteObject through the AWS SDK v2. */
class ObjectOperationsTest {

    static GatewayFixture gw;
    static S3Client s3;
    static String bucket;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        bucket = GatewayFixture.uniqueBucket("objects");
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

    static String md5Hex(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }

    @Test
    void putThenGetReturnsSameBytesAndMd5Etag() throws Exception {
        for (int size : new int[] {0, 1, 65535, 65536, 65537, 3 * 65536 + 17, 1_000_000}) {
            byte[] data = random(size, size);
            String key = "sizes/" + size;
            PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(data));
            assertEquals("\"" + md5Hex(data) + "\"", put.eTag(), "etag of " + size);
            ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            assertArrayEquals(data, got.asByteArray(), "bytes of " + size);
            assertEquals(put.eTag(), got.response().eTag());
            assertEquals(size, got.response().contentLength());
        }
    }

    @Test
    void userMetadataAndContentHeadersRoundTrip() {
        s3.putObject(r -> r.bucket(bucket).key("meta").contentType("text/plain").cacheControl("max-age=60")
                .contentDisposition("attachment; filename=\"a.txt\"").contentLanguage("en")
                .metadata(Map.of("color", "blue", "shape", "round")), RequestBody.fromString("hello"));
        HeadObjectResponse h = s3.headObject(r -> r.bucket(bucket).key("meta"));
        assertEquals("text/plain", h.contentType());
        assertEquals("max-age=60", h.cacheControl());
        assertEquals("attachment; filename=\"a.txt\"", h.contentDisposition());
        assertEquals("en", h.contentLanguage());
        assertEquals(Map.of("color", "blue", "shape", "round"), h.metadata());
        assertEquals(5, h.contentLength());
    }

    /**
     * aws-chunked is how a signed stream is framed, not how the object is encoded: S3 stores
     * Content-Encoding without that token and otherwise as sent (no header when nothing is left).
     */
    @Test
    void contentEncodingIsStoredAsSentLessTheAwsChunkedToken() throws Exception {
        // the SDK sends its streaming upload as aws-chunked and adds the token to the caller's encoding
        s3.putObject(r -> r.bucket(bucket).key("enc-sdk").contentEncoding("gzip"), RequestBody.fromString("zipped?"));
        assertEquals("gzip", s3.headObject(r -> r.bucket(bucket).key("enc-sdk")).contentEncoding());
        assertEquals("gzip", s3.getObject(r -> r.bucket(bucket).key("enc-sdk")).response().contentEncoding());

        RawHttp raw = new RawHttp(gw.endpoint());
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("aws-chunked,gzip", "gzip");
        cases.put("gzip,aws-chunked", "gzip");
        cases.put("aws-chunked, gzip, br", "gzip, br");
        cases.put("gzip, br", "gzip, br");
        cases.put("x-custom;q=1", "x-custom;q=1");
        cases.put("AWS-CHUNKED", null);
        cases.put("aws-chunked", null);
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String key = "enc-raw-" + i++;
            byte[] body = "body".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            RawHttp.Response put = raw.signed("PUT", "/" + bucket + "/" + key, Map.of("Content-Encoding", c.getKey()),
                    body, String.valueOf(body.length));
            assertEquals(200, put.status(), c.getKey() + ": " + put.body());
            assertEquals(c.getValue(), s3.headObject(r -> r.bucket(bucket).key(key)).contentEncoding(), c.getKey());
        }
    }

    /**
     * S3 decodes RFC 2047 encoded-words in x-amz-meta-* values before storing them and returns a
     * value that is not printable US-ASCII as a UTF-8 encoded-word; ASCII values go both ways as is.
     */
    @Test
    void nonAsciiMetadataTravelsAsRfc2047EncodedWords() throws Exception {
        RawHttp raw = new RawHttp(gw.endpoint());
        byte[] body = "m".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RawHttp.Response put = raw.signed("PUT", "/" + bucket + "/meta-2047", Map.of(
                "x-amz-meta-word", "=?UTF-8?B?5pel5pys6Kqe?=",
                "x-amz-meta-q", "=?ISO-8859-1?Q?caf=E9?=",
                "x-amz-meta-ascii", "plain =?not a word",
                "x-amz-meta-bad", "=?NO-SUCH-CHARSET?B?w6k=?="), body, String.valueOf(body.length));
        assertEquals(200, put.status(), put.body());
        HeadObjectResponse h = s3.headObject(r -> r.bucket(bucket).key("meta-2047"));
        assertEquals(Map.of("word", "=?UTF-8?B?5pel5pys6Kqe?=", "q", "=?UTF-8?B?Y2Fmw6k=?=",
                "ascii", "plain =?not a word", "bad", "=?NO-SUCH-CHARSET?B?w6k=?="), h.metadata());
        // what is stored is the decoded text: a copy that replaces metadata with the same words keeps it
        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("meta-2047").destinationBucket(bucket)
                .destinationKey("meta-2047-copy").metadataDirective(MetadataDirective.REPLACE)
                .metadata(Map.of("word", "=?UTF-8?Q?=E6=97=A5=E6=9C=AC=E8=AA=9E?=")));
        assertEquals(Map.of("word", "=?UTF-8?B?5pel5pys6Kqe?="),
                s3.getObject(r -> r.bucket(bucket).key("meta-2047-copy")).response().metadata());
    }

    /**
     * A header value sent as raw bytes outside US-ASCII is signed as those bytes (as S3 verifies
     * them; the SDK's signer hashes the UTF-8 bytes it then sends), read byte for byte as
     * ISO-8859-1, as HTTP reads header bytes, and returned as an encoded-word of what was read.
     */
    @Test
    void rawNonAsciiHeaderBytesAreSignedAsReceived() throws Exception {
        RawHttp raw = new RawHttp(gw.endpoint());
        byte[] body = "r".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RawHttp.Response put = raw.signed("PUT", "/" + bucket + "/meta-raw", Map.of("x-amz-meta-city", "Z\u00fcrich"),
                body, String.valueOf(body.length));
        assertEquals(200, put.status(), put.body());
        String read = new String("Z\u00fcrich".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals("=?UTF-8?B?" + java.util.Base64.getEncoder().encodeToString(
                        read.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "?=",
                s3.headObject(r -> r.bucket(bucket).key("meta-raw")).metadata().get("city"));

        // other bytes than those signed: refused
        var signed = raw.sign("PUT", "/" + bucket + "/meta-raw2", Map.of("x-amz-meta-city", "Z\u00fcrich"), body);
        StringBuilder head = new StringBuilder("PUT /" + bucket + "/meta-raw2 HTTP/1.1\r\n");
        signed.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ")
                .append(k.equalsIgnoreCase("x-amz-meta-city") ? "Z\u00f6rich" : v).append("\r\n")));
        head.append("Content-Length: 1\r\nConnection: close\r\n\r\n");
        RawHttp.Response tampered = raw.exchange(head.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), body);
        assertEquals(403, tampered.status(), tampered.body());
        assertEquals("SignatureDoesNotMatch", tampered.code());
    }

    @Test
    void rangeReadsServeExactlyTheRequestedBytes() {
        byte[] data = random(300_000, 7);
        s3.putObject(r -> r.bucket(bucket).key("ranges"), RequestBody.fromBytes(data));
        assertRange(data, "bytes=0-0", 0, 1);
        assertRange(data, "bytes=65530-65545", 65530, 16);
        assertRange(data, "bytes=100-", 100, data.length - 100);
        assertRange(data, "bytes=-1000", data.length - 1000, 1000);
        assertRange(data, "bytes=299990-400000", 299990, 10);
        assertRange(data, "bytes=-400000", 0, data.length);
    }

    private static void assertRange(byte[] data, String range, int offset, int length) {
        ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(bucket).key("ranges").range(range));
        assertArrayEquals(Arrays.copyOfRange(data, offset, offset + length), got.asByteArray(), range);
        assertEquals("bytes " + offset + "-" + (offset + length - 1) + "/" + data.length, got.response().contentRange(), range);
    }

    @Test
    void rangeBeyondEndReturns416InvalidRange() {
        s3.putObject(r -> r.bucket(bucket).key("small"), RequestBody.fromString("0123456789"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("small").range("bytes=10-20")));
        assertEquals(416, e.statusCode());
        assertEquals("InvalidRange", e.awsErrorDetails().errorCode());
    }

    @Test
    void unparsableRangeServesWholeObject() {
        s3.putObject(r -> r.bucket(bucket).key("whole"), RequestBody.fromString("0123456789"));
        ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(bucket).key("whole").range("bytes=5-2"));
        assertEquals("0123456789", got.asUtf8String());
    }

    @Test
    void missingKeyIsNoSuchKey() {
        NoSuchKeyException e = assertThrows(NoSuchKeyException.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("does/not/exist")));
        assertEquals(404, e.statusCode());
    }

    @Test
    void conditionalReadsAnswer304And412AsS3() {
        PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key("cond"), RequestBody.fromString("v1"));
        String etag = put.eTag();
        Instant modified = s3.headObject(r -> r.bucket(bucket).key("cond")).lastModified();

        assertEquals("v1", s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifMatch(etag)).asUtf8String());
        S3Exception e412 = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifMatch("\"0000\"")));
        assertEquals(412, e412.statusCode());
        S3Exception e304 = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifNoneMatch(etag)));
        assertEquals(304, e304.statusCode());
        S3Exception e304b = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifModifiedSince(modified.plusSeconds(60))));
        assertEquals(304, e304b.statusCode());
        S3Exception e412b = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifUnmodifiedSince(modified.minusSeconds(60))));
        assertEquals(412, e412b.statusCode());
        // If-Match true wins over a failing If-Unmodified-Since, as in S3
        assertEquals("v1", s3.getObjectAsBytes(r -> r.bucket(bucket).key("cond").ifMatch(etag)
                .ifUnmodifiedSince(modified.minusSeconds(60))).asUtf8String());
    }

    @Test
    void conditionalWritesAreExact() {
        s3.putObject(r -> r.bucket(bucket).key("cw").ifNoneMatch("*"), RequestBody.fromString("first"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> s3.putObject(r -> r.bucket(bucket).key("cw").ifNoneMatch("*"), RequestBody.fromString("second")));
        assertEquals(412, e.statusCode());
        String etag = s3.headObject(r -> r.bucket(bucket).key("cw")).eTag();
        s3.putObject(r -> r.bucket(bucket).key("cw").ifMatch(etag), RequestBody.fromString("third"));
        S3Exception stale = assertThrows(S3Exception.class,
                () -> s3.putObject(r -> r.bucket(bucket).key("cw").ifMatch(etag), RequestBody.fromString("fourth")));
        assertEquals(412, stale.statusCode());
        assertEquals("third", s3.getObjectAsBytes(r -> r.bucket(bucket).key("cw")).asUtf8String());
    }

    @Test
    void everyChecksumAlgorithmIsVerifiedStoredAndReturned() {
        for (ChecksumAlgorithm a : new ChecksumAlgorithm[] {ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32_C,
                ChecksumAlgorithm.CRC64_NVME, ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA256}) {
            String key = "checksum/" + a;
            byte[] data = random(200_000, a.ordinal());
            s3.putObject(r -> r.bucket(bucket).key(key).checksumAlgorithm(a), RequestBody.fromBytes(data));
            ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                    .checksumMode(ChecksumMode.ENABLED));
            assertArrayEquals(data, got.asByteArray());
            GetObjectResponse resp = got.response();
            String value = switch (a) {
                case CRC32 -> resp.checksumCRC32();
                case CRC32_C -> resp.checksumCRC32C();
                case CRC64_NVME -> resp.checksumCRC64NVME();
                case SHA1 -> resp.checksumSHA1();
                case SHA256 -> resp.checksumSHA256();
                default -> null;
            };
            assertNotNull(value, "stored " + a);
        }
    }

    @Test
    void wrongChecksumIsBadDigestAndLeavesNoTrace() {
        S3Exception e = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket(bucket).key("bad-crc")
                .checksumCRC32("AAAAAA=="), RequestBody.fromString("some data")));
        assertEquals(400, e.statusCode());
        assertEquals("BadDigest", e.awsErrorDetails().errorCode());
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key("bad-crc")));
    }

    @Test
    void wrongContentMd5IsBadDigest() {
        S3Exception e = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket(bucket).key("bad-md5")
                .contentMD5("1B2M2Y8AsgTpgAmY7PhCfg=="), RequestBody.fromString("not empty")));
        assertEquals("BadDigest", e.awsErrorDetails().errorCode());
        S3Exception invalid = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket(bucket).key("bad-md5")
                .contentMD5("not-base64!"), RequestBody.fromString("x")));
        assertEquals("InvalidDigest", invalid.awsErrorDetails().errorCode());
    }

    @Test
    void copySharesBytesAndKeepsOrReplacesMetadata() {
        byte[] data = random(500_000, 11);
        s3.putObject(r -> r.bucket(bucket).key("copy/src").contentType("application/x-raw")
                .metadata(Map.of("origin", "base")), RequestBody.fromBytes(data));
        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("copy/src").destinationBucket(bucket).destinationKey("copy/same"));
        HeadObjectResponse same = s3.headObject(r -> r.bucket(bucket).key("copy/same"));
        assertEquals("application/x-raw", same.contentType());
        assertEquals(Map.of("origin", "base"), same.metadata());
        assertArrayEquals(data, s3.getObjectAsBytes(r -> r.bucket(bucket).key("copy/same")).asByteArray());

        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("copy/src").destinationBucket(bucket).destinationKey("copy/new")
                .metadataDirective(MetadataDirective.REPLACE).contentType("text/x-new").metadata(Map.of("origin", "copy")));
        HeadObjectResponse replaced = s3.headObject(r -> r.bucket(bucket).key("copy/new"));
        assertEquals("text/x-new", replaced.contentType());
        assertEquals(Map.of("origin", "copy"), replaced.metadata());
    }

    @Test
    void copyOntoItselfWithoutChangesIsInvalidRequest() {
        s3.putObject(r -> r.bucket(bucket).key("self"), RequestBody.fromString("x"));
        S3Exception e = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("self")
                .destinationBucket(bucket).destinationKey("self")));
        assertEquals(400, e.statusCode());
        assertEquals("InvalidRequest", e.awsErrorDetails().errorCode());
    }

    @Test
    void copySourceConditionsFailWith412() {
        PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key("csrc"), RequestBody.fromString("x"));
        S3Exception e = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("csrc")
                .destinationBucket(bucket).destinationKey("cdst").copySourceIfNoneMatch(put.eTag())));
        assertEquals(412, e.statusCode());
        s3.copyObject(r -> r.sourceBucket(bucket).sourceKey("csrc").destinationBucket(bucket).destinationKey("cdst")
                .copySourceIfMatch(put.eTag()));
        assertEquals("x", s3.getObjectAsBytes(r -> r.bucket(bucket).key("cdst")).asUtf8String());
    }

    @Test
    void deleteRemovesAndDeletingMissingKeySucceeds() {
        s3.putObject(r -> r.bucket(bucket).key("del"), RequestBody.fromString("x"));
        assertEquals(204, s3.deleteObject(r -> r.bucket(bucket).key("del")).sdkHttpResponse().statusCode());
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(r -> r.bucket(bucket).key("del")));
        assertEquals(204, s3.deleteObject(r -> r.bucket(bucket).key("del")).sdkHttpResponse().statusCode());
    }

    @Test
    void deleteObjectsReportsEachKeyAndQuietReportsOnlyErrors() {
        for (int i = 0; i < 5; i++) {
            int n = i;
            s3.putObject(r -> r.bucket(bucket).key("multi/" + n), RequestBody.fromString("x"));
        }
        var verbose = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(
                o -> o.key("multi/0"), o -> o.key("multi/1"), o -> o.key("multi/never"))));
        assertEquals(3, verbose.deleted().size());
        assertTrue(verbose.errors().isEmpty());
        var quiet = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.quiet(true).objects(
                o -> o.key("multi/2"), o -> o.key("multi/3"))));
        assertTrue(quiet.deleted().isEmpty());
        assertEquals(1, s3.listObjectsV2(r -> r.bucket(bucket).prefix("multi/")).keyCount());
    }

    @Test
    void keysWithSpecialCharactersRoundTrip() {
        for (String key : new String[] {"a b c", "plus+sign", "percent%20literal", "unicode/é/日本語", "tilde~",
                "quote\"s'", "amp&er=sand?q", "deep/nested//double/slash", "trailing/"}) {
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(key));
            assertEquals(key, s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String(), key);
            assertTrue(s3.listObjectsV2(r -> r.bucket(bucket).prefix(key)).contents().stream()
                    .anyMatch(o -> o.key().equals(key)), key);
        }
    }

    @Test
    void keyOver1024BytesIsKeyTooLong() {
        String key = "k".repeat(1025);
        S3Exception e = assertThrows(S3Exception.class, () -> s3.putObject(r -> r.bucket(bucket).key(key),
                RequestBody.fromString("x")));
        assertEquals(400, e.statusCode());
        assertEquals("KeyTooLongError", e.awsErrorDetails().errorCode());
    }

    @Test
    void overwriteReplacesContent() {
        s3.putObject(r -> r.bucket(bucket).key("over"), RequestBody.fromString("one"));
        s3.putObject(r -> r.bucket(bucket).key("over"), RequestBody.fromString("two"));
        assertEquals("two", s3.getObjectAsBytes(r -> r.bucket(bucket).key("over")).asUtf8String());
        assertEquals(1, s3.listObjectsV2(r -> r.bucket(bucket).prefix("over")).keyCount());
    }
}
