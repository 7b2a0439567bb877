package io.imagegate.gateway.auth;

import static io.imagegate.gateway.auth.S3DocumentedExamplesTest.SIGNED_AT;
import static io.imagegate.gateway.auth.S3DocumentedExamplesTest.verifierAt;
import static io.imagegate.gateway.auth.SdkSignedRequestsTest.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each malformed or unacceptable request gets the error S3 gives it, checked before any signature. */
class SigV4VerifierErrorsTest {

    private static final SigV4Verifier VERIFIER = verifierAt(SIGNED_AT);
    private static final String GOOD_AUTH = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

    /** The documented GET-with-range example, with its Authorization header replaced. */
    private static RequestHeaders.Builder getObject(String authorization) {
        RequestHeaders.Builder b = RequestHeaders.builder()
                .add("Host", "examplebucket.s3.amazonaws.com")
                .add("Range", "bytes=0-9")
                .add("x-amz-content-sha256", Hashes.EMPTY_SHA256)
                .add("x-amz-date", "20130524T000000Z");
        return authorization == null ? b : b.add("Authorization", authorization);
    }

    private static S3Exception verifyFails(RequestHeaders headers) {
        return error(() -> VERIFIER.verify(new SignedRequest("GET", "/test.txt", null, headers)));
    }

    private static S3Exception verifyFails(String query) {
        return error(() -> VERIFIER.verify(new SignedRequest("GET", "/test.txt", query,
                RequestHeaders.builder().add("Host", "examplebucket.s3.amazonaws.com").build())));
    }

    @Test
    void theUnmodifiedExampleVerifies() {
        VERIFIER.verify(new SignedRequest("GET", "/test.txt", null, getObject(GOOD_AUTH).build()));
    }

    @Test
    void signatureVersion2IsNotSupported() {
        S3Exception e = verifyFails(getObject("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=").build());
        assertEquals(S3ErrorCode.INVALID_REQUEST, e.code());
        assertEquals("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
                e.getMessage());
        assertEquals(S3ErrorCode.INVALID_REQUEST,
                verifyFails("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybd").code());
    }

    @Test
    void anUnknownAuthorizationSchemeIsAnInvalidArgument() {
        S3Exception e = verifyFails(getObject("Bearer abc").build());
        assertEquals(S3ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("Unsupported Authorization Type", e.getMessage());
        assertEquals("Authorization", e.details().get("ArgumentName"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=a/20130524/us-east-1/s3/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=a/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x, Extra=1",
        "AWS4-HMAC-SHA256 Credential=a/20130524/us-east-1/s3/aws4_request, Credential=b, SignedHeaders=host, Signature=x",
        "AWS4-HMAC-SHA256 garbage",
        "AWS4-HMAC-SHA256Credential=a/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=x",
    })
    void aGarbledAuthorizationHeaderIsMalformed(String authorization) {
        assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, verifyFails(getObject(authorization).build()).code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3", "AKIAIOSFODNN7EXAMPLE/2013052/us-east-1/s3/aws4_request",
        "/20130524/us-east-1/s3/aws4_request", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request/x"})
    void aMisshapenCredentialIsMalformed(String credential) {
        S3Exception e = verifyFails(getObject(GOOD_AUTH.replace(
                "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request", credential)).build());
        assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, e.code());
        assertTrue(e.getMessage().startsWith("The authorization header is malformed; the Credential is mal-formed"),
                e.getMessage());
    }

    @Test
    void aScopeForAnotherServiceOrTerminalIsMalformed() {
        S3Exception service = verifyFails(getObject(GOOD_AUTH.replace("/s3/", "/ec2/")).build());
        assertEquals("The authorization header is malformed; incorrect service \"ec2\". This endpoint belongs to \"s3\".",
                service.getMessage());
        S3Exception terminal = verifyFails(getObject(GOOD_AUTH.replace("aws4_request", "aws5_request")).build());
        assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, terminal.code());
    }

    @Test
    void aScopeDateOtherThanTheRequestDateIsMalformed() {
        S3Exception e = verifyFails(getObject(GOOD_AUTH.replace("/20130524/", "/20130525/")).build());
        assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, e.code());
        assertEquals("The authorization header is malformed; Invalid credential date \"20130525\". This date is not "
                + "the same as X-Amz-Date: \"20130524\".", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "20130524", "2013-05-24T00:00:00Z", "20131324T000000Z", "20130524T000000"})
    void aMissingOrInvalidDateIsAccessDenied(String date) {
        RequestHeaders.Builder b = getObject(GOOD_AUTH).remove("x-amz-date");
        if (!date.isEmpty()) {
            b.add("x-amz-date", date);
        }
        S3Exception e = verifyFails(b.build());
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
        assertEquals("AWS authentication requires a valid Date or x-amz-date header", e.getMessage());
    }

    @Test
    void payloadHashIsRequiredAndMustBeWellFormed() {
        S3Exception missing = verifyFails(getObject(GOOD_AUTH).remove("x-amz-content-sha256").build());
        assertEquals(S3ErrorCode.INVALID_REQUEST, missing.code());
        assertEquals("Missing required header for this request: x-amz-content-sha256", missing.getMessage());
        S3Exception invalid = verifyFails(getObject(GOOD_AUTH).set("x-amz-content-sha256", "abc").build());
        assertEquals(S3ErrorCode.INVALID_ARGUMENT, invalid.code());
        assertEquals("x-amz-content-sha256", invalid.details().get("ArgumentName"));
        assertEquals("abc", invalid.details().get("ArgumentValue"));
        S3Exception ecdsa = verifyFails(getObject(GOOD_AUTH)
                .set("x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD").build());
        assertEquals(S3ErrorCode.NOT_IMPLEMENTED, ecdsa.code());
    }

    @Test
    void theHostHeaderMustBeSigned() {
        S3Exception e = verifyFails(getObject(GOOD_AUTH.replace("host;range;", "range;")).build());
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
        assertEquals("host", e.details().get("HeadersNotSigned"));
    }

    @Test
    void usingBothAuthorizationMechanismsAtOnceIsRefused() {
        S3Exception e = error(() -> VERIFIER.verify(new SignedRequest("GET", "/test.txt",
                "X-Amz-Signature=abc", getObject(GOOD_AUTH).build())));
        assertEquals(S3ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("Only one auth mechanism allowed"));
    }

    @Test
    void aPresignedUrlMissingAParameterIsAQueryParametersError() {
        S3Exception e = verifyFails("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20130524T000000Z");
        assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, e.code());
        assertTrue(e.getMessage().startsWith("Query-string authentication version 4 requires"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "604801", "soon"})
    void aPresignedLifetimeOutsideZeroToAWeekIsRefused(String expires) {
        String query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
                + "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=" + expires
                + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0".repeat(64);
        assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, verifyFails(query).code());
    }

    @Test
    void presignedCredentialErrorsAreWordedForTheQuery() {
        String query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
                + "us-east-1%2Fsqs%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60"
                + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + "0".repeat(64);
        S3Exception e = verifyFails(query);
        assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, e.code());
        assertTrue(e.getMessage().startsWith("Error parsing the X-Amz-Credential parameter; incorrect service"));
        assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
                verifyFails(query.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")).code());
    }

    @Test
    void aRequestWithoutAnySignatureIsAnonymous() {
        Authentication auth = VERIFIER.verify(new SignedRequest("GET", "/public/file", "versionId=1",
                RequestHeaders.builder().add("Host", "h").build()));
        assertTrue(auth.isAnonymous());
        assertNull(auth.accessKey());
        assertInstanceOf(PayloadPolicy.Unsigned.class, auth.payload());
    }

    @Test
    void anAnonymousRequestCannotSendSignedChunks() {
        S3Exception e = error(() -> VERIFIER.verify(new SignedRequest("PUT", "/public/file", null,
                RequestHeaders.builder().add("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                        .add("x-amz-decoded-content-length", "5").build())));
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
    }

    @Test
    void anAnonymousUnsignedChunkedBodyStillDecodes() {
        Authentication auth = VERIFIER.verify(new SignedRequest("PUT", "/public/file", null,
                RequestHeaders.builder().add("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
                        .add("x-amz-decoded-content-length", "5").add("x-amz-trailer", "x-amz-checksum-crc32")
                        .build()));
        assertInstanceOf(PayloadPolicy.AwsChunked.class, auth.payload());
        assertEquals(5, auth.payload().decodedLength(100));
    }

    @Test
    void aChunkedBodyWithoutItsDecodedLengthIsMissingContentLength() {
        S3Exception e = error(() -> VERIFIER.verify(new SignedRequest("PUT", "/public/file", null,
                RequestHeaders.builder().add("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER").build())));
        assertEquals(S3ErrorCode.MISSING_CONTENT_LENGTH, e.code());
    }
}
