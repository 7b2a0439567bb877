package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.gateway.S3Exception;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Signature Version 2 against the examples of S3's documentation ("Signing and authenticating REST requests"). */
class SigV2VerifierTest {

    static final String AK = "AKIAIOSFODNN7EXAMPLE";
    static final String SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final Instant WHEN = Instant.parse("2007-03-27T19:36:42Z");

    static SigV2Verifier verifier(Instant now) {
        return new SigV2Verifier(ak -> ak.equals(AK) ? Optional.of(SK) : Optional.empty(),
                Clock.fixed(now, ZoneOffset.UTC), Duration.ofMinutes(15));
    }

    static SignedRequest get(String path, String query, String authorization) {
        RequestHeaders.Builder h = RequestHeaders.builder()
                .add("Host", "awsexamplebucket1.us-west-1.s3.amazonaws.com")
                .add("Date", "Tue, 27 Mar 2007 19:36:42 +0000");
        if (authorization != null) {
            h.add("Authorization", authorization);
        }
        return new SignedRequest("GET", path, query, h.build());
    }

    @Test
    void documentedObjectGetVerifies() {
        SignedRequest r = get("/photos/puppy.jpg", null, "AWS " + AK + ":qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
        Authentication a = verifier(WHEN).verify(r, Map.of(), "awsexamplebucket1");
        assertEquals(AK, a.accessKey());
    }

    @Test
    void documentedStringToSignIsReproduced() {
        SignedRequest r = get("/photos/puppy.jpg", null, null);
        assertEquals("GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg",
                SigV2Verifier.stringToSign(r, Map.of(), "awsexamplebucket1", "Tue, 27 Mar 2007 19:36:42 +0000", false));
    }

    @Test
    void wrongSignatureIsSignatureDoesNotMatch() {
        SignedRequest r = get("/photos/puppy.jpg", null, "AWS " + AK + ":AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        S3Exception e = assertThrows(S3Exception.class, () -> verifier(WHEN).verify(r, Map.of(), "awsexamplebucket1"));
        assertEquals("SignatureDoesNotMatch", e.code().code());
    }

    @Test
    void skewedDateIsRequestTimeTooSkewed() {
        SignedRequest r = get("/photos/puppy.jpg", null, "AWS " + AK + ":qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
        S3Exception e = assertThrows(S3Exception.class,
                () -> verifier(WHEN.plus(Duration.ofMinutes(16))).verify(r, Map.of(), "awsexamplebucket1"));
        assertEquals("RequestTimeTooSkewed", e.code().code());
    }

    @Test
    void presignedUrlVerifiesUntilItExpires() throws Exception {
        // the string to sign of S3's query-string authentication: the expiry takes the Date's place
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
        mac.init(new javax.crypto.spec.SecretKeySpec(SK.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = java.util.Base64.getEncoder().encodeToString(mac.doFinal(
                "GET\n\n\n1175139620\n/awsexamplebucket1/photos/puppy.jpg".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Map<String, String> q = Map.of("AWSAccessKeyId", AK, "Expires", "1175139620", "Signature", signature);
        SignedRequest r = new SignedRequest("GET", "/photos/puppy.jpg",
                "AWSAccessKeyId=" + AK + "&Expires=1175139620&Signature=" + java.net.URLEncoder.encode(signature, "UTF-8"),
                RequestHeaders.builder().add("Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com").build());
        assertEquals(AK, verifier(Instant.ofEpochSecond(1175139600)).verify(r, q, "awsexamplebucket1").accessKey());
        S3Exception expired = assertThrows(S3Exception.class,
                () -> verifier(Instant.ofEpochSecond(1175139621)).verify(r, q, "awsexamplebucket1"));
        assertEquals("AccessDenied", expired.code().code());
    }

    @Test
    void unknownKeyIsInvalidAccessKeyId() {
        SignedRequest r = get("/photos/puppy.jpg", null, "AWS AKIDUNKNOWN:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
        S3Exception e = assertThrows(S3Exception.class, () -> verifier(WHEN).verify(r, Map.of(), "awsexamplebucket1"));
        assertEquals("InvalidAccessKeyId", e.code().code());
    }
}
