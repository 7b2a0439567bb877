package io.imagegate.gateway.auth;

import static io.imagegate.gateway.auth.S3DocumentedExamplesTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;

/** Requests signed by the AWS SDK v2's signer pass; any change after signing fails with S3's error. */
class SdkSignedRequestsTest {

    static final String ACCESS_KEY = "AKIDIMAGEGATETEST";
    static final String SECRET = "s3cr3t/with+symbols=";
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static final SigV4Verifier VERIFIER = verifierAt(NOW);

    private static SigV4Verifier verifierAt(Instant now) {
        return new SigV4Verifier(k -> k.equals(ACCESS_KEY) ? Optional.of(SECRET) : Optional.empty(),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    private static SdkSigner.Wire sign(SdkSigner.Spec spec) {
        return SdkSigner.sign(spec, CLOCK);
    }

    private static byte[] bodyThrough(Authentication auth, SdkSigner.Wire wire) throws IOException {
        return readAll(auth.payload().wrapBody(new ByteArrayInputStream(wire.body()), wire.body().length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple.raw", "key with spaces", "a+b=c&d", "100%", "unicode/ünïcødé/日本語.img",
            "tilde~and.dots..", "double//slash", "trailing/", "!*'()$@,;:?#[]", "percent%2Fliteral", "./dot/../segments",
            "tab\tand\u00a0nbsp"})
    void objectKeysOfEveryShapeVerify(String key) throws IOException {
        byte[] body = ("contents of " + key).getBytes(StandardCharsets.UTF_8);
        SdkSigner.Wire wire = sign(SdkSigner.spec(SdkHttpMethod.PUT, "images", key).body(body)
                .header("Content-Type", "application/octet-stream"));
        Authentication auth = VERIFIER.verify(wire.request());
        assertEquals(ACCESS_KEY, auth.accessKey());
        assertArrayEquals(body, bodyThrough(auth, wire));
    }

    @Test
    void anEncodedSlashInsideAKeyStaysEncoded() {
        SdkSigner.Spec spec = new SdkSigner.Spec(SdkHttpMethod.GET, "/images/dir%2Ffile").body(new byte[0]);
        SdkSigner.Wire wire = sign(spec);
        VERIFIER.verify(wire.request());
        SignedRequest decodedSlash = new SignedRequest("GET", "/images/dir/file", wire.request().rawQuery(),
                wire.request().headers());
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, error(() -> VERIFIER.verify(decodedSlash)).code());
    }

    @Test
    void queriesWithReservedCharactersAndValuelessParametersVerify() {
        SdkSigner.Wire wire = sign(SdkSigner.spec(SdkHttpMethod.GET, "images", null)
                .query("list-type", "2").query("prefix", "a b/c+d").query("delimiter", "/")
                .query("continuation-token", "1==/+x~ü").query("versions", null).query("uploads", "")
                .query("max-keys", "1000").query("encoding-type", "url"));
        VERIFIER.verify(wire.request());
    }

    @Test
    void repeatedAndPaddedHeadersVerify() {
        SdkSigner.Wire wire = sign(SdkSigner.spec(SdkHttpMethod.PUT, "images", "k").body(new byte[10])
                .header("x-amz-meta-note", "  several   spaces\tand tab  ")
                .header("x-amz-meta-multi", "one", "two")
                .header("x-amz-tagging", "a=1&b=2")
                .header("If-None-Match", "*")
                .header("Content-MD5", ChecksumAlgorithm.MD5.base64Of(new byte[10])));
        VERIFIER.verify(wire.request());
    }

    @Test
    void unsignedPayloadPassesTheBodyThrough() throws IOException {
        byte[] body = new byte[100_000];
        new SplittableRandom(1).nextBytes(body);
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.PUT, "images", "big").body(body);
        spec.signPayload = false;
        SdkSigner.Wire wire = sign(spec);
        Authentication auth = VERIFIER.verify(wire.request());
        assertInstanceOf(PayloadPolicy.Unsigned.class, auth.payload());
        assertArrayEquals(body, bodyThrough(auth, wire));
    }

    @Test
    void signedChunksDecodeAndVerify() throws IOException {
        byte[] body = new byte[300_000];
        new SplittableRandom(2).nextBytes(body);
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.PUT, "images", "chunked.raw").body(body);
        spec.chunked = true;
        SdkSigner.Wire wire = sign(spec);
        assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", wire.request().headers().first("x-amz-content-sha256"));
        Authentication auth = VERIFIER.verify(wire.request());
        assertEquals(body.length, auth.payload().decodedLength(wire.body().length));
        assertArrayEquals(body, bodyThrough(auth, wire));
    }

    @Test
    void aFlippedByteInASignedChunkIsASignatureMismatch() {
        byte[] body = new byte[300_000];
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.PUT, "images", "chunked.raw").body(body);
        spec.chunked = true;
        SdkSigner.Wire wire = sign(spec);
        wire.body()[200_000] ^= 1;
        Authentication auth = VERIFIER.verify(wire.request());
        BodyRejectedException e = assertThrows(BodyRejectedException.class, () -> bodyThrough(auth, wire));
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.error().code());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void chunksWithAChecksumTrailerExposeIt(boolean signedChunks) throws IOException {
        byte[] body = new byte[200_001];
        new SplittableRandom(3).nextBytes(body);
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.PUT, "images", "trailer.raw").body(body);
        spec.chunked = true;
        spec.signPayload = signedChunks;
        spec.trailerChecksum = DefaultChecksumAlgorithm.CRC32C;
        SdkSigner.Wire wire = sign(spec);
        assertEquals(signedChunks ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" : "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                wire.request().headers().first("x-amz-content-sha256"));
        Authentication auth = VERIFIER.verify(wire.request());
        assertEquals(java.util.List.of("x-amz-checksum-crc32c"), auth.payload().declaredTrailers());
        PayloadStream stream = auth.payload().wrapBody(new ByteArrayInputStream(wire.body()), wire.body().length);
        assertArrayEquals(body, readAll(stream));
        assertEquals(Map.of("x-amz-checksum-crc32c", ChecksumAlgorithm.CRC32C.base64Of(body)), stream.trailers());
    }

    @Test
    void presignedUrlsVerifyUntilTheyExpire() {
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.GET, "images", "disk image.qcow2").query("partNumber", "3");
        spec.presignedFor = Duration.ofHours(1);
        SdkSigner.Wire wire = sign(spec);
        assertTrue(wire.request().rawQuery().contains("X-Amz-Signature="));
        Authentication auth = VERIFIER.verify(wire.request());
        assertEquals(Authentication.Method.PRESIGNED_URL, auth.method());
        verifierAt(NOW.plusSeconds(3600)).verify(wire.request());
        S3Exception expired = error(() -> verifierAt(NOW.plusSeconds(3601)).verify(wire.request()));
        assertEquals(S3ErrorCode.ACCESS_DENIED, expired.code());
        assertEquals("Request has expired", expired.getMessage());
    }

    @Test
    void presignedUrlsLongerThanAWeekAreRefused() {
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.GET, "images", "k");
        spec.presignedFor = Duration.ofDays(7);
        VERIFIER.verify(sign(spec).request());
        SdkSigner.Wire wire = sign(spec);
        SignedRequest tooLong = withQuery(wire.request(), q -> q.replace("X-Amz-Expires=604800", "X-Amz-Expires=604801"));
        S3Exception e = error(() -> VERIFIER.verify(tooLong));
        assertEquals(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, e.code());
        assertEquals("X-Amz-Expires must be less than a week (in seconds) that is 604800", e.getMessage());
    }

    @Test
    void tamperingWithAPresignedQueryBreaksTheSignature() {
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.GET, "images", "k").query("versionId", "v1");
        spec.presignedFor = Duration.ofMinutes(5);
        SdkSigner.Wire wire = sign(spec);
        SignedRequest other = withQuery(wire.request(), q -> q.replace("versionId=v1", "versionId=v2"));
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, error(() -> VERIFIER.verify(other)).code());
    }

    @Test
    void changingAnythingSignedIsASignatureMismatchWithS3sDetails() {
        SdkSigner.Wire wire = sign(SdkSigner.spec(SdkHttpMethod.PUT, "images", "k").body(new byte[3])
                .header("x-amz-meta-owner", "alice").query("tagging", ""));
        SignedRequest r = wire.request();
        SignedRequest[] tampered = {
            new SignedRequest("POST", r.rawPath(), r.rawQuery(), r.headers()),
            new SignedRequest(r.method(), r.rawPath() + "2", r.rawQuery(), r.headers()),
            new SignedRequest(r.method(), r.rawPath(), r.rawQuery() + "&versionId=x", r.headers()),
            withHeader(r, "x-amz-meta-owner", "mallory"),
            withHeader(r, "Host", "elsewhere:9000"),
        };
        for (SignedRequest t : tampered) {
            S3Exception e = error(() -> VERIFIER.verify(t));
            assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, e.code());
            assertEquals(ACCESS_KEY, e.details().get("AWSAccessKeyId"));
            assertTrue(e.details().get("CanonicalRequest").startsWith(t.method() + "\n/images/k"));
            assertTrue(e.details().get("StringToSign").startsWith("AWS4-HMAC-SHA256\n20260301T101530Z\n"));
            assertEquals(r.headers().first("authorization").substring(r.headers().first("authorization").length() - 64),
                    e.details().get("SignatureProvided"));
        }
    }

    @Test
    void anUnsignedAmzHeaderAddedAfterSigningIsRefused() {
        SdkSigner.Wire wire = sign(SdkSigner.spec(SdkHttpMethod.PUT, "images", "k").body(new byte[3]));
        SignedRequest r = withHeader(wire.request(), "x-amz-acl", "public-read");
        S3Exception e = error(() -> VERIFIER.verify(r));
        assertEquals(S3ErrorCode.ACCESS_DENIED, e.code());
        assertEquals("x-amz-acl", e.details().get("HeadersNotSigned"));
        // Other unsigned headers are fine: proxies add them.
        VERIFIER.verify(withHeader(wire.request(), "User-Agent", "curl/8"));
    }

    @Test
    void aWrongSecretIsASignatureMismatchAndAnUnknownKeyIsInvalidAccessKeyId() {
        SdkSigner.Spec wrongSecret = SdkSigner.spec(SdkHttpMethod.GET, "images", "k");
        wrongSecret.secret = "not-the-secret";
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, error(() -> VERIFIER.verify(sign(wrongSecret).request())).code());
        SdkSigner.Spec unknown = SdkSigner.spec(SdkHttpMethod.GET, "images", "k");
        unknown.accessKey = "AKIDNOBODY";
        S3Exception e = error(() -> VERIFIER.verify(sign(unknown).request()));
        assertEquals(S3ErrorCode.INVALID_ACCESS_KEY_ID, e.code());
        assertEquals("AKIDNOBODY", e.details().get("AWSAccessKeyId"));
    }

    @Test
    void aClientRegionOtherThanOursIsAcceptedByDefaultAndRefusedWhenStrict() {
        SdkSigner.Spec spec = SdkSigner.spec(SdkHttpMethod.GET, "images", "k");
        spec.region = "eu-west-3";
        SignedRequest r = sign(spec).request();
        VERIFIER.verify(r);
        SigV4Verifier strict = new SigV4Verifier(k -> Optional.of(SECRET), CLOCK,
                SigV4Config.defaults().withRegion("us-east-1", false));
        S3Exception e = error(() -> strict.verify(r));
        assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, e.code());
        assertEquals("The authorization header is malformed; the region 'eu-west-3' is wrong; expecting 'us-east-1'",
                e.getMessage());
        assertEquals("us-east-1", e.details().get("Region"));
    }

    @Test
    void aSignatureOlderThanFifteenMinutesIsTooSkewed() {
        SignedRequest r = sign(SdkSigner.spec(SdkHttpMethod.GET, "images", "k")).request();
        verifierAt(NOW.plusSeconds(900)).verify(r);
        verifierAt(NOW.minusSeconds(900)).verify(r);
        S3Exception e = error(() -> verifierAt(NOW.plusSeconds(901)).verify(r));
        assertEquals(S3ErrorCode.REQUEST_TIME_TOO_SKEWED, e.code());
        assertEquals(Map.of("RequestTime", "20260301T101530Z", "ServerTime", "2026-03-01T10:30:31Z",
                "MaxAllowedSkewMilliseconds", "900000"), e.details());
    }

    @Test
    void verifyingFromManyThreadsAtOnceAgrees() throws Exception {
        SignedRequest[] requests = new SignedRequest[16];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = sign(SdkSigner.spec(SdkHttpMethod.GET, "images", "key-" + i)).request();
        }
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 2000; i++) {
                        ok += ACCESS_KEY.equals(VERIFIER.verify(requests[i % requests.length]).accessKey()) ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (var r : results) {
                assertEquals(2000, r.get());
            }
        }
    }

    static S3Exception error(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(S3Exception.class, call);
    }

    private static SignedRequest withQuery(SignedRequest r, UnaryOperator<String> change) {
        return new SignedRequest(r.method(), r.rawPath(), change.apply(r.rawQuery()), r.headers());
    }

    static SignedRequest withHeader(SignedRequest r, String name, String value) {
        RequestHeaders.Builder b = RequestHeaders.builder();
        for (String n : r.headers().names()) {
            r.headers().all(n).forEach(v -> b.add(n, v));
        }
        b.set(name, value);
        return new SignedRequest(r.method(), r.rawPath(), r.rawQuery(), b.build());
    }
}
