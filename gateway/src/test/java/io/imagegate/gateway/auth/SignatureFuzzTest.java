package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.Query;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fuzzes SigV4 and SigV2 verification and the canonical forms they sign: whatever a request
 * carries, the verifiers answer with an authentication or one of the errors S3 gives for bad
 * signatures, never another exception; the canonical path, query and header values are fixed
 * points (canonicalising a canonical form changes nothing); timestamps parse strictly (what parses
 * formats back to the same text). Requests are built around a valid signature's shape, so the
 * fuzzer reaches the checks past the first malformed field.
 */
class SignatureFuzzTest {

    static final String ACCESS_KEY = "AKIDFUZZ";
    static final String SECRET = "fuzz-secret-key";
    /** The gateway's clock for every input, so a replayed input decides the same way. */
    static final Instant NOW = Instant.parse("2026-03-14T15:09:26Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final SecretKeys SECRETS = key -> ACCESS_KEY.equals(key) ? Optional.of(SECRET) : Optional.empty();
    private static final SigV4Verifier V4 = new SigV4Verifier(SECRETS, CLOCK);
    private static final SigV4Verifier V4_REGION = new SigV4Verifier(SECRETS, CLOCK,
            SigV4Config.defaults().withRegion("us-east-1", false));
    private static final SigV2Verifier V2 = new SigV2Verifier(SECRETS, CLOCK, Duration.ofMinutes(15));

    /** What S3 answers a request whose authentication is wrong, in any way. */
    private static final Set<S3ErrorCode> AUTH_ERRORS = EnumSet.of(S3ErrorCode.ACCESS_DENIED,
            S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
            S3ErrorCode.INVALID_ACCESS_KEY_ID, S3ErrorCode.INVALID_ARGUMENT, S3ErrorCode.INVALID_REQUEST,
            S3ErrorCode.MISSING_CONTENT_LENGTH, S3ErrorCode.NOT_IMPLEMENTED, S3ErrorCode.REQUEST_TIME_TOO_SKEWED,
            S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, S3ErrorCode.INVALID_URI);

    private static final String[] METHODS = {"GET", "PUT", "POST", "HEAD", "DELETE"};
    private static final String[] HEADER_NAMES = {"host", "x-amz-date", "date", "x-amz-content-sha256",
        "x-amz-decoded-content-length", "x-amz-trailer", "content-md5", "content-type", "x-amz-meta-a",
        "x-imagegate-base-version-id", "X-Amz-Acl", "content-encoding"};
    private static final String[] PAYLOADS = {"UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", Hashes.EMPTY_SHA256};

    @FuzzTest
    void sigV4AnswersAnAuthenticationOrAnAuthError(FuzzedDataProvider data) {
        boolean strictRegion = data.consumeBoolean();
        SignedRequest request = v4Request(data);
        Authentication auth;
        try {
            auth = (strictRegion ? V4_REGION : V4).verify(request);
        } catch (S3Exception e) {
            assertAuthError(e);
            return;
        }
        assertNotNull(auth.payload());
        assertTrue(auth.isAnonymous() || ACCESS_KEY.equals(auth.accessKey()));
        assertTrue(auth.payload().decodedLength(0) >= 0);
    }

    @FuzzTest
    @DictionaryEntries({"AWSAccessKeyId=AKIDFUZZ&Signature=", "&Expires=", "&Expires=-", "99999999999999999",
        "x-amz-date", "?acl", "&versionId=", "uploadId", "response-content-type", "commit"})
    void sigV2AnswersAnAuthenticationOrAnAuthError(FuzzedDataProvider data) {
        RequestHeaders.Builder headers = RequestHeaders.builder();
        String method = data.pickValue(METHODS);
        if (data.consumeBoolean()) {
            headers.add("authorization", "AWS " + (data.consumeBoolean() ? ACCESS_KEY : data.consumeString(20)) + ":"
                    + data.consumeString(40));
        }
        if (data.consumeBoolean()) {
            headers.add("date", data.consumeBoolean() ? DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    NOW.plusSeconds(data.consumeInt(-2000, 2000)).atOffset(ZoneOffset.UTC)) : data.consumeString(40));
        }
        int more = data.consumeInt(0, 4);
        for (int i = 0; i < more; i++) {
            headers.add(data.pickValue(HEADER_NAMES), data.consumeString(60));
        }
        String rawQuery = data.consumeString(300);
        String rawPath = data.consumeRemainingAsString();
        SignedRequest request = new SignedRequest(method, rawPath, rawQuery, headers.build());
        try {
            Map<String, String> query = Query.parse(rawQuery).all();
            if (SigV2Verifier.applies(request, query)) {
                V2.verify(request, query, rawPath.length() % 2 == 0 ? null : "bucket");
            }
        } catch (S3Exception e) {
            assertAuthError(e);
        }
    }

    /** Canonical forms are fixed points, and the verifier's own parsers answer only their errors. */
    @FuzzTest
    void canonicalFormsAreFixedPoints(FuzzedDataProvider data) {
        String a = data.consumeString(300);
        String b = data.consumeRemainingAsString();

        String uri = Canonical.uri(a);
        assertEquals(uri, Canonical.uri(uri), "the canonical URI of a canonical URI is itself");
        assertTrue(Canonical.isCanonical(uri, 0, uri.length(), false), uri);

        String query = QueryParameters.parse(b).canonical(null);
        assertEquals(query, QueryParameters.parse(query).canonical(null), "the canonical query of a canonical query is itself");
        String withoutSignature = QueryParameters.parse(b).canonical("X-Amz-Signature");
        assertTrue(query.length() >= withoutSignature.length());

        StringBuilder trimmed = new StringBuilder();
        Canonical.appendTrimmed(a, trimmed);
        StringBuilder again = new StringBuilder();
        Canonical.appendTrimmed(trimmed.toString(), again);
        assertEquals(trimmed.toString(), again.toString(), "a trimmed header value stays as it is");

        try {
            AuthorizationHeader h = AuthorizationHeader.parse(AuthorizationHeader.ALGORITHM + b);
            assertNotNull(h.credential());
            assertNotNull(h.signedHeaders());
            assertNotNull(h.signature());
        } catch (S3Exception e) {
            assertEquals(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED, e.code());
        }
        for (AuthLocation where : AuthLocation.values()) {
            try {
                CredentialScope scope = CredentialScope.parse(a, where);
                assertEquals(a, scope.accessKey() + "/" + scope.scope(), "a credential is its scope");
            } catch (S3Exception e) {
                assertEquals(where == AuthLocation.HEADER ? S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED
                        : S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR, e.code());
            }
        }
        Instant basic = AmzDate.parseBasic(a);
        if (basic != null) {
            assertEquals(a, AmzDate.formatBasic(basic), "an x-amz-date formats back to itself");
        }
        AmzDate.parseHttpDate(b);
    }

    /** A request shaped like a SigV4 one (header or presigned), every part open to the fuzzer. */
    private static SignedRequest v4Request(FuzzedDataProvider data) {
        String method = data.pickValue(METHODS);
        RequestHeaders.Builder headers = RequestHeaders.builder();
        String scopeDate = DateTimeFormatter.BASIC_ISO_DATE.format(NOW.atOffset(ZoneOffset.UTC)).substring(0, 8);
        String amzDate = AmzDate.formatBasic(NOW.plusSeconds(data.consumeInt(-1200, 1200)));
        String credential = (data.consumeBoolean() ? ACCESS_KEY : data.consumeString(16)) + "/"
                + (data.consumeBoolean() ? scopeDate : data.consumeString(10)) + "/"
                + (data.consumeBoolean() ? "us-east-1" : data.consumeString(12)) + "/"
                + (data.consumeBoolean() ? "s3" : data.consumeString(4)) + "/"
                + (data.consumeBoolean() ? "aws4_request" : data.consumeString(14));
        String signedHeaders = data.consumeBoolean() ? "host;x-amz-content-sha256;x-amz-date" : data.consumeString(60);
        String signature = data.consumeBoolean() ? "0".repeat(64) : data.consumeString(70);
        StringBuilder query = new StringBuilder(data.consumeString(200));
        switch (data.consumeInt(0, 2)) {
            case 0 -> headers.add("authorization", data.consumeBoolean()
                    ? AuthorizationHeader.ALGORITHM + " Credential=" + credential + ", SignedHeaders=" + signedHeaders
                            + ", Signature=" + signature
                    : data.consumeString(200));
            case 1 -> query.append(query.isEmpty() ? "" : "&").append("X-Amz-Algorithm=")
                    .append(data.consumeBoolean() ? AuthorizationHeader.ALGORITHM : data.consumeString(20))
                    .append("&X-Amz-Credential=").append(credential.replace("/", "%2F"))
                    .append("&X-Amz-Date=").append(data.consumeBoolean() ? amzDate : data.consumeString(18))
                    .append("&X-Amz-Expires=").append(data.consumeBoolean() ? "300" : data.consumeString(22))
                    .append("&X-Amz-SignedHeaders=").append(signedHeaders.replace(";", "%3B"))
                    .append("&X-Amz-Signature=").append(signature);
            default -> { } // anonymous, or whatever the fuzzer writes into the query
        }
        if (data.consumeBoolean()) {
            headers.add("x-amz-date", data.consumeBoolean() ? amzDate : data.consumeString(20));
        }
        if (data.consumeBoolean()) {
            headers.add("x-amz-content-sha256", data.consumeBoolean() ? data.pickValue(PAYLOADS) : data.consumeString(70));
        }
        headers.add("host", "localhost:9000");
        int more = data.consumeInt(0, 5);
        for (int i = 0; i < more; i++) {
            headers.add(data.pickValue(HEADER_NAMES), data.consumeString(80));
        }
        String rawPath = data.consumeRemainingAsString();
        return new SignedRequest(method, rawPath, query.toString(), headers.build());
    }

    private static void assertAuthError(S3Exception e) {
        assertTrue(AUTH_ERRORS.contains(e.code()), () -> "not an authentication error: " + e.code() + " " + e.getMessage());
        assertNotEquals(S3ErrorCode.INTERNAL_ERROR, e.code());
    }
}
