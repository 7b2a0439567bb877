package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Requests no client sends on purpose get the S3 error AWS gives, as XML with a RequestId, counted
 * in the metrics: never a 500, an empty body, or a bare 400 from the HTTP layer (issue 12, findings
 * 10 and 11).
 */
class HostileInputTest {

    static GatewayFixture gw;
    static S3Client s3;
    static RawHttp raw;
    static final String BUCKET = "hostile";

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        raw = new RawHttp(gw.endpoint());
        s3.createBucket(r -> r.bucket(BUCKET));
        s3.putObject(r -> r.bucket(BUCKET).key("hundred"), RequestBody.fromBytes(new byte[100]));
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
        assertNotNull(r.headers().get("x-amz-request-id"), r.headers().toString());
    }

    /** An unsigned request written as is. */
    static RawHttp.Response rawRequest(String requestLine, String... headers) throws Exception {
        StringBuilder head = new StringBuilder(requestLine + "\r\nHost: " + gw.endpoint().getHost() + ":"
                + gw.endpoint().getPort() + "\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        return raw.exchange(head.toString().getBytes(StandardCharsets.ISO_8859_1), new byte[0]);
    }

    static double count(String operation, int status) throws Exception {
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gw.endpoint().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String series = "imagegate_s3_requests_seconds_count{operation=\"" + operation + "\",status=\"" + status + "\"} ";
        return scrape.lines().filter(l -> l.startsWith(series)).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length()))).orElse(0.0);
    }

    @Test
    void anEmptyBucketSegmentIsInvalidBucketName() throws Exception {
        assertS3Error(rawRequest("GET //x HTTP/1.1"), 400, "InvalidBucketName");
        assertS3Error(raw.signed("PUT", "//x", Map.of(), "data".getBytes(), "4"), 400, "InvalidBucketName");
        assertS3Error(raw.signed("GET", "//", Map.of(), null, null), 400, "InvalidBucketName");
    }

    @Test
    void queryEscapesThatAreNotUtf8AreInvalidUriAnsweredAndCounted() throws Exception {
        double before = count("-", 400);
        assertS3Error(raw.signed("GET", "/" + BUCKET + "?prefix=%FF", Map.of(), null, null), 400, "InvalidURI");
        assertS3Error(raw.signed("GET", "/" + BUCKET + "/hundred?versionId=%00%FF", Map.of(), null, null), 400,
                "InvalidURI");
        assertS3Error(rawRequest("GET /" + BUCKET + "?prefix=%FF HTTP/1.1"), 400, "InvalidURI");
        assertEquals(before + 3, count("-", 400), "each is in the request metrics");
    }

    @Test
    void aContentLengthBeyondALongIsAnS3Error() throws Exception {
        RawHttp.Response r = rawRequest("PUT /" + BUCKET + "/big HTTP/1.1", "Content-Length: 99999999999999999999999");
        assertEquals(400, r.status(), r.body());
        assertTrue(r.body().contains("<RequestId>"), r.body());
    }

    @Test
    void aRangeStartingAtTheObjectsEndIsInvalidRange() throws Exception {
        RawHttp.Response r = raw.signed("GET", "/" + BUCKET + "/hundred", Map.of("Range", "bytes=100-"), null, null);
        assertS3Error(r, 416, "InvalidRange");
        assertEquals("bytes */100", r.headers().get("content-range"));
        assertEquals(206, raw.signed("GET", "/" + BUCKET + "/hundred", Map.of("Range", "bytes=99-"), null, null).status());
    }

    @Test
    void aTrailerThatIsNoChecksumIsInvalidRequest() throws Exception {
        RawHttp.Response r = raw.signed("PUT", "/" + BUCKET + "/trailer", Map.of("x-amz-trailer", "x-amz-meta-later"),
                "data".getBytes(), "4");
        assertS3Error(r, 400, "InvalidRequest");
    }

    @Test
    void requestsTheHttpLayerRefusesStillGetAnS3Error() throws Exception {
        assertS3Error(rawRequest("GET /" + BUCKET + "/%G1 HTTP/1.1"), 400, "InvalidURI");
        assertS3Error(rawRequest("GET /" + BUCKET + "/a%2 HTTP/1.1"), 400, "InvalidURI");
        assertS3Error(rawRequest("GET /" + BUCKET + "/" + "k".repeat(100_000) + " HTTP/1.1"), 400,
                "RequestHeaderSectionTooLarge");
        assertS3Error(rawRequest("GET /" + BUCKET + "/k HTTP/1.1", "x-amz-meta-big: " + "v".repeat(100_000)), 400,
                "RequestHeaderSectionTooLarge");
        assertS3Error(rawRequest("GET /" + BUCKET + "/k HTTP/1.1", "Bad Header Name: x"), 400, "InvalidRequest");
        double before = count("-", 400);
        rawRequest("GET /" + BUCKET + "/k HTTP/1.1", "x-amz-meta-big: " + "v".repeat(100_000));
        assertEquals(before + 1, count("-", 400), "counted in the request metrics");
    }

    /**
     * Undertow refuses these Host headers before any handler runs, with a bodiless 400 naming the
     * fault in its status line (found by GatewayWireFuzzTest: a second Host header).
     */
    @Test
    void aMissingRepeatedOrMalformedHostHeaderIsAnS3Error() throws Exception {
        String host = "Host: " + gw.endpoint().getHost() + ":" + gw.endpoint().getPort() + "\r\n";
        String get = "GET /" + BUCKET + "/hundred HTTP/1.1\r\n";
        double before = count("-", 400);
        for (String head : new String[] {get + host + "Host: other\r\n", get, get + "Host: a:b\r\n",
            get + "Host: [::1\r\n", get + "Host: a b\r\n", "GET http://elsewhere/" + BUCKET + "/hundred HTTP/1.1\r\n" + host}) {
            RawHttp.Response r = raw.exchange((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                    new byte[0]);
            assertS3Error(r, 400, "InvalidRequest");
            assertTrue(r.body().contains("Host header"), r.body());
        }
        assertEquals(before + 6, count("-", 400), "each is in the request metrics");
        assertEquals(200, raw.signed("GET", "/" + BUCKET + "/hundred", Map.of(), null, null).status(),
                "a request with one well-formed Host is served as before");
    }
}
