package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ListBucketsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.Permission;
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

    /**
     * AWS, us-east-1: "if you re-create an existing bucket that you already own in the North
     * Virginia Region, Amazon S3 returns 200 OK and resets the bucket access control lists".
     */
    @Test
    void creatingOwnBucketAgainInUsEast1SucceedsAndResetsItsAcl() {
        String b = GatewayFixture.uniqueBucket("twice");
        s3.createBucket(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ));
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        s3.putObject(r -> r.bucket(b).key("kept"), RequestBody.fromString("still here"));
        assertEquals(2, s3.getBucketAcl(r -> r.bucket(b)).grants().size(), "owner and AllUsers READ");

        assertEquals(200, s3.createBucket(r -> r.bucket(b)).sdkHttpResponse().statusCode());
        var acl = s3.getBucketAcl(r -> r.bucket(b));
        assertEquals(1, acl.grants().size(), "reset to private: " + acl.grants());
        assertEquals(Permission.FULL_CONTROL, acl.grants().get(0).permission());
        assertEquals(acl.owner().id(), acl.grants().get(0).grantee().id());
        // the ACL asked for on the new request is the one set
        s3.createBucket(r -> r.bucket(b).acl(BucketCannedACL.AUTHENTICATED_READ));
        assertTrue(s3.getBucketAcl(r -> r.bucket(b)).grants().stream().anyMatch(g -> g.grantee().uri() != null
                && g.grantee().uri().endsWith("/AuthenticatedUsers") && g.permission() == Permission.READ));
        // nothing else of the bucket changes
        assertEquals(BucketVersioningStatus.ENABLED, s3.getBucketVersioning(r -> r.bucket(b)).status());
        assertEquals("still here", s3.getObjectAsBytes(r -> r.bucket(b).key("kept")).asUtf8String());
        // someone else's bucket stays BucketAlreadyExists, and its ACL untouched
        try (S3Client other = otherUser("twiceother")) {
            S3Exception e = assertThrows(S3Exception.class, () -> other.createBucket(r -> r.bucket(b)));
            assertEquals(409, e.statusCode());
            assertEquals("BucketAlreadyExists", e.awsErrorDetails().errorCode());
        }
        assertEquals(2, s3.getBucketAcl(r -> r.bucket(b)).grants().size());
    }

    /** Every other region: 409 BucketAlreadyOwnedByYou, and nothing changes. */
    @Test
    void creatingOwnBucketAgainElsewhereIsBucketAlreadyOwnedByYou() throws Exception {
        Gateway eu = Gateway.start(Gateway.Options.defaults(gw.dataDir()).withZooKeeper(gw.zookeeperConnect())
                .withHttp(GatewayConfig.defaults().withPort(0).withRegion("eu-west-1"))
                .withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY));
        try (eu; S3Client client = S3Client.builder().endpointOverride(eu.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
            String b = GatewayFixture.uniqueBucket("twice-eu");
            client.createBucket(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ)
                    .createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
            BucketAlreadyOwnedByYouException e = assertThrows(BucketAlreadyOwnedByYouException.class,
                    () -> client.createBucket(r -> r.bucket(b).createBucketConfiguration(c -> c.locationConstraint("eu-west-1"))));
            assertEquals(409, e.statusCode());
            assertTrue(e.requestId() != null && !e.requestId().isEmpty());
            assertEquals(2, client.getBucketAcl(r -> r.bucket(b)).grants().size(), "the ACL is kept");
        }
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

    // ---- ListBuckets pagination (max-buckets, continuation-token, prefix, bucket-region)

    /** Five buckets of the tenant under one prefix, and one of another user under it. */
    private static java.util.List<String> pagedBuckets(String prefix) {
        java.util.List<String> mine = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String b = prefix + i;
            s3.createBucket(r -> r.bucket(b));
            mine.add(b);
        }
        return mine;
    }

    @Test
    void listBucketsPagesByMaxBucketsWithAContinuationToken() {
        String prefix = GatewayFixture.uniqueBucket("pg") + "-";
        java.util.List<String> mine = pagedBuckets(prefix);
        try (S3Client other = otherUser("pgother")) {
            other.createBucket(r -> r.bucket(prefix + "x"));
            java.util.List<String> seen = new java.util.ArrayList<>();
            java.util.List<Integer> sizes = new java.util.ArrayList<>();
            String token = null;
            do {
                String t = token;
                ListBucketsResponse page = s3.listBuckets(r -> r.prefix(prefix).maxBuckets(2).continuationToken(t));
                assertEquals(prefix, page.prefix());
                page.buckets().forEach(x -> {
                    assertEquals("us-east-1", x.bucketRegion(), "a paged listing names each bucket's region");
                    assertNotNull(x.creationDate());
                });
                page.buckets().forEach(x -> seen.add(x.name()));
                sizes.add(page.buckets().size());
                token = page.continuationToken();
            } while (token != null);
            assertEquals(mine, seen, "the tenant's buckets in order, not the other user's");
            assertEquals(java.util.List.of(2, 2, 1), sizes);

            // the SDK's paginator follows the tokens by itself
            assertEquals(mine, s3.listBucketsPaginator(r -> r.prefix(prefix).maxBuckets(3)).buckets().stream()
                    .map(Bucket::name).toList());
            // more than there are: all of them, no token
            ListBucketsResponse all = s3.listBuckets(r -> r.prefix(prefix).maxBuckets(10_000));
            assertEquals(mine, all.buckets().stream().map(Bucket::name).toList());
            assertNull(all.continuationToken());
            // the other user sees only its own
            assertEquals(java.util.List.of(prefix + "x"), other.listBuckets(r -> r.prefix(prefix)).buckets().stream()
                    .map(Bucket::name).toList());
            // a prefix matching nothing: an empty page, the prefix echoed
            ListBucketsResponse none = s3.listBuckets(r -> r.prefix(prefix + "zz"));
            assertTrue(none.buckets().isEmpty());
            assertEquals(prefix + "zz", none.prefix());
        }
    }

    @Test
    void anUnpagedListBucketsHasNoPaginationFields() throws Exception {
        String b = GatewayFixture.uniqueBucket("unpaged");
        s3.createBucket(r -> r.bucket(b));
        RawHttp.Response r = new RawHttp(gw.endpoint()).signed("GET", "/", java.util.Map.of(), null, null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("<Name>" + b + "</Name>"), r.body());
        // AWS: BucketRegion only when the request has a pagination parameter; no Prefix, no token
        for (String absent : new String[] {"<BucketRegion>", "<Prefix>", "<ContinuationToken>"}) {
            assertFalse(r.body().contains(absent), absent + " in " + r.body());
        }
        RawHttp.Response paged = new RawHttp(gw.endpoint()).signed("GET", "/?bucket-region=us-east-1",
                java.util.Map.of(), null, null);
        assertEquals(200, paged.status(), paged.body());
        assertTrue(paged.body().contains("<Name>" + b + "</Name><CreationDate>"), paged.body());
        assertTrue(paged.body().contains("<BucketRegion>us-east-1</BucketRegion>"), paged.body());
    }

    @Test
    void anEmptyListBucketsContinuationTokenListsFromTheStart() throws Exception {
        String prefix = GatewayFixture.uniqueBucket("pgempty") + "-";
        java.util.List<String> mine = pagedBuckets(prefix);
        RawHttp.Response r = new RawHttp(gw.endpoint()).signed("GET",
                "/?max-buckets=2&continuation-token=&prefix=" + prefix, java.util.Map.of(), null, null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("<Name>" + mine.get(0) + "</Name>"), r.body());
        assertTrue(r.body().contains("<Name>" + mine.get(1) + "</Name>"), r.body());
        assertFalse(r.body().contains("<Name>" + mine.get(2) + "</Name>"), r.body());
        assertTrue(r.body().contains("<ContinuationToken>"), r.body());
    }

    @Test
    void badListBucketsParametersAreInvalidArgument() throws Exception {
        RawHttp raw = new RawHttp(gw.endpoint());
        for (String query : new String[] {"max-buckets=0", "max-buckets=10001", "max-buckets=-1", "max-buckets=ten",
                "max-buckets=99999999999", "continuation-token=bm90LW91cnM", "continuation-token=%25%25",
                "bucket-region=not%20a%20region"}) {
            RawHttp.Response r = raw.signed("GET", "/?" + query, java.util.Map.of(), null, null);
            assertEquals(400, r.status(), query + ": " + r.body());
            assertEquals("InvalidArgument", r.code(), query);
            assertTrue(r.body().contains("<ArgumentName>"), r.body());
            assertTrue(r.body().contains("<RequestId>"), r.body());
        }
        S3Exception e = assertThrows(S3Exception.class, () -> s3.listBuckets(r -> r.maxBuckets(0)));
        assertEquals(400, e.statusCode());
        assertEquals("InvalidArgument", e.awsErrorDetails().errorCode());
    }

    @Test
    void listBucketsNeedsASignature() throws Exception {
        RawHttp.Response r = new RawHttp(gw.endpoint()).exchange(
                "GET /?max-buckets=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0]);
        assertEquals(403, r.status(), r.body());
        assertEquals("AccessDenied", r.code());
    }

    private static int users;

    /** A client of a new non-admin user. */
    static S3Client otherUser(String name) {
        String n = name + (++users);
        String key = ("AKIA" + n.toUpperCase() + "0000000000000000").substring(0, 20);
        gw.gateway().meta().createUser(new io.imagegate.meta.UserRecord(n, key, n + "-secret-key", null, false));
        return gw.client(key, n + "-secret-key");
    }
}
