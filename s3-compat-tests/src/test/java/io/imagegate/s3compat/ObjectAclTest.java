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
}
