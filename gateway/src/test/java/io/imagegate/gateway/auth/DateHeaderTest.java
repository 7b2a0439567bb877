package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** A request may carry its time in the HTTP Date header instead of x-amz-date. */
class DateHeaderTest {

    @Test
    void aRequestDatedOnlyByTheDateHeaderVerifies() throws Exception {
        String creq = "GET\n/bucket/key\n\ndate:Sun, 01 Mar 2026 10:15:30 GMT\nhost:localhost\n"
                + "x-amz-content-sha256:UNSIGNED-PAYLOAD\n\ndate;host;x-amz-content-sha256\nUNSIGNED-PAYLOAD";
        String sts = "AWS4-HMAC-SHA256\n20260301T101530Z\n20260301/us-east-1/s3/aws4_request\n"
                + hex(MessageDigest.getInstance("SHA-256").digest(creq.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + "secret").getBytes(StandardCharsets.UTF_8), "20260301");
        for (String part : new String[] {"us-east-1", "s3", "aws4_request"}) {
            key = hmac(key, part);
        }
        RequestHeaders headers = RequestHeaders.builder()
                .add("Host", "localhost")
                .add("Date", "Sun, 01 Mar 2026 10:15:30 GMT")
                .add("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
                .add("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20260301/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=date;host;x-amz-content-sha256, Signature=" + hex(hmac(key, sts)))
                .build();
        SigV4Verifier verifier = new SigV4Verifier(k -> Optional.of("secret"),
                Clock.fixed(Instant.parse("2026-03-01T10:20:00Z"), ZoneOffset.UTC));
        assertEquals("AK", verifier.verify(new SignedRequest("GET", "/bucket/key", null, headers)).accessKey());
    }

    @Test
    void timestampsParseStrictly() {
        assertEquals(Instant.parse("2013-05-24T00:00:00Z"), AmzDate.parseBasic("20130524T000000Z"));
        assertNull(AmzDate.parseBasic("20130230T000000Z"));
        assertNull(AmzDate.parseBasic("2013052AT000000Z"));
        assertEquals(Instant.parse("2013-05-24T00:00:00Z"), AmzDate.parseHttpDate("Fri, 24 May 2013 00:00:00 GMT"));
        assertNull(AmzDate.parseHttpDate("yesterday"));
        assertEquals("20130524T000000Z", AmzDate.formatBasic(Instant.parse("2013-05-24T00:00:00.9Z")));
        assertEquals("2013-05-24T00:00:00Z", AmzDate.formatIso(Instant.parse("2013-05-24T00:00:00.9Z")));
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
