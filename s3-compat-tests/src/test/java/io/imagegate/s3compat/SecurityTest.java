package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Signatures, presigned URLs, users and canned ACLs: who may do what, and the errors otherwise. */
class SecurityTest {

    static GatewayFixture gw;
    /** The non-admin tenant, who owns the buckets these tests make. */
    static S3Client s3;
    /** The administrator, for what only it may see. */
    static S3Client root;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        root = gw.rootClient();
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        root.close();
        gw.close();
    }

    @Test
    void wrongSecretIsSignatureDoesNotMatch() {
        try (S3Client bad = gw.client(GatewayFixture.ACCESS_KEY, "not-the-secret")) {
            S3Exception e = assertThrows(S3Exception.class, bad::listBuckets);
            assertEquals(403, e.statusCode());
            assertEquals("SignatureDoesNotMatch", e.awsErrorDetails().errorCode());
        }
    }

    @Test
    void unknownAccessKeyIsInvalidAccessKeyId() {
        try (S3Client bad = gw.client("AKIDOESNOTEXIST00000", "whatever-secret")) {
            S3Exception e = assertThrows(S3Exception.class, bad::listBuckets);
            assertEquals(403, e.statusCode());
            assertEquals("InvalidAccessKeyId", e.awsErrorDetails().errorCode());
        }
    }

    @Test
    void requestSignedTwentyMinutesAgoIsRequestTimeTooSkewed() throws Exception {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(20)), ZoneOffset.UTC);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.GET)
                .uri(gw.endpoint().resolve("/")).build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .identity(AwsBasicCredentials.create(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, past));
        HttpRequest.Builder b = HttpRequest.newBuilder(signed.request().getUri()).GET();
        signed.request().headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host")) {
                vs.forEach(v -> b.header(k, v));
            }
        });
        HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, resp.statusCode());
        assertTrue(resp.body().contains("<Code>RequestTimeTooSkewed</Code>"), resp.body());
        assertTrue(resp.body().contains("<RequestId>"), resp.body());
    }

    @Test
    void presignedUrlWorksUntilItExpires() throws Exception {
        String bucket = GatewayFixture.uniqueBucket("presign");
        s3.createBucket(r -> r.bucket(bucket));
        s3.putObject(r -> r.bucket(bucket).key("p k"), RequestBody.fromString("presigned body"));
        try (S3Presigner presigner = S3Presigner.builder().endpointOverride(gw.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(() -> AwsBasicCredentials.create(GatewayFixture.TENANT_ACCESS_KEY,
                        GatewayFixture.TENANT_SECRET_KEY))
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build()) {
            URI url = presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket(bucket).key("p k"))).url().toURI();
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertEquals("presigned body", ok.body());

            URI tampered = URI.create(url.toString().replace("p%20k", "p%20x"));
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(tampered).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, bad.statusCode());
            assertTrue(bad.body().contains("SignatureDoesNotMatch"), bad.body());
        }
    }

    @Test
    void anonymousRequestsAreDeniedUnlessTheObjectIsPublic() throws Exception {
        String bucket = GatewayFixture.uniqueBucket("anon");
        s3.createBucket(r -> r.bucket(bucket));
        s3.putObject(r -> r.bucket(bucket).key("private"), RequestBody.fromString("secret"));
        s3.putObject(r -> r.bucket(bucket).key("public").acl(ObjectCannedACL.PUBLIC_READ), RequestBody.fromString("hello"));
        URI base = gw.endpoint().resolve("/" + bucket + "/");
        HttpResponse<String> denied = http.send(HttpRequest.newBuilder(base.resolve("private")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, denied.statusCode());
        assertTrue(denied.body().contains("<Code>AccessDenied</Code>"));
        HttpResponse<String> open = http.send(HttpRequest.newBuilder(base.resolve("public")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, open.statusCode());
        assertEquals("hello", open.body());
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(base).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, list.statusCode());
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(base.resolve("new"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, put.statusCode());
    }

    @Test
    void usersOwnTheirBucketsAndCannotTouchOthers() {
        UserRecord alice = new UserRecord("alice", "AKIAALICE00000000001", "alice-secret-key-0001", Instant.now(), false);
        UserRecord bob = new UserRecord("bob", "AKIABOB0000000000001", "bob-secret-key-00001", Instant.now(), false);
        gw.gateway().meta().createUser(alice);
        gw.gateway().meta().createUser(bob);
        try (S3Client a = gw.client(alice.accessKey(), alice.secretKey());
             S3Client b = gw.client(bob.accessKey(), bob.secretKey())) {
            String bucket = GatewayFixture.uniqueBucket("alice");
            a.createBucket(r -> r.bucket(bucket));
            a.putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromString("alice's"));
            assertEquals(403, assertThrows(S3Exception.class, () -> b.getObjectAsBytes(r -> r.bucket(bucket).key("k"))).statusCode());
            assertEquals(403, assertThrows(S3Exception.class, () -> b.putObject(r -> r.bucket(bucket).key("k2"),
                    RequestBody.fromString("bob's"))).statusCode());
            assertEquals(403, assertThrows(S3Exception.class, () -> b.deleteBucket(r -> r.bucket(bucket))).statusCode());
            assertTrue(b.listBuckets().buckets().stream().noneMatch(x -> x.name().equals(bucket)));
            assertTrue(root.listBuckets().buckets().stream().anyMatch(x -> x.name().equals(bucket)));

            a.putBucketAcl(r -> r.bucket(bucket).acl(software.amazon.awssdk.services.s3.model.BucketCannedACL.PUBLIC_READ_WRITE));
            b.putObject(r -> r.bucket(bucket).key("k2"), RequestBody.fromString("bob's"));
            assertEquals(2, b.listObjectsV2(r -> r.bucket(bucket)).keyCount());

            gw.gateway().meta().deleteUser("bob");
            S3Exception gone = assertThrows(S3Exception.class, () -> b.listObjectsV2(r -> r.bucket(bucket)));
            assertEquals("InvalidAccessKeyId", gone.awsErrorDetails().errorCode());
        }
    }
}
