package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.LocalChunkStore;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Whatever an operation throws, an Error included, is answered as an S3 error, logged and counted
 * like any other request: an OutOfMemoryError (the heap ran out under some request) is 503
 * SlowDown, which clients retry; any other Error is 500 InternalError with an XML body.
 */
class ErrorsInOperationsTest {

    @TempDir
    Path dir;

    @Test
    void anErrorThrownInsideAnOperationIsAnsweredAsAnS3Error() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             MetadataStore meta = ZkMetadataStore.connect(zk.getConnectString());
             DefaultChunkRepository real = new DefaultChunkRepository(new MetricsChunkStore(LocalChunkStore.open(dir)))) {
            meta.createUser(new UserRecord("ann", "ann-access-key", "ann-secret-key", null, false));
            Error[] next = {null};
            // reads of object bytes throw whatever the test sets; everything else is the real repository
            ChunkRepository chunks = (ChunkRepository) Proxy.newProxyInstance(ChunkRepository.class.getClassLoader(),
                    new Class<?>[] {ChunkRepository.class}, (p, m, args) -> {
                        if (m.getName().equals("read") && next[0] != null) {
                            throw next[0];
                        }
                        try {
                            return m.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            GatewayConfig config = GatewayConfig.defaults().withPort(0);
            Stores stores = new Stores(meta, chunks, Clock.systemUTC(), config);
            GatewayMetrics metrics = new GatewayMetrics(new MetricsChunkStore(LocalChunkStore.open(dir.resolve("m"))));
            GatewayServer server = GatewayServer.start(stores, new SignatureAuthenticator(meta, Clock.systemUTC(),
                    SigV4Config.defaults(), new io.imagegate.gateway.api.RequestParser(List.of())), metrics,
                    new ManagementEndpoints(meta, () -> { }, metrics, false), null);
            try (S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                    .forcePathStyle(true).credentialsProvider(() -> AwsBasicCredentials.create("ann-access-key",
                            "ann-secret-key"))
                    .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.retries.DefaultRetryStrategy
                            .doNotRetry())).build()) {
                s3.createBucket(r -> r.bucket("errors"));
                s3.putObject(r -> r.bucket("errors").key("k"), RequestBody.fromString("bytes"));

                next[0] = new OutOfMemoryError("injected: Java heap space");
                S3Exception oom = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
                        () -> s3.getObjectAsBytes(r -> r.bucket("errors").key("k")));
                assertEquals(503, oom.statusCode());
                assertEquals("SlowDown", oom.awsErrorDetails().errorCode());
                assertTrue(oom.requestId() != null && !oom.requestId().isEmpty());

                next[0] = new StackOverflowError("injected");
                S3Exception other = org.junit.jupiter.api.Assertions.assertThrows(S3Exception.class,
                        () -> s3.getObjectAsBytes(r -> r.bucket("errors").key("k")));
                assertEquals(500, other.statusCode());
                assertEquals("InternalError", other.awsErrorDetails().errorCode());

                next[0] = null;
                assertEquals("bytes", s3.getObjectAsBytes(r -> r.bucket("errors").key("k")).asUtf8String(),
                        "the gateway goes on serving");
                String scrape = metrics.scrape();
                assertTrue(scrape.contains("imagegate_s3_requests_seconds_count{operation=\"GetObject\",status=\"503\"} 1"),
                        scrape);
                assertTrue(scrape.contains("imagegate_s3_requests_seconds_count{operation=\"GetObject\",status=\"500\"} 1"),
                        scrape);
            } finally {
                server.close();
            }
        }
    }
}
