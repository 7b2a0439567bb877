package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.LostReplies;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.ZkMetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A write whose ZooKeeper transaction committed but whose reply was lost, while another gateway
 * changed the same record, cannot be settled: the client is told the outcome is unknown (500
 * InternalError, which AWS documents as "may or may not have been processed"), never that nothing
 * changed.
 */
class UnknownOutcomeTest {

    private static final String ACCESS_KEY = "UNKNOWNOUTCOMEKEY001";
    private static final String SECRET_KEY = "unknown-outcome-secret-key-for-the-test";

    @Test
    void aBucketChangeWhoseOutcomeCannotBeLearnedIsAnsweredAsUnknown() throws Exception {
        Path dir = Files.createTempDirectory("imagegate-unknown-");
        try (TestingServer zk = new TestingServer(true);
             ZkMetadataStore other = ZkMetadataStore.connect(zk.getConnectString())) {
            LostReplies lossy = LostReplies.connect(zk.getConnectString());
            try (ZkMetadataStore meta = lossy.store()) {
                meta.createUser(new UserRecord("root", ACCESS_KEY, SECRET_KEY, Instant.now(), true));
                ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(dir);
                GatewayMetrics metrics = new GatewayMetrics(chunks.store());
                GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
                try (GatewayServer server = GatewayServer.start(
                        new Stores(meta, new DefaultChunkRepository(chunks.store()), Clock.systemUTC(), config),
                        new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults()
                                .withRegion("us-east-1", true), new RequestParser(List.of("localhost"))),
                        metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null);
                     S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                             .forcePathStyle(true)
                             .credentialsProvider(() -> AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))
                             .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
                    s3.createBucket(r -> r.bucket("images"));
                    AtomicBoolean lost = lossy.loseReplyToBucketWrite("images", () -> other.updateBucket(
                            other.bucket("images").orElseThrow().withAcl(CannedAcl.PUBLIC_READ)));
                    S3Exception e = assertThrows(S3Exception.class, () -> s3.putBucketVersioning(r -> r.bucket("images")
                            .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED))));
                    assertTrue(lost.get());
                    assertEquals(500, e.statusCode());
                    assertEquals("InternalError", e.awsErrorDetails().errorCode());
                    assertTrue(e.awsErrorDetails().errorMessage().contains("may or may not have been applied"),
                            e.awsErrorDetails().errorMessage());
                    // it had been applied, and the other gateway's change after it stays
                    assertEquals(Versioning.ENABLED, other.bucket("images").orElseThrow().versioning());
                    assertEquals(CannedAcl.PUBLIC_READ, other.bucket("images").orElseThrow().acl());
                }
            }
        }
    }
}
