package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Grant;
import software.amazon.awssdk.services.s3.model.Grantee;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.Owner;
import software.amazon.awssdk.services.s3.model.Permission;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Type;

/**
 * Explicit ACL grants through the AWS SDK v2, as non-admin users: AccessControlPolicy bodies and
 * {@code x-amz-grant-*} headers on every request that takes them, kept exactly as given, enforced
 * for the grantee and nobody else, and refused as S3 refuses them.
 */
class AclGrantsTest {

    static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
    static final String AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    static GatewayFixture gw;
    /** The owner of the buckets, the user grants name, and a third user no grant names. */
    static User dave;
    static User erin;
    static User frank;

    record User(String name, String accessKey, String secretKey, S3Client s3, String id) implements AutoCloseable {
        static User create(String name) {
            String key = ("AKIAGRANT" + name.toUpperCase(Locale.ROOT) + "0000000000").substring(0, 20);
            String secret = name + "-grants-secret-key-01";
            gw.gateway().meta().createUser(new UserRecord("grants-" + name, key, secret, null, false));
            S3Client c = gw.client(key, secret);
            return new User("grants-" + name, key, secret, c, c.listBuckets().owner().id());
        }

        SignedHttp http() {
            return new SignedHttp(gw.endpoint(), accessKey, secretKey);
        }

        public void close() {
            s3.close();
        }
    }

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        dave = User.create("dave");
        erin = User.create("erin");
        frank = User.create("frank");
    }

    @AfterAll
    static void stop() throws Exception {
        dave.close();
        erin.close();
        frank.close();
        gw.close();
    }

    static Grant user(String id, Permission p) {
        return Grant.builder().grantee(Grantee.builder().type(Type.CANONICAL_USER).id(id).build()).permission(p).build();
    }

    static Grant group(String uri, Permission p) {
        return Grant.builder().grantee(Grantee.builder().type(Type.GROUP).uri(uri).build()).permission(p).build();
    }

    /** A grant list as "type:who:permission" strings, in order, as GetObjectAcl/GetBucketAcl answered it. */
    static List<String> listed(List<Grant> grants) {
        List<String> out = new ArrayList<>();
        for (Grant g : grants) {
            Grantee e = g.grantee();
            out.add(e.typeAsString() + ":" + (e.id() != null ? e.id() : e.uri()) + ":" + g.permissionAsString());
        }
        return out;
    }

    static int status(Runnable call) {
        return assertThrows(S3Exception.class, call::run).statusCode();
    }

    static S3Exception error(Runnable call) {
        return assertThrows(S3Exception.class, call::run);
    }

    /** A bucket of dave's holding "k", written by dave. */
    static String bucketWithObject(String prefix) {
        String b = GatewayFixture.uniqueBucket(prefix);
        dave.s3().createBucket(r -> r.bucket(b));
        dave.s3().putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("daves bytes"));
        return b;
    }

    @Test
    void anAccessControlPolicyIsStoredExactlyAsGivenAndAnsweredBack() {
        String b = bucketWithObject("grants-policy");
        Owner owner = Owner.builder().id(dave.id()).build();
        List<Grant> given = List.of(group(ALL_USERS, Permission.READ_ACP), user(erin.id(), Permission.READ),
                user(dave.id(), Permission.FULL_CONTROL), user(erin.id(), Permission.READ));
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(owner).grants(given)));
        var acl = dave.s3().getObjectAcl(r -> r.bucket(b).key("k"));
        assertEquals(dave.id(), acl.owner().id());
        assertEquals(dave.name(), acl.owner().displayName());
        assertEquals(List.of("Group:" + ALL_USERS + ":READ_ACP", "CanonicalUser:" + erin.id() + ":READ",
                "CanonicalUser:" + dave.id() + ":FULL_CONTROL", "CanonicalUser:" + erin.id() + ":READ"),
                listed(acl.grants()), "order and duplicates as given");
        assertEquals(erin.name(), acl.grants().get(1).grantee().displayName());
        assertNull(acl.grants().get(0).grantee().displayName());

        // the same for a bucket
        dave.s3().putBucketAcl(r -> r.bucket(b).accessControlPolicy(p -> p.owner(owner).grants(
                user(erin.id(), Permission.WRITE), group(AUTHENTICATED_USERS, Permission.READ))));
        var bucketAcl = dave.s3().getBucketAcl(r -> r.bucket(b));
        assertEquals(dave.id(), bucketAcl.owner().id());
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":WRITE", "Group:" + AUTHENTICATED_USERS + ":READ"),
                listed(bucketAcl.grants()));
    }

    @Test
    void anObjectGrantGivesItsGranteeExactlyItsPermission() throws Exception {
        String b = bucketWithObject("grants-object");
        Owner owner = Owner.builder().id(dave.id()).build();
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(owner)
                .grants(user(dave.id(), Permission.FULL_CONTROL), user(erin.id(), Permission.READ))));
        // erin reads it, by GET, HEAD, a range and ?manifest, and as a copy source into her own bucket
        assertEquals("daves bytes", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
        assertEquals(11, erin.s3().headObject(r -> r.bucket(b).key("k")).contentLength());
        assertEquals("bytes", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k").range("bytes=6-")).asUtf8String());
        assertEquals(200, erin.http().get("/" + b + "/k?manifest").status());
        String hers = GatewayFixture.uniqueBucket("grants-erins");
        erin.s3().createBucket(r -> r.bucket(hers));
        erin.s3().copyObject(r -> r.sourceBucket(b).sourceKey("k").destinationBucket(hers).destinationKey("copy"));
        assertEquals("daves bytes", erin.s3().getObjectAsBytes(r -> r.bucket(hers).key("copy")).asUtf8String());
        // READ is not READ_ACP nor WRITE_ACP, nor anything on the bucket
        assertEquals(403, status(() -> erin.s3().getObjectAcl(r -> r.bucket(b).key("k"))));
        assertEquals(403, status(() -> erin.s3().putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PUBLIC_READ))));
        assertEquals(403, status(() -> erin.s3().listObjectsV2(r -> r.bucket(b))));
        assertEquals(403, status(() -> erin.s3().putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("no"))));
        // a third user and anonymous callers: nothing
        assertEquals(403, status(() -> frank.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
        assertEquals(403, anonymousGet(b, "k"));

        // READ_ACP and WRITE_ACP: erin reads the ACL, then changes it (and so loses READ_ACP herself)
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(owner)
                .grants(user(erin.id(), Permission.READ_ACP), user(erin.id(), Permission.WRITE_ACP))));
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))), "READ no more");
        assertEquals(2, erin.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants().size());
        erin.s3().putObjectAcl(r -> r.bucket(b).key("k").overrideConfiguration(o -> o.putHeader("x-amz-grant-write-acp",
                "id=\"" + erin.id() + "\"")));
        assertEquals(403, status(() -> erin.s3().getObjectAcl(r -> r.bucket(b).key("k"))));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":WRITE_ACP"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants()));
        // the owner's READ_ACP and WRITE_ACP are implicit: dave's own grant is gone, and he still reads
        // and changes the ACL (and, as the owner, reads his object)
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PRIVATE));
        assertEquals(403, status(() -> erin.s3().putObjectAcl(r -> r.bucket(b).key("k").acl(ObjectCannedACL.PRIVATE))));
        assertEquals("daves bytes", dave.s3().getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());

        // FULL_CONTROL: all of READ, READ_ACP and WRITE_ACP
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").grantFullControl("id=" + erin.id()));
        assertEquals("daves bytes", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
        assertEquals(1, erin.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants().size());
        erin.s3().putObjectAcl(r -> r.bucket(b).key("k").grantFullControl("id=" + erin.id())
                .grantRead("uri=\"" + ALL_USERS + "\""));
        assertEquals(200, anonymousGet(b, "k"));
        assertEquals(403, status(() -> frank.s3().getObjectAcl(r -> r.bucket(b).key("k"))));
    }

    @Test
    void aBucketGrantGivesItsGranteeExactlyItsPermission() {
        String b = bucketWithObject("grants-bucket");
        dave.s3().putBucketAcl(r -> r.bucket(b).grantRead("id=\"" + erin.id() + "\""));
        // READ: listing, and nothing else (the objects are decided by their own ACLs)
        assertEquals(1, erin.s3().listObjectsV2(r -> r.bucket(b)).keyCount());
        assertEquals(1, erin.s3().listObjectVersions(r -> r.bucket(b)).versions().size());
        assertEquals(0, erin.s3().listMultipartUploads(r -> r.bucket(b)).uploads().size());
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
        assertEquals(403, status(() -> erin.s3().putObject(r -> r.bucket(b).key("e"), RequestBody.fromString("e"))));
        assertEquals(403, status(() -> erin.s3().getBucketAcl(r -> r.bucket(b))));
        assertEquals(403, status(() -> frank.s3().listObjectsV2(r -> r.bucket(b))));

        // WRITE: objects in, over and out; what erin writes is hers
        dave.s3().putBucketAcl(r -> r.bucket(b).grantWrite("id=" + erin.id()));
        erin.s3().putObject(r -> r.bucket(b).key("e"), RequestBody.fromString("erin's"));
        assertEquals(erin.id(), erin.s3().getObjectAcl(r -> r.bucket(b).key("e")).owner().id());
        String id = erin.s3().createMultipartUpload(r -> r.bucket(b).key("m")).uploadId();
        String etag = erin.s3().uploadPart(r -> r.bucket(b).key("m").uploadId(id).partNumber(1),
                RequestBody.fromString("part")).eTag();
        erin.s3().completeMultipartUpload(r -> r.bucket(b).key("m").uploadId(id)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        erin.s3().deleteObject(r -> r.bucket(b).key("k"));
        assertEquals(403, status(() -> erin.s3().listObjectsV2(r -> r.bucket(b))), "WRITE is not READ");
        assertEquals(403, status(() -> frank.s3().putObject(r -> r.bucket(b).key("f"), RequestBody.fromString("f"))));
        assertEquals(403, status(() -> erin.s3().deleteBucket(r -> r.bucket(b))), "nor the bucket's owner's");
        assertEquals(403, status(() -> erin.s3().getBucketVersioning(r -> r.bucket(b))));

        // READ_ACP, WRITE_ACP: the bucket's ACL; erin may hand WRITE to herself, as AWS lets her
        dave.s3().putBucketAcl(r -> r.bucket(b).grantReadACP("id=" + erin.id()).grantWriteACP("id=" + erin.id()));
        assertEquals(2, erin.s3().getBucketAcl(r -> r.bucket(b)).grants().size());
        assertEquals(403, status(() -> erin.s3().putObject(r -> r.bucket(b).key("e2"), RequestBody.fromString("e"))));
        erin.s3().putBucketAcl(r -> r.bucket(b).grantWrite("id=" + erin.id()));
        erin.s3().putObject(r -> r.bucket(b).key("e2"), RequestBody.fromString("e"));
        assertEquals(403, status(() -> erin.s3().getBucketAcl(r -> r.bucket(b))), "READ_ACP given away");
        // the bucket's owner keeps everything
        assertEquals(2, dave.s3().listObjectsV2(r -> r.bucket(b)).keyCount() - 1);
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":WRITE"), listed(dave.s3().getBucketAcl(r -> r.bucket(b)).grants()));

        // FULL_CONTROL on a bucket: READ, WRITE, READ_ACP, WRITE_ACP
        dave.s3().putBucketAcl(r -> r.bucket(b).grantFullControl("id=" + erin.id()));
        assertEquals(3, erin.s3().listObjectsV2(r -> r.bucket(b)).keyCount());
        erin.s3().putObject(r -> r.bucket(b).key("e3"), RequestBody.fromString("e"));
        assertEquals(1, erin.s3().getBucketAcl(r -> r.bucket(b)).grants().size());
        assertEquals(403, status(() -> frank.s3().getBucketAcl(r -> r.bucket(b))));
    }

    @Test
    void grantHeadersOnEveryWriteThatCreatesABucketOrAnObject() {
        String b = GatewayFixture.uniqueBucket("grants-headers");
        dave.s3().createBucket(r -> r.bucket(b).grantRead("id=\"" + erin.id() + "\", uri=\"" + AUTHENTICATED_USERS + "\"")
                .grantWrite("id=" + erin.id()));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":READ", "Group:" + AUTHENTICATED_USERS + ":READ",
                "CanonicalUser:" + erin.id() + ":WRITE"), listed(dave.s3().getBucketAcl(r -> r.bucket(b)).grants()));
        assertEquals(0, frank.s3().listObjectsV2(r -> r.bucket(b)).keyCount(), "AuthenticatedUsers READ");

        dave.s3().putObject(r -> r.bucket(b).key("put").grantRead("id=" + erin.id()), RequestBody.fromString("p"));
        dave.s3().copyObject(r -> r.sourceBucket(b).sourceKey("put").destinationBucket(b).destinationKey("copy")
                .grantReadACP("id=" + erin.id()));
        String id = dave.s3().createMultipartUpload(r -> r.bucket(b).key("mpu").grantFullControl("id=" + erin.id()))
                .uploadId();
        String etag = dave.s3().uploadPart(r -> r.bucket(b).key("mpu").uploadId(id).partNumber(1),
                RequestBody.fromString("m")).eTag();
        dave.s3().completeMultipartUpload(r -> r.bucket(b).key("mpu").uploadId(id)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":READ"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("put")).grants()));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":READ_ACP"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("copy")).grants()));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":FULL_CONTROL"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("mpu")).grants()));
        assertEquals("p", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("put")).asUtf8String());
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("copy"))));
        assertEquals(1, erin.s3().getObjectAcl(r -> r.bucket(b).key("copy")).grants().size());
        assertEquals("m", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("mpu")).asUtf8String());
        assertEquals(403, status(() -> frank.s3().getObjectAsBytes(r -> r.bucket(b).key("put"))));
    }

    @Test
    void anOlderVersionTakesGrantsOfItsOwn() {
        String b = GatewayFixture.uniqueBucket("grants-ver");
        dave.s3().createBucket(r -> r.bucket(b));
        dave.s3().putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        String v1 = dave.s3().putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("one")).versionId();
        dave.s3().putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("two"));
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").versionId(v1).accessControlPolicy(p -> p
                .owner(o -> o.id(dave.id())).grants(user(erin.id(), Permission.READ))));
        assertEquals("one", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k").versionId(v1)).asUtf8String());
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
        assertEquals(List.of("CanonicalUser:" + erin.id() + ":READ"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("k").versionId(v1)).grants()));
    }

    /** A bucket policy's explicit Deny wins over any grant, as in AWS; its Allow adds to them. */
    @Test
    void aBucketPolicysDenyWinsOverAGrant() {
        String b = bucketWithObject("grants-deny");
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").grantFullControl("id=" + erin.id()));
        dave.s3().putBucketAcl(r -> r.bucket(b).grantFullControl("id=" + erin.id()));
        assertEquals("daves bytes", erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
        String erinArn = "{\"AWS\":\"arn:aws:iam::000000000000:user/" + erin.name() + "\"}";
        dave.s3().putBucketPolicy(r -> r.bucket(b).policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                + "\"Principal\":" + erinArn + ",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\",\"s3:GetObjectAcl\"],"
                + "\"Resource\":[\"arn:aws:s3:::" + b + "\",\"arn:aws:s3:::" + b + "/*\"]}]}"));
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
        assertEquals(403, status(() -> erin.s3().listObjectsV2(r -> r.bucket(b))));
        assertEquals(403, status(() -> erin.s3().getObjectAcl(r -> r.bucket(b).key("k"))));
        // what the policy does not deny, the grants still give
        erin.s3().putObject(r -> r.bucket(b).key("e"), RequestBody.fromString("e"));
        assertEquals(1, erin.s3().getBucketAcl(r -> r.bucket(b)).grants().size());
    }

    /** AWS resolves a grant by e-mail address to the account with it and lists it as that CanonicalUser. */
    @Test
    void aGrantByEmailAddressNamesTheOneUserWithIt() throws Exception {
        UserRecord gina = gw.gateway().meta().createUser(new UserRecord("grants-gina", "AKIAGRANTGINA0000001",
                "gina-grants-secret-key-01", null, false).withEmail("gina@example.com"));
        String b = bucketWithObject("grants-email");
        dave.s3().putObjectAcl(r -> r.bucket(b).key("k").accessControlPolicy(p -> p.owner(o -> o.id(dave.id())).grants(
                Grant.builder().grantee(Grantee.builder().type(Type.AMAZON_CUSTOMER_BY_EMAIL)
                        .emailAddress("gina@example.com").build()).permission(Permission.READ).build())));
        assertEquals(List.of("CanonicalUser:" + gina.canonicalId() + ":READ"),
                listed(dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants()));
        try (S3Client g = gw.client(gina.accessKey(), gina.secretKey())) {
            assertEquals("daves bytes", g.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
            dave.s3().putObject(r -> r.bucket(b).key("h").grantRead("emailAddress=\"Gina@Example.com\""),
                    RequestBody.fromString("by header"));
            assertEquals("by header", g.getObjectAsBytes(r -> r.bucket(b).key("h")).asUtf8String());
        }
        assertEquals(403, status(() -> erin.s3().getObjectAsBytes(r -> r.bucket(b).key("k"))));
        assertEquals("UnresolvableGrantByEmailAddress", error(() -> dave.s3().putObjectAcl(r -> r.bucket(b).key("k")
                .grantRead("emailAddress=\"nobody@example.com\""))).awsErrorDetails().errorCode());
    }

    @Test
    void badGrantsAreRefusedAsS3RefusesThem() throws Exception {
        String b = bucketWithObject("grants-bad");
        SignedHttp http = dave.http();
        String path = "/" + b + "/k?acl";
        Map<String, String> none = Map.of();
        // a canned ACL and grant headers: InvalidRequest, on writes and on PutObjectAcl
        S3Exception both = error(() -> dave.s3().putObject(r -> r.bucket(b).key("x").acl(ObjectCannedACL.PUBLIC_READ)
                .grantRead("id=" + erin.id()), RequestBody.fromString("x")));
        assertEquals("InvalidRequest", both.awsErrorDetails().errorCode());
        assertEquals(400, both.statusCode());
        assertEquals("InvalidRequest", error(() -> dave.s3().putObjectAcl(r -> r.bucket(b).key("k")
                .acl(ObjectCannedACL.PRIVATE).grantRead("id=" + erin.id()))).awsErrorDetails().errorCode());
        assertEquals("InvalidRequest", error(() -> dave.s3().createBucket(r -> r.bucket(GatewayFixture.uniqueBucket("gb"))
                .acl(software.amazon.awssdk.services.s3.model.BucketCannedACL.PRIVATE).grantWrite("id=" + erin.id())))
                .awsErrorDetails().errorCode());
        // a body with grant headers (or a canned ACL): UnexpectedContent
        String policy = policyXml(dave.id(), "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                + "xsi:type=\"CanonicalUser\"><ID>" + erin.id() + "</ID></Grantee><Permission>READ</Permission></Grant>");
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "id=" + erin.id()), bytes(policy)), 400,
                "UnexpectedContent");
        assertError(http.send("PUT", path, Map.of("x-amz-acl", "private"), bytes(policy)), 400, "UnexpectedContent");
        // bodies that are not an AccessControlPolicy: MalformedACLError
        String erinReads = "<Grant><Grantee><ID>" + erin.id() + "</ID></Grantee><Permission>READ</Permission></Grant>";
        for (String bad : List.of("<AccessControlPolicy><AccessControlList>", "not xml", "<Something/>",
                policyXml(dave.id(), "<Grant><Permission>READ</Permission></Grant>"),
                policyXml(dave.id(), "<Grant><Grantee></Grantee><Permission>READ</Permission></Grant>"),
                policyXml(dave.id(), erinReads.replace(">READ<", ">ALL<")),
                policyXml(dave.id(), erinReads.repeat(101)))) {
            assertError(http.send("PUT", path, none, bytes(bad)), 400, "MalformedACLError");
        }
        // exactly 100 grants are fine
        assertEquals(200, http.send("PUT", path, none, bytes(policyXml(dave.id(), erinReads.repeat(100)))).status());
        assertEquals(100, dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants().size());
        // grant headers S3 cannot read or resolve
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "just-a-name"), null), 400, "InvalidArgument");
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "id=\"unclosed"), null), 400, "InvalidArgument");
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "nickname=\"erin\""), null), 400, "InvalidArgument");
        SignedHttp.Response unknown = http.send("PUT", path, Map.of("x-amz-grant-read", "id=\"" + "0".repeat(64) + "\""), null);
        assertError(unknown, 400, "InvalidArgument");
        assertTrue(unknown.text().contains("<Message>Invalid id</Message>"), unknown.text());
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "emailAddress=\"erin@example.com\""), null), 400,
                "UnresolvableGrantByEmailAddress");
        assertError(http.send("PUT", path, Map.of("x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/Nobody\""),
                null), 400, "InvalidArgument");
        assertError(http.send("PUT", "/" + b + "/new", Map.of("x-amz-grant-full-control", "id=\"" + "0".repeat(64) + "\""),
                bytes("x")), 400, "InvalidArgument");
        assertEquals(404, status(() -> dave.s3().headObject(r -> r.bucket(b).key("new"))), "nothing written");
        assertEquals(100, dave.s3().getObjectAcl(r -> r.bucket(b).key("k")).grants().size(), "the ACL unchanged");
    }

    static int anonymousGet(String bucket, String key) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                gw.endpoint().resolve("/" + bucket + "/" + key)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String policyXml(String ownerId, String grants) {
        return "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>" + ownerId
                + "</ID></Owner><AccessControlList>" + grants + "</AccessControlList></AccessControlPolicy>";
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void assertError(SignedHttp.Response r, int status, String code) {
        assertEquals(status, r.status(), r.text());
        assertEquals(code, r.code(), r.text());
        assertTrue(r.text().contains("<RequestId>"), r.text());
    }
}
