package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.ChunkStoreOptions;
import io.imagegate.gateway.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Random;
import org.apache.curator.test.TestingServer;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The chunk store (an S3 service) going away: reads that need it answer 503 ServiceUnavailable
 * with Retry-After once the gateway's retries are spent, no write is acknowledged, readiness
 * fails, and everything works again when the service is back. Never a partial object.
 */
class ChunkStoreOutageTest {

    static final String KEY = "CHUNKSACCESSKEY00002";
    static final String SECRET = "chunks-secret-key-for-the-test-0000002";

    @Test
    void chunkStoreOutageIs503ThenRecovers() throws Exception {
        Path dir = Files.createTempDirectory("imagegate-outage-");
        Properties p = new Properties();
        Files.createDirectories(dir.resolve("blobs"));
        p.setProperty("jclouds.filesystem.basedir", dir.resolve("blobs").toString());
        int port;
        S3Proxy proxy = start(p, 0);
        port = proxy.getPort();
        URI s3 = URI.create("http://127.0.0.1:" + port);
        try (S3Client admin = client(s3)) {
            admin.createBucket(r -> r.bucket("outage-chunks"));
        }
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir.resolve("gw")).withZooKeeper(zk.getConnectString())
                     .withPort(0).withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY)
                     .withChunks(new ChunkStoreOptions("s3://outage-chunks/p/", s3.toString(), null, KEY, SECRET,
                             0, null, 0)));
             S3Client c = S3Client.builder().endpointOverride(gw.endpoint())
                     .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                     .credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                             GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY))
                     .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
            GatewayFixture.ensureTenant(gw.meta());
            byte[] data = new byte[1 << 20];
            new Random(5).nextBytes(data);
            c.createBucket(r -> r.bucket("outage"));
            c.putObject(r -> r.bucket("outage").key("img"), RequestBody.fromBytes(data));

            proxy.stop();
            awaitClosed(port);
            S3Exception read = assertThrows(S3Exception.class, () -> c.getObjectAsBytes(r -> r.bucket("outage").key("img")));
            assertEquals(503, read.statusCode());
            assertNotNull(read.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After").orElse(null));
            S3Exception write = assertThrows(S3Exception.class,
                    () -> c.putObject(r -> r.bucket("outage").key("new"), RequestBody.fromBytes(data)));
            assertEquals(503, write.statusCode());
            HttpResponse<String> ready = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(gw.endpoint().resolve("/health/ready")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("chunks"), ready.body());

            proxy = start(p, port);
            assertEquals(data.length, c.getObjectAsBytes(r -> r.bucket("outage").key("img")).asByteArray().length);
            assertTrue(c.listObjectsV2(r -> r.bucket("outage")).contents().stream().noneMatch(o -> o.key().equals("new")),
                    "the refused write left no object");
        } finally {
            proxy.stop();
        }
    }

    private static S3Proxy start(Properties p, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", p))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).build();
        proxy.start();
        for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(10);
        }
        return proxy;
    }

    /** Until the port refuses connections: Jetty's stop returns before its connectors are gone. */
    private static void awaitClosed(int port) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                Thread.sleep(20);
            } catch (java.io.IOException refused) {
                return;
            }
        }
        throw new IllegalStateException("s3proxy still accepts connections on " + port);
    }

    private static S3Client client(URI s3) {
        return S3Client.builder().endpointOverride(s3).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials
                        .create(KEY, SECRET)).build();
    }
}
