package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** /health/live, /health/ready and /metrics; and a gateway that loses ZooKeeper acknowledges nothing. */
class OperationsEndpointsTest {

    static GatewayFixture gw;
    static S3Client s3;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(gw.endpoint().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void liveAndReadyAnswer200() throws Exception {
        assertEquals(200, get("/health/live").statusCode());
        HttpResponse<String> ready = get("/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
    }

    @Test
    void metricsCountRequestsByOperationAndStatus() throws Exception {
        s3.createBucket(r -> r.bucket("metered"));
        s3.putObject(r -> r.bucket("metered").key("k"), RequestBody.fromString("12345"));
        assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(r -> r.bucket("metered").key("missing")));
        String body = get("/metrics").body();
        assertTrue(body.contains("imagegate_s3_requests_seconds_count{operation=\"PutObject\",status=\"200\"}"), body);
        assertTrue(body.contains("imagegate_s3_requests_seconds_count{operation=\"GetObject\",status=\"404\"}"), body);
        assertTrue(body.contains("imagegate_s3_bytes_in_total"), body);
        assertTrue(body.contains("imagegate_chunks_cache_hit_ratio"), body);
    }

    @Test
    void reservedBucketNamesCannotBeCreated() throws Exception {
        RawHttp raw = new RawHttp(gw.endpoint());
        RawHttp.Response r = raw.signed("PUT", "/metrics", Map.of(), new byte[0], "0");
        assertEquals(400, r.status());
        assertEquals("InvalidBucketName", r.code());
    }

    @Test
    void withoutZooKeeperWritesAreRefusedWith503AndReadinessFails() throws Exception {
        s3.createBucket(r -> r.bucket("zk-outage"));
        gw.zookeeper().stop();
        try (S3Client once = S3Client.builder().endpointOverride(gw.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                        GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY))
                .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry()))
                .build()) {
            S3Exception e = assertThrows(S3Exception.class,
                    () -> once.putObject(r -> r.bucket("zk-outage").key("k"), RequestBody.fromString("x")));
            assertEquals(503, e.statusCode());
            HttpResponse<String> ready = get("/health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("zookeeper"), ready.body());
        } finally {
            gw.zookeeper().restart();
        }
        for (int i = 0; i < 100 && get("/health/ready").statusCode() != 200; i++) {
            Thread.sleep(200);
        }
        assertEquals(200, get("/health/ready").statusCode());
        s3.putObject(r -> r.bucket("zk-outage").key("k"), RequestBody.fromString("after"));
        assertEquals("after", s3.getObjectAsBytes(r -> r.bucket("zk-outage").key("k")).asUtf8String());
    }
}
