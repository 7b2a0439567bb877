package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.meta.PolicyDocument;
import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bucket policies through the SDK (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy) and user
 * policies set in the store, as non-admin users: who may manage a bucket's policy, the errors AWS
 * gives for bad documents and missing policies, and what the policies then decide: an explicit Deny
 * wins, then an Allow, else the owner and ACL rules.
 */
class BucketPolicyTest {

    static final String READER_AK = "AKIAPOLICYREADER0001";
    static final String READER_SK = "policy-reader-secret-0001";
    static GatewayFixture gw;
    static S3Client owner;
    static S3Client reader;
    static UserRecord readerUser;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        owner = gw.client();
        readerUser = gw.gateway().meta().createUser(new UserRecord("policy-reader", READER_AK, READER_SK, null, false));
        reader = gw.client(READER_AK, READER_SK);
    }

    @AfterAll
    static void stop() throws Exception {
        owner.close();
        reader.close();
        gw.close();
    }

    static String policy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    static String statement(String effect, String principal, String actions, String resources, String condition) {
        return "{\"Effect\":\"" + effect + "\"" + (principal == null ? "" : ",\"Principal\":" + principal)
                + ",\"Action\":" + actions + ",\"Resource\":" + resources
                + (condition == null ? "" : ",\"Condition\":" + condition) + "}";
    }

    static String readerArn() {
        return "{\"AWS\":\"arn:aws:iam::000000000000:user/policy-reader\"}";
    }

    static S3Exception refused(Executable call) {
        return assertThrows(S3Exception.class, call);
    }

    static void denied(Executable call) {
        S3Exception e = refused(call);
        assertEquals(403, e.statusCode(), e.getMessage());
        assertEquals("AccessDenied", e.awsErrorDetails().errorCode());
    }

    static String bucketWith(String... keys) {
        String b = GatewayFixture.uniqueBucket("policy");
        owner.createBucket(r -> r.bucket(b));
        for (String k : keys) {
            owner.putObject(r -> r.bucket(b).key(k), RequestBody.fromString("bytes of " + k));
        }
        return b;
    }

    @Test
    void theOwnerSetsReadsAndDeletesAPolicyAndGetsAwsErrorsForBadOnesAndMissingOnes() {
        String b = bucketWith();
        S3Exception none = refused(() -> owner.getBucketPolicy(r -> r.bucket(b)));
        assertEquals(404, none.statusCode());
        assertEquals("NoSuchBucketPolicy", none.awsErrorDetails().errorCode());

        String text = policy(statement("Allow", readerArn(), "\"s3:GetObject\"", "\"arn:aws:s3:::" + b + "/public/*\"",
                null));
        owner.putBucketPolicy(r -> r.bucket(b).policy(text));
        assertEquals(text, owner.getBucketPolicy(r -> r.bucket(b)).policy(), "the document as it was set");

        for (String bad : List.of("not json", "{\"Version\":\"2012-10-17\"}", policy(statement("Allow", "\"*\"",
                "\"s3:GetObject\"", "\"arn:aws:s3:::some-other-bucket/*\"", null)), policy(statement("Allow", "\"*\"",
                "\"s3:Frobnicate\"", "\"arn:aws:s3:::" + b + "/*\"", null)), policy(statement("Allow",
                "{\"AWS\":\"arn:aws:iam::000000000000:user/nobody-by-this-name\"}", "\"s3:GetObject\"",
                "\"arn:aws:s3:::" + b + "/*\"", null)))) {
            S3Exception e = refused(() -> owner.putBucketPolicy(r -> r.bucket(b).policy(bad)));
            assertEquals(400, e.statusCode(), bad);
            assertEquals("MalformedPolicy", e.awsErrorDetails().errorCode(), bad);
        }
        assertEquals(text, owner.getBucketPolicy(r -> r.bucket(b)).policy(), "a refused document changes nothing");

        owner.deleteBucketPolicy(r -> r.bucket(b));
        assertEquals("NoSuchBucketPolicy", refused(() -> owner.getBucketPolicy(r -> r.bucket(b))).awsErrorDetails()
                .errorCode());
        owner.deleteBucketPolicy(r -> r.bucket(b)); // 204 again, as S3
        assertEquals("NoSuchBucket", refused(() -> owner.getBucketPolicy(r -> r.bucket(b + "-none")))
                .awsErrorDetails().errorCode());
    }

    @Test
    void aBodyWhoseDigestDoesNotMatchIsRefusedAndAPolicyWithoutOneIsTaken() throws Exception {
        String b = bucketWith();
        String text = policy(statement("Allow", readerArn(), "\"s3:GetObject\"", "\"arn:aws:s3:::" + b + "/*\"", null));
        byte[] body = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SignedHttp tenant = new SignedHttp(gw.endpoint(), GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY);
        SignedHttp.Response md5 = tenant.send("PUT", "/" + b + "?policy",
                java.util.Map.of("Content-MD5", AuthorizationMatrixTest.md5("something else")), body);
        assertEquals(400, md5.status());
        assertEquals("BadDigest", md5.code());
        SignedHttp.Response crc = tenant.send("PUT", "/" + b + "?policy",
                java.util.Map.of("x-amz-checksum-crc32", "AAAAAA=="), body);
        assertEquals(400, crc.status());
        assertEquals("BadDigest", crc.code());
        assertEquals("NoSuchBucketPolicy", refused(() -> owner.getBucketPolicy(r -> r.bucket(b))).awsErrorDetails()
                .errorCode());
        assertEquals(204, tenant.send("PUT", "/" + b + "?policy", java.util.Map.of(), body).status());
        assertEquals(text, owner.getBucketPolicy(r -> r.bucket(b)).policy());
    }

    @Test
    void onlyTheOwnerManagesTheBucketsPolicyWhateverThePolicySays() throws Exception {
        String b = bucketWith();
        String text = policy(statement("Allow", "\"*\"", "[\"s3:GetBucketPolicy\",\"s3:PutBucketPolicy\","
                + "\"s3:DeleteBucketPolicy\"]", "\"arn:aws:s3:::" + b + "\"", null));
        owner.putBucketPolicy(r -> r.bucket(b).policy(text));
        denied(() -> reader.getBucketPolicy(r -> r.bucket(b)));
        denied(() -> reader.putBucketPolicy(r -> r.bucket(b).policy(text)));
        denied(() -> reader.deleteBucketPolicy(r -> r.bucket(b)));
        assertEquals(403, anonymous("GET", "/" + b + "?policy"));
        assertEquals(403, anonymous("DELETE", "/" + b + "?policy"));
        assertEquals(text, owner.getBucketPolicy(r -> r.bucket(b)).policy());

        // a policy denying the owner everything cannot lock it out of the policy itself
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Deny", "\"*\"", "\"s3:*\"",
                "[\"arn:aws:s3:::" + b + "\",\"arn:aws:s3:::" + b + "/*\"]", null))));
        denied(() -> owner.listObjectsV2(r -> r.bucket(b)));
        owner.deleteBucketPolicy(r -> r.bucket(b));
        owner.listObjectsV2(r -> r.bucket(b));
    }

    @Test
    void anAllowGrantsAnotherUserExactlyTheActionsAndPrefixesItNames() {
        String b = bucketWith("public/a", "private/b");
        denied(() -> reader.getObject(r -> r.bucket(b).key("public/a")));
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(
                statement("Allow", readerArn(), "\"s3:GetObject\"", "\"arn:aws:s3:::" + b + "/public/*\"", null),
                statement("Allow", readerArn(), "\"s3:ListBucket\"", "\"arn:aws:s3:::" + b + "\"",
                        "{\"StringLike\":{\"s3:prefix\":\"public/*\"}}"))));
        assertEquals("bytes of public/a", reader.getObjectAsBytes(r -> r.bucket(b).key("public/a")).asUtf8String());
        denied(() -> reader.getObject(r -> r.bucket(b).key("private/b")));
        assertEquals(List.of("public/a"), reader.listObjectsV2(r -> r.bucket(b).prefix("public/")).contents().stream()
                .map(o -> o.key()).toList());
        denied(() -> reader.listObjectsV2(r -> r.bucket(b).prefix("private/")));
        denied(() -> reader.listObjectsV2(r -> r.bucket(b)));
        denied(() -> reader.putObject(r -> r.bucket(b).key("public/new"), RequestBody.fromString("x")));
        denied(() -> reader.deleteObject(r -> r.bucket(b).key("public/a")));
        // a missing key under the granted prefix: the caller may not list the bucket as such (a read sends
        // no s3:prefix), so it learns nothing of which keys exist, as from S3
        denied(() -> reader.getObject(r -> r.bucket(b).key("public/none")));
        // the grant names this user: anonymous callers get nothing from it
        assertEquals(403, anonymousSafe("GET", "/" + b + "/public/a"));
    }

    @Test
    void anExplicitDenyWinsOverTheOwnersRightsAndOverAnAllow() {
        String b = bucketWith("locked/a", "open/b");
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(
                statement("Allow", "\"*\"", "[\"s3:GetObject\",\"s3:DeleteObject\"]", "\"arn:aws:s3:::" + b + "/*\"", null),
                statement("Deny", "\"*\"", "[\"s3:DeleteObject\",\"s3:PutObject\"]", "\"arn:aws:s3:::" + b + "/locked/*\"",
                        null))));
        denied(() -> owner.deleteObject(r -> r.bucket(b).key("locked/a")));
        denied(() -> owner.putObject(r -> r.bucket(b).key("locked/a"), RequestBody.fromString("over")));
        denied(() -> reader.deleteObject(r -> r.bucket(b).key("locked/a")));
        assertEquals("bytes of locked/a", reader.getObjectAsBytes(r -> r.bucket(b).key("locked/a")).asUtf8String());
        reader.deleteObject(r -> r.bucket(b).key("open/b"));
        assertEquals(404, refused(() -> owner.headObject(r -> r.bucket(b).key("open/b"))).statusCode());

        // DeleteObjects decides key by key
        owner.putObject(r -> r.bucket(b).key("open/c"), RequestBody.fromString("c"));
        DeleteObjectsResponse res = owner.deleteObjects(r -> r.bucket(b).delete(Delete.builder().objects(
                ObjectIdentifier.builder().key("open/c").build(), ObjectIdentifier.builder().key("locked/a").build())
                .build()));
        assertEquals(List.of("open/c"), res.deleted().stream().map(d -> d.key()).toList());
        assertEquals(List.of("locked/a AccessDenied"), res.errors().stream().map(e -> e.key() + " " + e.code()).toList());
        assertEquals("bytes of locked/a", owner.getObjectAsBytes(r -> r.bucket(b).key("locked/a")).asUtf8String());
    }

    @Test
    void sourceAddressConditionsSeeTheCallersAddress() {
        String b = bucketWith("k");
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Allow", readerArn(), "\"s3:GetObject\"",
                "\"arn:aws:s3:::" + b + "/*\"", "{\"IpAddress\":{\"aws:SourceIp\":[\"127.0.0.0/8\",\"::1/128\"]}}"))));
        reader.getObject(r -> r.bucket(b).key("k")); // the test's own loopback address
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Allow", readerArn(), "\"s3:GetObject\"",
                "\"arn:aws:s3:::" + b + "/*\"", "{\"IpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}"))));
        denied(() -> reader.getObject(r -> r.bucket(b).key("k")));
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Deny", "\"*\"", "\"s3:*\"",
                "\"arn:aws:s3:::" + b + "/*\"", "{\"NotIpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}"))));
        denied(() -> owner.getObject(r -> r.bucket(b).key("k")));
    }

    @Test
    void aUserPolicyGrantsAndDeniesInBucketsOfOtherOwnersAndFollowsItsChanges() {
        String b = bucketWith("images/base.raw", "other/x");
        gw.gateway().meta().putUserPolicy("policy-reader", new PolicyDocument(policy(
                statement("Allow", null, "[\"s3:GetObject\",\"s3:PutObject\"]", "\"arn:aws:s3:::" + b + "/images/*\"",
                        null))));
        try {
            assertEquals("bytes of images/base.raw", reader.getObjectAsBytes(r -> r.bucket(b).key("images/base.raw"))
                    .asUtf8String());
            reader.putObject(r -> r.bucket(b).key("images/new.raw"), RequestBody.fromString("new"));
            // the object is the reader's, its writer (ObjectAclTest): the bucket's owner reads it once granted
            assertEquals("new", reader.getObjectAsBytes(r -> r.bucket(b).key("images/new.raw")).asUtf8String());
            denied(() -> owner.getObject(r -> r.bucket(b).key("images/new.raw")));
            reader.putObject(r -> r.bucket(b).key("images/new.raw").acl(ObjectCannedACL.BUCKET_OWNER_FULL_CONTROL),
                    RequestBody.fromString("new"));
            assertEquals("new", owner.getObjectAsBytes(r -> r.bucket(b).key("images/new.raw")).asUtf8String());
            denied(() -> reader.getObject(r -> r.bucket(b).key("other/x")));
            denied(() -> reader.deleteObject(r -> r.bucket(b).key("images/new.raw")));

            // a deny in the user's policy wins over the bucket policy's allow
            owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Allow", readerArn(), "\"s3:*\"",
                    "\"arn:aws:s3:::" + b + "/*\"", null))));
            reader.getObject(r -> r.bucket(b).key("other/x"));
            gw.gateway().meta().putUserPolicy("policy-reader", new PolicyDocument(policy(
                    statement("Deny", null, "\"s3:GetObject\"", "\"arn:aws:s3:::" + b + "/other/*\"", null))));
            denied(() -> reader.getObject(r -> r.bucket(b).key("other/x")));
            reader.getObject(r -> r.bucket(b).key("images/base.raw"));
        } finally {
            gw.gateway().meta().deleteUserPolicy("policy-reader");
        }
        reader.getObject(r -> r.bucket(b).key("other/x"));
        owner.deleteBucketPolicy(r -> r.bucket(b));
        denied(() -> reader.getObject(r -> r.bucket(b).key("other/x")));
    }

    @Test
    void aUserPolicyCannotMakeAUserAnAdministrator() throws Exception {
        gw.gateway().meta().putUserPolicy("policy-reader", new PolicyDocument(policy(
                statement("Allow", null, "\"*\"", "\"*\"", null))));
        try {
            assertEquals(403, new SignedHttp(gw.endpoint(), READER_AK, READER_SK).get("/?storage-report").status());
        } finally {
            gw.gateway().meta().deleteUserPolicy("policy-reader");
        }
    }

    @Test
    void aBucketDeletedWithItsPolicyComesBackWithout() {
        String b = bucketWith();
        owner.putBucketPolicy(r -> r.bucket(b).policy(policy(statement("Allow", "\"*\"", "\"s3:GetObject\"",
                "\"arn:aws:s3:::" + b + "/*\"", null))));
        owner.deleteBucket(r -> r.bucket(b));
        owner.createBucket(r -> r.bucket(b));
        assertEquals("NoSuchBucketPolicy", refused(() -> owner.getBucketPolicy(r -> r.bucket(b))).awsErrorDetails()
                .errorCode());
    }

    static int anonymous(String method, String pathAndQuery) throws Exception {
        URI uri = gw.endpoint().resolve(pathAndQuery);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static int anonymousSafe(String method, String pathAndQuery) {
        try {
            return anonymous(method, pathAndQuery);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
