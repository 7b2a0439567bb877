package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.Grant;
import software.amazon.awssdk.services.s3.model.Grantee;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.Permission;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Type;

/** PutObjectAcl through the SDK: canned ACLs and policies on current and older versions, seen by anonymous readers. */
class ObjectAclTest {

    static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
    static GatewayFixture gw;
    static S3Client s3;
    static HttpClient http = HttpClient.newHttpClient();

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

    static int anonymousGet(String bucket, String keyAndQuery) throws Exception {
        URI uri = gw.endpoint().resolve("/" + bucket + "/" + keyAndQuery);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static boolean publicRead(String bucket, String key, String versionId) {
        return s3.getObjectAcl(r -> r.bucket(bucket).key(key).versionId(versionId)).grants().stream()
                .anyMatch(g -> ALL_USERS.equals(g.grantee().uri()) && g.permission() == Permission.READ);
    }

    @Test
    void publicReadViaPutObjectAclLetsAnonymousReadersIn() throws Exception {
        String b = GatewayFixture.uniqueBucket("acl");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("image.raw"), RequestBody.fromString("bytes"));
        assertEquals(403, anonymousGet(b, "image.raw"));

        s3.putObjectAcl(r -> r.bucket(b).key("image.raw").acl(ObjectCannedACL.PUBLIC_READ));
        assertEquals(200, anonymousGet(b, "image.raw"));
        assertTrue(publicRead(b, "image.raw", null));
        assertEquals("bytes", s3.getObjectAsBytes(r -> r.bucket(b).key("image.raw")).asUtf8String(), "data unchanged");

        s3.putObjectAcl(r -> r.bucket(b).key("image.raw").acl(ObjectCannedACL.PRIVATE));
        assertEquals(403, anonymousGet(b, "image.raw"));
    }

    @Test
    void anAccessControlPolicyEqualToACannedAclIsAccepted() throws Exception {
        String b = GatewayFixture.uniqueBucket("acl-policy");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("x"));
        var owner = s3.getObjectAcl(r -> r.bucket(b).key("k")).owner();
        s3.putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(owner).grants(
                Grant.builder().grantee(Grantee.builder().type(Type.CANONICAL_USER).id(owner.id()).build())
                        .permission(Permission.FULL_CONTROL).build(),
                Grant.builder().grantee(Grantee.builder().type(Type.GROUP).uri(ALL_USERS).build())
                        .permission(Permission.READ).build())));
        assertEquals(200, anonymousGet(b, "k"));
    }

    /**
     * Grantees S3 does not know: AWS's answers for an unknown id, an e-mail address no user has and
     * a group S3 does not define, and the ACL unchanged. (Before explicit grants, any id was taken
     * for the owner's: a FULL_CONTROL grant to another user answered 200 and made a public object
     * private; then, until grants were stored, 501.)
     */
    @Test
    void unknownGranteesAreRefusedAsS3Does() throws Exception {
        String b = GatewayFixture.uniqueBucket("acl-grantee");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PUBLIC_READ), RequestBody.fromString("x"));
        var owner = s3.getObjectAcl(r -> r.bucket(b).key("k")).owner();
        Grant ownerFull = Grant.builder().grantee(Grantee.builder().type(Type.CANONICAL_USER).id(owner.id()).build())
                .permission(Permission.FULL_CONTROL).build();
        java.util.Map<Grantee, String> refused = new java.util.LinkedHashMap<>();
        refused.put(Grantee.builder().type(Type.CANONICAL_USER).id("0".repeat(64)).build(), "InvalidArgument");
        refused.put(Grantee.builder().type(Type.AMAZON_CUSTOMER_BY_EMAIL).emailAddress("erin@example.com").build(),
                "UnresolvableGrantByEmailAddress");
        refused.put(Grantee.builder().type(Type.GROUP).uri("http://acs.amazonaws.com/groups/global/Nobody").build(),
                "InvalidArgument");
        for (var e : refused.entrySet()) {
            S3Exception x = assertThrows(S3Exception.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("k")
                    .accessControlPolicy(p -> p.owner(owner).grants(ownerFull,
                            Grant.builder().grantee(e.getKey()).permission(Permission.FULL_CONTROL).build()))),
                    e.getKey().toString());
            assertEquals(e.getValue(), x.awsErrorDetails().errorCode(), e.getKey().toString());
            assertEquals(400, x.statusCode());
            assertTrue(x.requestId() != null && !x.requestId().isEmpty(), "RequestId");
        }
        S3Exception unknownId = assertThrows(S3Exception.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("k")
                .accessControlPolicy(p -> p.owner(owner).grants(Grant.builder().grantee(Grantee.builder()
                        .type(Type.CANONICAL_USER).id("0".repeat(64)).build()).permission(Permission.READ).build()))));
        assertEquals("Invalid id", unknownId.awsErrorDetails().errorMessage());
        assertEquals(200, anonymousGet(b, "k"), "the ACL is unchanged");
        assertTrue(publicRead(b, "k", null));
    }

    @Test
    void anOlderVersionsAclIsItsOwn() throws Exception {
        String b = GatewayFixture.uniqueBucket("acl-ver");
        s3.createBucket(r -> r.bucket(b));
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        String v1 = s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("one")).versionId();
        String v2 = s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("two")).versionId();
        s3.putObjectAcl(r -> r.bucket(b).key("k").versionId(v1).acl(ObjectCannedACL.PUBLIC_READ));
        assertEquals(200, anonymousGet(b, "k?versionId=" + v1));
        assertEquals(403, anonymousGet(b, "k"));
        assertEquals(403, anonymousGet(b, "k?versionId=" + v2));
        assertTrue(publicRead(b, "k", v1));
        assertEquals(v2, s3.headObject(r -> r.bucket(b).key("k")).versionId(), "the current version stays current");
        // the ACL travels with its version when that version becomes current again
        s3.deleteObject(r -> r.bucket(b).key("k").versionId(v2));
        assertEquals(200, anonymousGet(b, "k"));
    }

    @Test
    void missingKeysVersionsAndMarkersAreRefusedAsS3Does() {
        String b = GatewayFixture.uniqueBucket("acl-err");
        s3.createBucket(r -> r.bucket(b));
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        assertThrows(NoSuchKeyException.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("nope").acl(ObjectCannedACL.PUBLIC_READ)));
        String other = s3.putObject(r -> r.bucket(b).key("other"), RequestBody.fromString("o")).versionId();
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("k"));
        S3Exception unknown = assertThrows(S3Exception.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("k")
                .versionId(other).acl(ObjectCannedACL.PUBLIC_READ)));
        assertEquals("NoSuchVersion", unknown.awsErrorDetails().errorCode());
        String marker = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        S3Exception onMarker = assertThrows(S3Exception.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("k")
                .versionId(marker).acl(ObjectCannedACL.PUBLIC_READ)));
        assertEquals(405, onMarker.statusCode());
        assertThrows(NoSuchKeyException.class, () -> s3.putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PUBLIC_READ)));
    }

    @Test
    void onlyTheBucketOwnerMayChangeAnObjectsAcl() throws Exception {
        String b = GatewayFixture.uniqueBucket("acl-owner");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("x"));
        UserRecord dave = new UserRecord("dave", "AKIADAVE00000000001", "dave-secret-key-0001", Instant.now(), false);
        gw.gateway().meta().createUser(dave);
        try (S3Client d = gw.client(dave.accessKey(), dave.secretKey())) {
            S3Exception e = assertThrows(S3Exception.class,
                    () -> d.putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PUBLIC_READ)));
            assertEquals(403, e.statusCode());
        }
        assertEquals(403, anonymousGet(b, "k"));
    }

    // ---- objects owned by their writer; bucket-owner-read and bucket-owner-full-control

    private static int users;

    /** A new non-admin user: its client and canonical id. */
    record User(S3Client s3, String id) implements AutoCloseable {
        public void close() {
            s3.close();
        }
    }

    static User newUser(String name) {
        String n = name + (++users);
        String key = ("AKIA" + n.toUpperCase(java.util.Locale.ROOT) + "00000000000000000").substring(0, 20);
        gw.gateway().meta().createUser(new UserRecord(n, key, n + "-secret-key-0001", Instant.now(), false));
        S3Client c = gw.client(key, n + "-secret-key-0001");
        return new User(c, c.listBuckets().owner().id());
    }

    static String tenantId() {
        return s3.listBuckets().owner().id();
    }

    /** The tenant's public-read-write bucket, where others write. */
    static String openBucket(String prefix) {
        String b = GatewayFixture.uniqueBucket(prefix);
        s3.createBucket(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ_WRITE));
        return b;
    }

    static java.util.Set<String> grants(S3Client c, String b, String key) {
        var acl = c.getObjectAcl(r -> r.bucket(b).key(key));
        java.util.Set<String> out = new java.util.TreeSet<>();
        acl.grants().forEach(g -> out.add((g.grantee().id() != null ? g.grantee().id() : g.grantee().uri())
                + " " + g.permissionAsString()));
        return out;
    }

    static int status(Runnable call) {
        return assertThrows(S3Exception.class, call::run).statusCode();
    }

    /** AWS (ACLs enabled, objects owned by their writer): the uploader owns the object, not the bucket's owner. */
    @Test
    void anObjectsOwnerIsItsUploaderAndTheBucketOwnerNeedsAGrantToReadIt() throws Exception {
        String b = openBucket("acl-writer");
        String tenant = tenantId();
        try (User dave = newUser("dave")) {
            dave.s3().putObject(r -> r.bucket(b).key("daves"), RequestBody.fromString("dave's"));
            // its writer reads it and its ACL, which names the writer as owner with full control
            assertEquals("dave's", dave.s3().getObjectAsBytes(r -> r.bucket(b).key("daves")).asUtf8String());
            var acl = dave.s3().getObjectAcl(r -> r.bucket(b).key("daves"));
            assertEquals(dave.id(), acl.owner().id());
            assertEquals(java.util.Set.of(dave.id() + " FULL_CONTROL"), grants(dave.s3(), b, "daves"));
            // the bucket's owner lists it (owned by dave) and may delete it, but neither reads it nor its ACL
            assertEquals(dave.id(), s3.listObjectsV2(r -> r.bucket(b).fetchOwner(true)).contents().get(0).owner().id());
            assertEquals(403, status(() -> s3.getObjectAsBytes(r -> r.bucket(b).key("daves"))));
            assertEquals(403, status(() -> s3.headObject(r -> r.bucket(b).key("daves"))));
            assertEquals(403, status(() -> s3.getObjectAcl(r -> r.bucket(b).key("daves"))));
            assertEquals(403, status(() -> s3.putObjectAcl(r -> r.bucket(b).key("daves").acl(ObjectCannedACL.PUBLIC_READ))));
            assertEquals(403, status(() -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("daves")
                    .destinationBucket(b).destinationKey("stolen"))));
            assertEquals(403, anonymousGet(b, "daves"));
            // dave may open it to everyone: it is his
            dave.s3().putObjectAcl(r -> r.bucket(b).key("daves").acl(ObjectCannedACL.PUBLIC_READ));
            assertEquals(200, anonymousGet(b, "daves"));
            assertEquals("dave's", s3.getObjectAsBytes(r -> r.bucket(b).key("daves")).asUtf8String());
            // an administrator reads everything
            try (S3Client root = gw.rootClient()) {
                assertEquals("dave's", root.getObjectAsBytes(r -> r.bucket(b).key("daves")).asUtf8String());
            }
            s3.deleteObject(r -> r.bucket(b).key("daves"));
            assertThrows(NoSuchKeyException.class, () -> dave.s3().getObject(r -> r.bucket(b).key("daves")));
            // the tenant's own objects in its bucket are its own, as before
            s3.putObject(r -> r.bucket(b).key("mine"), RequestBody.fromString("mine"));
            assertEquals(java.util.Set.of(tenant + " FULL_CONTROL"), grants(s3, b, "mine"));
        }
    }

    @Test
    void bucketOwnerReadLetsTheBucketOwnerReadOnly() throws Exception {
        String b = openBucket("acl-bor");
        String tenant = tenantId();
        try (User dave = newUser("dave"); User erin = newUser("erin")) {
            dave.s3().putObject(r -> r.bucket(b).key("k").acl(ObjectCannedACL.BUCKET_OWNER_READ),
                    RequestBody.fromString("for the owner"));
            assertEquals(java.util.Set.of(dave.id() + " FULL_CONTROL", tenant + " READ"), grants(dave.s3(), b, "k"));
            assertEquals(dave.id(), dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).owner().id());
            assertEquals("for the owner", s3.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
            // READ is not READ_ACP nor WRITE_ACP
            assertEquals(403, status(() -> s3.getObjectAcl(r -> r.bucket(b).key("k"))));
            assertEquals(403, status(() -> s3.putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PRIVATE))));
            // nobody else
            assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
            assertEquals(403, anonymousGet(b, "k"));
            // the policy GetObjectAcl answered, sent back, is the same ACL
            var policy = dave.s3().getObjectAcl(r -> r.bucket(b).key("k"));
            dave.s3().putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(policy.owner())
                    .grants(policy.grants())));
            assertEquals(java.util.Set.of(dave.id() + " FULL_CONTROL", tenant + " READ"), grants(dave.s3(), b, "k"));
        }
    }

    @Test
    void bucketOwnerFullControlLetsTheBucketOwnerReadAndChangeTheAcl() throws Exception {
        String b = openBucket("acl-bofc");
        String tenant = tenantId();
        try (User dave = newUser("dave")) {
            dave.s3().putObject(r -> r.bucket(b).key("k").acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL),
                    RequestBody.fromString("shared"));
            assertEquals(java.util.Set.of(dave.id() + " FULL_CONTROL", tenant + " FULL_CONTROL"), grants(s3, b, "k"));
            assertEquals(dave.id(), s3.getObjectAcl(r -> r.bucket(b).key("k")).owner().id());
            assertEquals("shared", s3.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
            s3.putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PUBLIC_READ));
            assertEquals(200, anonymousGet(b, "k"));
            // the owner stays dave; having set public-read, the bucket owner no longer has full control
            assertEquals(dave.id(), dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).owner().id());
            assertEquals(java.util.Set.of(dave.id() + " FULL_CONTROL", ALL_USERS + " READ"), grants(dave.s3(), b, "k"));
            assertEquals(403, status(() -> s3.getObjectAcl(r -> r.bucket(b).key("k"))));
            assertEquals(403, status(() -> s3.putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PRIVATE))));

            // a multipart upload and a copy by dave with the ACL: the same
            String id = dave.s3().createMultipartUpload(r -> r.bucket(b).key("mpu")
                    .acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL)).uploadId();
            String etag = dave.s3().uploadPart(r -> r.bucket(b).key("mpu").uploadId(id).partNumber(1),
                    RequestBody.fromString("part")).eTag();
            dave.s3().completeMultipartUpload(r -> r.bucket(b).key("mpu").uploadId(id).multipartUpload(m -> m.parts(
                    software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(1).eTag(etag).build())));
            dave.s3().copyObject(r -> r.sourceBucket(b).sourceKey("mpu").destinationBucket(b).destinationKey("copy")
                    .acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL));
            for (String key : new String[] {"mpu", "copy"}) {
                assertEquals(dave.id(), s3.getObjectAcl(r -> r.bucket(b).key(key)).owner().id(), key);
                assertEquals("part", s3.getObjectAsBytes(r -> r.bucket(b).key(key)).asUtf8String(), key);
            }
        }
    }

    /** On a bucket, S3 ignores the bucket-owner ACLs: the bucket is private. */
    @Test
    void theBucketOwnerAclsMeanPrivateOnABucket() {
        String b = GatewayFixture.uniqueBucket("acl-bucket-bo");
        s3.createBucket(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ)); // checked below to have been reset
        s3.putBucketAcl(r -> r.bucket(b).overrideConfiguration(o -> o.putHeader("x-amz-acl", "bucket-owner-full-control")));
        var acl = s3.getBucketAcl(r -> r.bucket(b));
        assertEquals(1, acl.grants().size(), acl.grants().toString());
        assertEquals(Permission.FULL_CONTROL, acl.grants().get(0).permission());
        String c = GatewayFixture.uniqueBucket("acl-bucket-bo");
        s3.createBucket(r -> r.bucket(c).overrideConfiguration(o -> o.putHeader("x-amz-acl", "bucket-owner-read")));
        assertEquals(1, s3.getBucketAcl(r -> r.bucket(c)).grants().size());
    }

    /** The bucket owner's own writes with a bucket-owner ACL: it owns them, with full control, and that is all. */
    @Test
    void theBucketOwnerAclsOnTheBucketOwnersOwnObjectAddNothing() {
        String b = GatewayFixture.uniqueBucket("acl-own-bo");
        s3.createBucket(r -> r.bucket(b));
        for (ObjectCannedACL a : new ObjectCannedACL[] {ObjectCannedACL.BUCKET_OWNER_READ,
                ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL}) {
            s3.putObject(r -> r.bucket(b).key("k").acl(a), RequestBody.fromString("x"));
            assertEquals(java.util.Set.of(tenantId() + " FULL_CONTROL"), grants(s3, b, "k"), a.toString());
        }
    }
}
