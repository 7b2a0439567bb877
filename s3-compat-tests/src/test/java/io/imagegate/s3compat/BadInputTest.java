package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Bad input gets the S3 error AWS returns, with an XML body carrying a RequestId, never a 500,
 * a hang or a stack trace; and a rejected or broken upload leaves no trace.
 */
class BadInputTest {

    static GatewayFixture gw;
    static S3Client s3;
    static RawHttp raw;
    static final String BUCKET = "bad-input";

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        raw = new RawHttp(gw.endpoint());
        s3.createBucket(r -> r.bucket(BUCKET));
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    static void assertS3Error(RawHttp.Response r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        assertEquals(code, r.code(), r.body());
        assertTrue(r.body().contains("<RequestId>"), r.body());
        assertNotNull(r.headers().get("x-amz-request-id"));
        assertTrue(!r.body().contains("Exception") && !r.body().contains("\tat "), "no stack trace: " + r.body());
    }

    @Test
    void malformedCompleteMultipartXmlIsMalformedXml() throws Exception {
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key("mpu")).uploadId();
        byte[] body = "<CompleteMultipartUpload><Part><PartNumber>1".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response r = raw.signed("POST", "/" + BUCKET + "/mpu?uploadId=" + uploadId, Map.of(), body,
                String.valueOf(body.length));
        assertS3Error(r, 400, "MalformedXML");
    }

    @Test
    void xmlWithExternalEntityIsRefused() throws Exception {
        byte[] body = ("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Delete><Object><Key>&x;</Key></Object></Delete>").getBytes(StandardCharsets.UTF_8);
        String md5 = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5").digest(body));
        RawHttp.Response r = raw.signed("POST", "/" + BUCKET + "?delete", Map.of("Content-MD5", md5), body,
                String.valueOf(body.length));
        assertS3Error(r, 400, "MalformedXML");
    }

    @Test
    void negativeContentLengthIsRejectedWithoutA500() throws Exception {
        RawHttp.Response r = raw.signed("PUT", "/" + BUCKET + "/neg", Map.of(), new byte[0], "-5");
        assertTrue(r.status() == 400, r.status() + " " + r.body());
    }

    @Test
    void putWithoutContentLengthIsMissingContentLength() throws Exception {
        RawHttp.Response r = raw.signed("PUT", "/" + BUCKET + "/nolen", Map.of(), new byte[0], null);
        assertS3Error(r, 411, "MissingContentLength");
    }

    @Test
    void absurdContentLengthIsEntityTooLarge() throws Exception {
        RawHttp.Response r = raw.signed("PUT", "/" + BUCKET + "/huge", Map.of(), new byte[0], "99999999999999");
        assertS3Error(r, 400, "EntityTooLarge");
    }

    @Test
    void oversizedHeadersAreRequestHeaderSectionTooLarge() throws Exception {
        RawHttp.Response r = raw.signed("GET", "/" + BUCKET + "/x", Map.of("x-amz-meta-big", "v".repeat(9000)), null, null);
        assertS3Error(r, 400, "RequestHeaderSectionTooLarge");
    }

    @Test
    void userMetadataOverTwoKilobytesIsMetadataTooLarge() {
        var e = assertThrows(software.amazon.awssdk.services.s3.model.S3Exception.class, () -> s3.putObject(r -> r.bucket(BUCKET)
                .key("meta").metadata(Map.of("a", "x".repeat(1500), "b", "y".repeat(1500))), RequestBody.fromString("x")));
        assertEquals("MetadataTooLarge", e.awsErrorDetails().errorCode());
    }

    @Test
    void brokenPercentEncodingIsInvalidUri() throws Exception {
        byte[] head = ("GET /" + BUCKET + "/bad%zzkey HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        RawHttp.Response r = raw.exchange(head, new byte[0]);
        assertTrue(r.status() == 400, r.status() + " " + r.body());
    }

    @Test
    void unsupportedMethodIsMethodNotAllowed() throws Exception {
        RawHttp.Response r = raw.signed("PATCH", "/" + BUCKET + "/x", Map.of(), null, null);
        assertS3Error(r, 405, "MethodNotAllowed");
    }

    @Test
    void invalidMaxKeysIsInvalidArgument() throws Exception {
        RawHttp.Response r = raw.signed("GET", "/" + BUCKET + "?list-type=2&max-keys=abc", Map.of(), null, null);
        assertS3Error(r, 400, "InvalidArgument");
    }

    @Test
    void invalidPartNumberIsInvalidArgument() throws Exception {
        RawHttp.Response r = raw.signed("PUT", "/" + BUCKET + "/k?partNumber=0&uploadId=x", Map.of(), new byte[0], "0");
        assertS3Error(r, 400, "InvalidArgument");
    }

    @Test
    void tamperedBodyIsXAmzContentSha256MismatchAndNotStored() throws Exception {
        byte[] signedBody = "the body that was signed".getBytes(StandardCharsets.UTF_8);
        var headers = raw.sign("PUT", "/" + BUCKET + "/tampered", Map.of(), signedBody);
        byte[] sent = "the body that was SENT!!".getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("PUT /" + BUCKET + "/tampered HTTP/1.1\r\n");
        headers.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
        head.append("Content-Length: ").append(sent.length).append("\r\nConnection: close\r\n\r\n");
        RawHttp.Response r = raw.exchange(head.toString().getBytes(StandardCharsets.UTF_8), sent);
        assertS3Error(r, 400, "XAmzContentSHA256Mismatch");
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key("tampered")));
    }

    @Test
    void connectionDroppedMidUploadLeavesNoTraceAndServerStaysUp() throws Exception {
        s3.putObject(r -> r.bucket(BUCKET).key("dropped"), RequestBody.fromString("old version"));
        byte[] body = new byte[3 * 1024 * 1024];
        raw.dropMidBody("PUT", "/" + BUCKET + "/dropped", body, 1024 * 1024);
        Thread.sleep(200);
        assertEquals("old version", s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("dropped")).asUtf8String());
        raw.dropMidBody("PUT", "/" + BUCKET + "/never", body, 100);
        assertThrows(NoSuchKeyException.class, () -> s3.headObject(b -> b.bucket(BUCKET).key("never")));
    }

    @Test
    void unimplementedSubresourceIsNotImplemented() throws Exception {
        RawHttp.Response r = raw.signed("GET", "/" + BUCKET + "?website", Map.of(), null, null); // lifecycle and cors are implemented: LifecycleApiTest, CorsApiTest
        assertS3Error(r, 501, "NotImplemented");
    }

    @Test
    void headErrorsHaveNoBody() throws Exception {
        RawHttp.Response r = raw.signed("HEAD", "/" + BUCKET + "/missing", Map.of(), null, null);
        assertEquals(404, r.status());
        assertEquals("", r.body());
    }
}
