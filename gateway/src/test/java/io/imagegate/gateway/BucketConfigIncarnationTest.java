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
import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.PolicyDocument;
import io.imagegate.meta.StoreInterleavings;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.ZkMetadataStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A write of a bucket's configuration (lifecycle, CORS, policy, ACL, versioning) is authorized against
 * the bucket as the gateway read it, and lands in that bucket or nowhere. Each test deletes alice's
 * bucket and creates bob's under the same name (through another gateway's store) at an exact point:
 * after alice's request was authorized (on the bucket record the gateway keeps; it is kept an hour
 * here, so nothing depends on timing), right before the store reads the bucket to plan the write. A
 * comment starting "Before:" says what that did before every such write named the incarnation it was
 * authorized against (docs/FORMAT-zookeeper.md, "Writes").
 */
class BucketConfigIncarnationTest {

    @TempDir
    static Path dir;

    private static TestingServer zk;
    private static StoreInterleavings interleavings;
    private static ZkMetadataStore otherGateway;
    private static UserRecord bob;
    private static GatewayServer server;
    private static S3Client alice;

    private static final LifecycleConfiguration BOBS_LIFECYCLE = new LifecycleConfiguration(List.of(
            new LifecycleConfiguration.Rule("bobs", true, new LifecycleConfiguration.Filter(
                    LifecycleConfiguration.FilterForm.PREFIX, "tmp/", null, null),
                    new LifecycleConfiguration.Expiration(3, null, false), null, null)));
    private static final CorsConfiguration BOBS_CORS = new CorsConfiguration(List.of(
            new CorsConfiguration.Rule("bobs", List.of("https://bob.example.com"), List.of("GET"), List.of(),
                    List.of(), null)));
    private static final PolicyDocument BOBS_POLICY = new PolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[]}");

    @BeforeAll
    static void start() throws Exception {
        zk = new TestingServer(true);
        interleavings = StoreInterleavings.connect(zk.getConnectString());
        ZkMetadataStore meta = interleavings.store();
        otherGateway = ZkMetadataStore.connect(zk.getConnectString());
        meta.createUser(new UserRecord("alice", "ALICEACCESSKEY000001", "alice-secret-key-1", Instant.now(), false));
        bob = meta.createUser(new UserRecord("bob", "BOBACCESSKEY00000001", "bob-secret-key-01", Instant.now(), false));
        MetadataStore cached = BucketCache.wrap(meta, Duration.ofHours(1));
        ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(dir);
        GatewayMetrics metrics = new GatewayMetrics(chunks.store());
        GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
        server = GatewayServer.start(new Stores(cached, new DefaultChunkRepository(chunks.store()), Clock.systemUTC(), config),
                new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults().withRegion("us-east-1", true),
                        new RequestParser(List.of("localhost"))),
                metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null);
        alice = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(() -> AwsBasicCredentials.create("ALICEACCESSKEY000001", "alice-secret-key-1"))
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build();
    }

    @AfterAll
    static void stop() throws Exception {
        alice.close();
        server.close();
        otherGateway.close();
        interleavings.store().close();
        zk.close();
    }

    /** Deletes (empty) alice's bucket {@code name} and creates bob's, private and unversioned, in its place. */
    private static BucketRecord replaceByBobs(String name) {
        otherGateway.deleteBucket(name);
        return otherGateway.createBucket(new BucketRecord(name, bob.canonicalId(), null, CannedAcl.PRIVATE,
                Versioning.UNVERSIONED, 65536, "us-east-1"));
    }

    /** Alice's new bucket {@code name}, as the gateway keeps it: her requests are authorized on it. */
    private static void alicesBucket(String name) {
        alice.createBucket(r -> r.bucket(name));
        alice.headBucket(r -> r.bucket(name));
    }

    private static void assertNoSuchBucket(Executable request) {
        S3Exception e = assertThrows(S3Exception.class, request);
        assertEquals(404, e.statusCode(), e.toString());
        assertEquals("NoSuchBucket", e.awsErrorDetails().errorCode());
    }

    private static void assertBobsBucketAsHeMadeIt(String name) {
        BucketRecord now = otherGateway.bucket(name).orElseThrow(() -> new AssertionError("bob's bucket was deleted"));
        assertEquals(bob.canonicalId(), now.owner());
        assertEquals(CannedAcl.PRIVATE, now.acl(), "alice's ACL landed on bob's bucket");
        assertEquals(Versioning.UNVERSIONED, now.versioning(), "alice's versioning landed on bob's bucket");
    }

    private static void putAlicesLifecycle(String name) {
        alice.putBucketLifecycleConfiguration(r -> r.bucket(name).lifecycleConfiguration(
                c -> c.rules(rule -> rule.id("alices").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                        .expiration(e -> e.days(1)))));
    }

    private static void putAlicesCors(String name) {
        alice.putBucketCors(r -> r.bucket(name).corsConfiguration(c -> c.corsRules(
                rule -> rule.allowedOrigins("*").allowedMethods("GET", "PUT"))));
    }

    /** Anyone may read every object: on bob's private bucket, a leak. */
    private static void putAlicesPolicy(String name) {
        alice.putBucketPolicy(r -> r.bucket(name).policy("{\"Version\":\"2012-10-17\",\"Statement\":[{"
                + "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Resource\":\"arn:aws:s3:::" + name + "/*\"}]}"));
    }

    // Before: 200, and bob's bucket expired his objects by alice's rules.
    @Test
    void putBucketLifecycleLandsOnlyInTheBucketItWasAuthorizedOn() {
        alicesBucket("lc-put");
        AtomicBoolean replaced = interleavings.beforeReadOf("lc-put", () -> replaceByBobs("lc-put"));
        assertNoSuchBucket(() -> putAlicesLifecycle("lc-put"));
        assertTrue(replaced.get());
        assertEquals(Optional.empty(), otherGateway.lifecycle("lc-put"), "alice's rules landed in bob's bucket");
        assertBobsBucketAsHeMadeIt("lc-put");
    }

    // Before: 204, and bob's rules were gone.
    @Test
    void deleteBucketLifecycleRemovesOnlyTheConfigurationOfTheBucketItWasAuthorizedOn() {
        alicesBucket("lc-del");
        putAlicesLifecycle("lc-del");
        AtomicBoolean replaced = interleavings.beforeReadOf("lc-del",
                () -> otherGateway.putLifecycle(replaceByBobs("lc-del"), BOBS_LIFECYCLE));
        assertNoSuchBucket(() -> alice.deleteBucketLifecycle(r -> r.bucket("lc-del")));
        assertTrue(replaced.get());
        assertEquals(Optional.of(BOBS_LIFECYCLE), otherGateway.lifecycle("lc-del"), "bob's rules are gone");
        assertBobsBucketAsHeMadeIt("lc-del");
    }

    // Before: 200, and bob's bucket answered preflights by alice's rules.
    @Test
    void putBucketCorsLandsOnlyInTheBucketItWasAuthorizedOn() {
        alicesBucket("cors-put");
        AtomicBoolean replaced = interleavings.beforeReadOf("cors-put", () -> replaceByBobs("cors-put"));
        assertNoSuchBucket(() -> putAlicesCors("cors-put"));
        assertTrue(replaced.get());
        assertEquals(Optional.empty(), otherGateway.cors("cors-put"), "alice's CORS rules landed in bob's bucket");
        assertBobsBucketAsHeMadeIt("cors-put");
    }

    // Before: 204, and bob's CORS rules were gone.
    @Test
    void deleteBucketCorsRemovesOnlyTheConfigurationOfTheBucketItWasAuthorizedOn() {
        alicesBucket("cors-del");
        putAlicesCors("cors-del");
        AtomicBoolean replaced = interleavings.beforeReadOf("cors-del",
                () -> otherGateway.putCors(replaceByBobs("cors-del"), BOBS_CORS));
        assertNoSuchBucket(() -> alice.deleteBucketCors(r -> r.bucket("cors-del")));
        assertTrue(replaced.get());
        assertEquals(Optional.of(BOBS_CORS), otherGateway.cors("cors-del"), "bob's CORS rules are gone");
        assertBobsBucketAsHeMadeIt("cors-del");
    }

    // Before: 204, and alice's policy (anyone may read) governed bob's private bucket.
    @Test
    void putBucketPolicyLandsOnlyInTheBucketItWasAuthorizedOn() {
        alicesBucket("pol-put");
        AtomicBoolean replaced = interleavings.beforeReadOf("pol-put", () -> replaceByBobs("pol-put"));
        assertNoSuchBucket(() -> putAlicesPolicy("pol-put"));
        assertTrue(replaced.get());
        assertEquals(Optional.empty(), otherGateway.bucketPolicy("pol-put"), "alice's policy landed on bob's bucket");
        assertBobsBucketAsHeMadeIt("pol-put");
    }

    // Before: 204, and bob's policy was gone.
    @Test
    void deleteBucketPolicyRemovesOnlyThePolicyOfTheBucketItWasAuthorizedOn() {
        alicesBucket("pol-del");
        putAlicesPolicy("pol-del");
        AtomicBoolean replaced = interleavings.beforeReadOf("pol-del",
                () -> otherGateway.putBucketPolicy(replaceByBobs("pol-del"), BOBS_POLICY));
        assertNoSuchBucket(() -> alice.deleteBucketPolicy(r -> r.bucket("pol-del")));
        assertTrue(replaced.get());
        assertEquals(Optional.of(BOBS_POLICY), otherGateway.bucketPolicy("pol-del"), "bob's policy is gone");
        assertBobsBucketAsHeMadeIt("pol-del");
    }

    // Already right before this change (the record the gateway hands updateBucket names its incarnation):
    // here so that every write of a bucket's configuration is covered the same way.
    @Test
    void putBucketVersioningAndAclLandOnlyOnTheBucketTheyWereAuthorizedOn() {
        alicesBucket("ver-put");
        AtomicBoolean replaced = interleavings.beforeReadOf("ver-put", () -> replaceByBobs("ver-put"));
        assertNoSuchBucket(() -> alice.putBucketVersioning(r -> r.bucket("ver-put").versioningConfiguration(
                v -> v.status(BucketVersioningStatus.ENABLED))));
        assertTrue(replaced.get());
        assertBobsBucketAsHeMadeIt("ver-put");

        alicesBucket("acl-put");
        replaced = interleavings.beforeReadOf("acl-put", () -> replaceByBobs("acl-put"));
        assertNoSuchBucket(() -> alice.putBucketAcl(r -> r.bucket("acl-put").acl(BucketCannedACL.PUBLIC_READ_WRITE)));
        assertTrue(replaced.get());
        assertBobsBucketAsHeMadeIt("acl-put");
    }

    // Before: 200, and bob's private bucket was public-read: us-east-1's CreateBucket of a bucket one
    // owns resets its ACL, and the reset went to whatever bucket had the name when it was made. Here
    // bob's replaces alice's right after the store found the name taken by her bucket.
    @Test
    void createBucketAgainResetsTheAclOfTheCallersOwnBucketOnly() {
        alicesBucket("again");
        AtomicBoolean replaced = interleavings.afterReadOf("again", () -> replaceByBobs("again"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> alice.createBucket(r -> r.bucket("again").acl(BucketCannedACL.PUBLIC_READ)));
        assertTrue(replaced.get());
        assertEquals(409, e.statusCode(), e.toString());
        assertEquals("BucketAlreadyExists", e.awsErrorDetails().errorCode());
        assertBobsBucketAsHeMadeIt("again");
    }
}
