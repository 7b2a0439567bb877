package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.ZkMetadataStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A gateway authorizes requests against a bucket record it keeps for a while ({@link BucketCache});
 * every write it then makes carries that record's incarnation, so a bucket deleted and created again
 * (by another owner, through another gateway) within that while never receives a write authorized on
 * the first one: the write finds NoSuchBucket. The cache is given an hour here, so the test does not
 * depend on timing; in a gateway it is one second.
 */
class BucketIncarnationTest {

    @TempDir
    Path dir;

    private static S3Client client(GatewayServer server, String access, String secret) {
        return S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(() -> AwsBasicCredentials.create(access, secret))
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build();
    }

    private static void assertNoSuchBucket(Executable request) {
        S3Exception e = assertThrows(S3Exception.class, request);
        assertEquals(404, e.statusCode(), e.toString());
        assertEquals("NoSuchBucket", e.awsErrorDetails().errorCode());
    }

    // Before (issue 11, point 4): carol's PUT, authorized on alice's public-read-write bucket, was
    // published into bob's private bucket of the same name (200), as was her multipart upload; alice's
    // DeleteBucket deleted bob's bucket and her PutBucketAcl made it public.
    @Test
    void writesAuthorizedOnADeletedBucketNeverReachTheBucketCreatedInItsPlace() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             ZkMetadataStore meta = ZkMetadataStore.connect(zk.getConnectString());
             ZkMetadataStore otherGateway = ZkMetadataStore.connect(zk.getConnectString())) {
            meta.createUser(new UserRecord("alice", "ALICEACCESSKEY000001", "alice-secret-key-1", Instant.now(), false));
            meta.createUser(new UserRecord("carol", "CAROLACCESSKEY000001", "carol-secret-key-1", Instant.now(), false));
            UserRecord bob = meta.createUser(new UserRecord("bob", "BOBACCESSKEY00000001", "bob-secret-key-01",
                    Instant.now(), false));
            MetadataStore cached = BucketCache.wrap(meta, Duration.ofHours(1));
            ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(dir);
            GatewayMetrics metrics = new GatewayMetrics(chunks.store());
            GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
            try (GatewayServer server = GatewayServer.start(
                    new Stores(cached, new DefaultChunkRepository(chunks.store()), Clock.systemUTC(), config),
                    new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults()
                            .withRegion("us-east-1", true), new RequestParser(List.of("localhost"))),
                    metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null);
                 S3Client alice = client(server, "ALICEACCESSKEY000001", "alice-secret-key-1");
                 S3Client carol = client(server, "CAROLACCESSKEY000001", "carol-secret-key-1")) {
                alice.createBucket(r -> r.bucket("shared").acl(BucketCannedACL.PUBLIC_READ_WRITE));
                carol.putObject(r -> r.bucket("shared").key("a"), RequestBody.fromString("a")); // this gateway reads the bucket

                // through another gateway: alice's bucket emptied and deleted, bob's private one created
                otherGateway.delete("shared", "a", null, WriteCondition.NONE);
                otherGateway.deleteBucket("shared");
                BucketRecord bobs = otherGateway.createBucket(new BucketRecord("shared", bob.canonicalId(), null,
                        CannedAcl.PRIVATE, Versioning.UNVERSIONED, 65536, "us-east-1"));

                VersionRecord x = otherGateway.publish("shared", VersionDraft.builder("x").owner(bob.canonicalId())
                        .bytes(0, "d41d8cd98f00b204e9800998ecf8427e", "m1:65536:0:0:-").build(), WriteCondition.NONE);

                assertNoSuchBucket(() -> carol.putObject(r -> r.bucket("shared").key("b"), RequestBody.fromString("b")));
                assertNoSuchBucket(() -> carol.createMultipartUpload(r -> r.bucket("shared").key("c")));
                assertNoSuchBucket(() -> carol.deleteObject(r -> r.bucket("shared").key("x")));
                // bob's object is bob's (objects belong to their writer): alice, owner of the bucket as this
                // gateway still has it, is refused before any write; the store's own refusal of an ACL
                // change in another incarnation is IncarnationTest's
                S3Exception acl = assertThrows(S3Exception.class, () -> alice.putObjectAcl(r -> r.bucket("shared")
                        .key("x").acl(ObjectCannedACL.PUBLIC_READ)));
                assertEquals(403, acl.statusCode(), acl.toString());
                assertEquals("AccessDenied", acl.awsErrorDetails().errorCode());
                // planned on alice's incarnation: NoSuchBucket before any look at bob's objects
                assertNoSuchBucket(() -> alice.deleteBucket(r -> r.bucket("shared")));
                // a bucket write drops the gateway's entry: from here on it authorizes on bob's bucket
                S3Exception bucketAcl = assertThrows(S3Exception.class, () -> alice.putBucketAcl(r -> r.bucket("shared")
                        .acl(BucketCannedACL.PUBLIC_READ)));
                assertEquals(403, bucketAcl.statusCode(), bucketAcl.toString());
                assertEquals(x, otherGateway.current("shared", "x").orElseThrow(), "bob's object is as he wrote it");

                BucketRecord now = otherGateway.bucket("shared").orElseThrow(() -> new AssertionError("bob's bucket was deleted"));
                assertEquals(bobs, now, "bob's bucket is as he made it");
                assertTrue(otherGateway.current("shared", "b").isEmpty(), "carol's write landed in bob's bucket");
                assertEquals(List.of(), otherGateway.listUploads("shared",
                        new MetadataStore.UploadListQuery(null, null, null, null, 10)).uploads());
            }
        }
    }
}
