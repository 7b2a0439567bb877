package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation, versioning state. */
class BucketOperationsTest {

    static GatewayFixture gw;
    static S3Client s3;

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

    @Test
    void createdBucketIsListedAndHeadable() {
        String b = GatewayFixture.uniqueBucket("list");
        s3.createBucket(r -> r.bucket(b));
        assertTrue(s3.listBuckets().buckets().stream().anyMatch(x -> x.name().equals(b)));
        assertEquals(200, s3.headBucket(r -> r.bucket(b)).sdkHttpResponse().statusCode());
    }

    @Test
    void creatingOwnBucketTwiceIsBucketAlreadyOwnedByYou() {
        String b = GatewayFixture.uniqueBucket("twice");
        s3.createBucket(r -> r.bucket(b));
        assertThrows(BucketAlreadyOwnedByYouException.class, () -> s3.createBucket(r -> r.bucket(b)));
    }

    @Test
    void invalidBucketNamesAreRejected() throws Exception {
        // the SDK refuses most of these names itself, so they go over a raw socket
        RawHttp raw = new RawHttp(gw.endpoint());
        for (String name : new String[] {"ab", "UPPER-case", "under_score", "-leading", "trailing-", "192.168.1.1",
                "double..dot", "xn--punycode", "a".repeat(64)}) {
            RawHttp.Response r = raw.signed("PUT", "/" + name, java.util.Map.of(), new byte[0], "0");
            assertEquals(400, r.status(), name);
            assertEquals("InvalidBucketName", r.code(), name);
        }
    }

    @Test
    void headOfMissingBucketIs404() {
        S3Exception e = assertThrows(S3Exception.class, () -> s3.headBucket(r -> r.bucket("no-such-bucket-here")));
        assertEquals(404, e.statusCode());
    }

    @Test
    void deleteOfNonEmptyBucketIsBucketNotEmpty() {
        String b = GatewayFixture.uniqueBucket("full");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("x"));
        S3Exception e = assertThrows(S3Exception.class, () -> s3.deleteBucket(r -> r.bucket(b)));
        assertEquals(409, e.statusCode());
        assertEquals("BucketNotEmpty", e.awsErrorDetails().errorCode());
        s3.deleteObject(r -> r.bucket(b).key("k"));
        s3.deleteBucket(r -> r.bucket(b));
        assertThrows(NoSuchBucketException.class, () -> s3.listObjectsV2(r -> r.bucket(b)));
    }

    @Test
    void locationOfUsEast1BucketIsEmpty() {
        String b = GatewayFixture.uniqueBucket("loc");
        s3.createBucket(r -> r.bucket(b));
        assertEquals("", s3.getBucketLocation(r -> r.bucket(b)).locationConstraintAsString());
    }

    @Test
    void foreignLocationConstraintIsRejected() {
        String b = GatewayFixture.uniqueBucket("eu");
        S3Exception e = assertThrows(S3Exception.class, () -> s3.createBucket(r -> r.bucket(b)
                .createBucketConfiguration(c -> c.locationConstraint("eu-west-1"))));
        assertEquals(400, e.statusCode());
    }

    @Test
    void versioningMovesFromUnversionedToEnabledToSuspended() {
        String b = GatewayFixture.uniqueBucket("ver");
        s3.createBucket(r -> r.bucket(b));
        assertEquals(null, s3.getBucketVersioning(r -> r.bucket(b)).status());
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        assertEquals(BucketVersioningStatus.ENABLED, s3.getBucketVersioning(r -> r.bucket(b)).status());
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.SUSPENDED)));
        assertEquals(BucketVersioningStatus.SUSPENDED, s3.getBucketVersioning(r -> r.bucket(b)).status());
    }

    @Test
    void virtualHostedStyleAddressesTheBucketByHost() throws Exception {
        String b = GatewayFixture.uniqueBucket("vhost");
        s3.createBucket(r -> r.bucket(b));
        RawHttp raw = new RawHttp(gw.endpoint());
        byte[] body = "by host".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(200, raw.virtualHosted(b, "PUT", "/dir/obj", body).status());
        assertEquals("by host", s3.getObjectAsBytes(r -> r.bucket(b).key("dir/obj")).asUtf8String());
        RawHttp.Response got = raw.virtualHosted(b, "GET", "/dir/obj", null);
        assertEquals(200, got.status());
        assertEquals("by host", got.body());
        RawHttp.Response list = raw.virtualHosted(b, "GET", "/?list-type=2", null);
        assertTrue(list.body().contains("<Key>dir/obj</Key>"), list.body());
    }

    @Test
    void errorsCarryRequestIdInHeaderAndBody() {
        S3Exception e = assertThrows(S3Exception.class, () -> s3.getObject(r -> r.bucket("missing-bucket-x").key("k")));
        assertEquals(404, e.statusCode());
        assertEquals("NoSuchBucket", e.awsErrorDetails().errorCode());
        assertTrue(e.requestId() != null && !e.requestId().isEmpty());
    }
}
