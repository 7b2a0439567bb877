package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of the S3 API reference (examplebucket, AKIAIOSFODNN7EXAMPLE, 2013-05-24),
 * each with its published signature, through the whole verifier.
 */
class S3DocumentedExamplesTest {

    static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final Instant SIGNED_AT = Instant.parse("2013-05-24T00:00:00Z");
    private static final String CREDENTIAL = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
    private static final String HOST = "examplebucket.s3.amazonaws.com";

    static SigV4Verifier verifierAt(Instant now) {
        return new SigV4Verifier(k -> k.equals(ACCESS_KEY) ? Optional.of(SECRET) : Optional.empty(),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    private static RequestHeaders.Builder signedHeaders(String signedHeaders, String signature) {
        return RequestHeaders.builder()
                .add("Host", HOST)
                .add("x-amz-date", "20130524T000000Z")
                .add("Authorization", "AWS4-HMAC-SHA256 " + CREDENTIAL + ",SignedHeaders=" + signedHeaders
                        + ",Signature=" + signature);
    }

    @Test
    void getObjectWithRange() {
        RequestHeaders headers = signedHeaders("host;range;x-amz-content-sha256;x-amz-date",
                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
                .add("Range", "bytes=0-9")
                .add("x-amz-content-sha256", Hashes.EMPTY_SHA256)
                .build();
        Authentication auth = verifierAt(SIGNED_AT).verify(new SignedRequest("GET", "/test.txt", null, headers));
        assertEquals(ACCESS_KEY, auth.accessKey());
        assertEquals(Authentication.Method.AUTHORIZATION_HEADER, auth.method());
        assertInstanceOf(PayloadPolicy.Sha256.class, auth.payload());
    }

    @Test
    void putObjectWithADollarInTheKeyWhetherOrNotTheClientEscapedIt() throws IOException {
        byte[] body = "Welcome to Amazon S3.".getBytes(StandardCharsets.UTF_8);
        RequestHeaders headers = putObjectHeaders();
        for (String path : new String[] {"/test$file.text", "/test%24file.text"}) {
            Authentication auth = verifierAt(SIGNED_AT).verify(new SignedRequest("PUT", path, null, headers));
            assertArrayEquals(body, readAll(auth.payload().wrapBody(new ByteArrayInputStream(body), body.length)));
        }
    }

    @Test
    void putObjectWithAnAlteredBodyFailsAtEndOfStreamWithTheHashMismatch() {
        byte[] altered = "Welcome to Amazon S4.".getBytes(StandardCharsets.UTF_8);
        Authentication auth = verifierAt(SIGNED_AT).verify(
                new SignedRequest("PUT", "/test%24file.text", null, putObjectHeaders()));
        BodyRejectedException e = assertThrows(BodyRejectedException.class,
                () -> readAll(auth.payload().wrapBody(new ByteArrayInputStream(altered), altered.length)));
        assertEquals(S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH, e.error().code());
        assertEquals("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
                e.error().details().get("ClientComputedContentSHA256"));
    }

    private static RequestHeaders putObjectHeaders() {
        return signedHeaders("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
                .add("Date", "Fri, 24 May 2013 00:00:00 GMT")
                .add("x-amz-storage-class", "REDUCED_REDUNDANCY")
                .add("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
                .build();
    }

    @Test
    void getBucketLifecycleSignsAValuelessParameterWithAnEmptyValue() {
        RequestHeaders headers = signedHeaders("host;x-amz-content-sha256;x-amz-date",
                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
                .add("x-amz-content-sha256", Hashes.EMPTY_SHA256)
                .build();
        verifierAt(SIGNED_AT).verify(new SignedRequest("GET", "/", "lifecycle", headers));
    }

    @Test
    void listObjectsSortsTheQuery() {
        RequestHeaders headers = signedHeaders("host;x-amz-content-sha256;x-amz-date",
                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
                .add("x-amz-content-sha256", Hashes.EMPTY_SHA256)
                .build();
        verifierAt(SIGNED_AT).verify(new SignedRequest("GET", "/", "max-keys=2&prefix=J", headers));
        verifierAt(SIGNED_AT).verify(new SignedRequest("GET", "/", "prefix=J&max-keys=2", headers));
    }

    private static final String PRESIGNED_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    private static SignedRequest presignedGet() {
        return new SignedRequest("GET", "/test.txt", PRESIGNED_QUERY, RequestHeaders.builder().add("Host", HOST).build());
    }

    @Test
    void presignedUrlIsValidForItsWholeLifetime() {
        for (Instant now : new Instant[] {SIGNED_AT, SIGNED_AT.plusSeconds(86_400)}) {
            Authentication auth = verifierAt(now).verify(presignedGet());
            assertEquals(Authentication.Method.PRESIGNED_URL, auth.method());
            assertEquals(PayloadKind.UNSIGNED_PAYLOAD, auth.payload().contentSha256());
        }
    }

    @Test
    void presignedUrlExpiresAfterItsLifetime() {
        S3Exception e = assertThrows(S3Exception.class,
                () -> verifierAt(SIGNED_AT.plusSeconds(86_401)).verify(presignedGet()));
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
        assertEquals("Request has expired", e.getMessage());
        assertEquals(Map.of("X-Amz-Expires", "86400", "Expires", "2013-05-25T00:00:00Z",
                "ServerTime", "2013-05-25T00:00:01Z"), e.details());
    }

    @Test
    void aZeroLifetimeIsValidAndAlreadyExpired() {
        SignedRequest zero = new SignedRequest("GET", "/test.txt",
                PRESIGNED_QUERY.replace("X-Amz-Expires=86400", "X-Amz-Expires=0"),
                RequestHeaders.builder().add("Host", HOST).build());
        for (Instant now : new Instant[] {SIGNED_AT.minusSeconds(60), SIGNED_AT, SIGNED_AT.plusSeconds(1)}) {
            S3Exception e = assertThrows(S3Exception.class, () -> verifierAt(now).verify(zero));
            assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
            assertEquals("Request has expired", e.getMessage());
            assertEquals("0", e.details().get("X-Amz-Expires"));
            assertEquals("2013-05-24T00:00:00Z", e.details().get("Expires"));
        }
    }

    @Test
    void presignedUrlFromTheFutureIsRefusedBeyondTheClockSkew() {
        verifierAt(SIGNED_AT.minusSeconds(900)).verify(presignedGet());
        S3Exception e = assertThrows(S3Exception.class, () -> verifierAt(SIGNED_AT.minusSeconds(901)).verify(presignedGet()));
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
    }

    // "Transferring Payload in Multiple Chunks": 65,536 + 1,024 bytes of 'a', seeded from the header signature.
    private static final String[] CHUNK_SIGNATURES = {
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"};

    static byte[] documentedChunkedBody(String[] signatures, String trailers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] sizes = {65_536, 1024, 0};
        for (int i = 0; i < 3; i++) {
            out.writeBytes((Integer.toHexString(sizes[i]) + ";chunk-signature=" + signatures[i] + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] data = new byte[sizes[i]];
            Arrays.fill(data, (byte) 'a');
            out.writeBytes(data);
            if (i < 2) {
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        out.writeBytes((trailers + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static SignedRequest documentedChunkedRequest(int contentLength) {
        RequestHeaders headers = RequestHeaders.builder()
                .add("Host", "s3.amazonaws.com")
                .add("x-amz-date", "20130524T000000Z")
                .add("x-amz-storage-class", "REDUCED_REDUNDANCY")
                .add("Authorization", "AWS4-HMAC-SHA256 " + CREDENTIAL + ",SignedHeaders=content-encoding;"
                        + "content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                        + "x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
                .add("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                .add("Content-Encoding", "aws-chunked")
                .add("x-amz-decoded-content-length", "66560")
                .add("Content-Length", Integer.toString(contentLength))
                .build();
        return new SignedRequest("PUT", "/examplebucket/chunkObject.txt", null, headers);
    }

    @Test
    void chunkedUploadDecodesToTheObjectBytes() throws IOException {
        byte[] body = documentedChunkedBody(CHUNK_SIGNATURES, "");
        assertEquals(66_824, body.length, "the documented Content-Length");
        Authentication auth = verifierAt(SIGNED_AT).verify(documentedChunkedRequest(body.length));
        assertEquals(66_560, auth.payload().decodedLength(body.length));
        byte[] decoded = readAll(auth.payload().wrapBody(new ByteArrayInputStream(body), body.length));
        byte[] expected = new byte[66_560];
        Arrays.fill(expected, (byte) 'a');
        assertArrayEquals(expected, decoded);
    }

    @Test
    void chunkedUploadWithAnyChunkSignatureWrongIsRefused() {
        for (int i = 0; i < 3; i++) {
            String[] signatures = CHUNK_SIGNATURES.clone();
            signatures[i] = "0".repeat(64);
            byte[] body = documentedChunkedBody(signatures, "");
            Authentication auth = verifierAt(SIGNED_AT).verify(documentedChunkedRequest(body.length));
            BodyRejectedException e = assertThrows(BodyRejectedException.class,
                    () -> readAll(auth.payload().wrapBody(new ByteArrayInputStream(body), body.length)));
            assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.error().code(), "chunk " + i);
        }
    }

    // "Including Trailing Headers": the same data with an x-amz-checksum-crc32c trailer, itself signed.
    @Test
    void chunkedUploadWithASignedTrailerExposesTheTrailer() throws IOException {
        String[] signatures = {
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"};
        String trailers = "x-amz-checksum-crc32c:sOO8/Q==\r\n"
                + "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n";
        byte[] body = documentedChunkedBody(signatures, trailers);
        RequestHeaders headers = RequestHeaders.builder()
                .add("Host", "s3.amazonaws.com")
                .add("x-amz-date", "20130524T000000Z")
                .add("x-amz-storage-class", "REDUCED_REDUNDANCY")
                .add("Authorization", "AWS4-HMAC-SHA256 " + CREDENTIAL + ",SignedHeaders=content-encoding;host;"
                        + "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;"
                        + "x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e")
                .add("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
                .add("Content-Encoding", "aws-chunked")
                .add("x-amz-decoded-content-length", "66560")
                .add("x-amz-trailer", "x-amz-checksum-crc32c")
                .add("Content-Length", Integer.toString(body.length))
                .build();
        Authentication auth = verifierAt(SIGNED_AT).verify(
                new SignedRequest("PUT", "/examplebucket/chunkObject.txt", null, headers));
        PayloadStream stream = auth.payload().wrapBody(new ByteArrayInputStream(body), body.length);
        assertTrue(stream.trailers().isEmpty(), "trailers are known only at end of stream");
        assertEquals(66_560, readAll(stream).length);
        assertEquals(Map.of("x-amz-checksum-crc32c", "sOO8/Q=="), stream.trailers());

        byte[] tampered = documentedChunkedBody(signatures, trailers.replace("sOO8/Q==", "AAAAAA=="));
        PayloadStream bad = auth.payload().wrapBody(new ByteArrayInputStream(tampered), tampered.length);
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                assertThrows(BodyRejectedException.class, () -> readAll(bad)).error().code());
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
