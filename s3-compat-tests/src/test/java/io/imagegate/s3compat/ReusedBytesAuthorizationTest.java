package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.meta.UserRecord;
import io.imagegate.s3compat.ExtensionCalls.Chunk;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One rule: a write that reuses another version's bytes needs read access to that version, and
 * whoever may not read it gets 403 whether or not it exists. Issue 12's findings 1, 2 and 6, as an
 * attacker would try them, each as a non-admin user or as nobody.
 */
class ReusedBytesAuthorizationTest {

    static GatewayFixture gw;
    static S3Client alice;
    static S3Client bob;
    static ExtensionCalls bobExt;
    static final HttpClient http = HttpClient.newHttpClient();
    static final int CHUNK = 64 * 1024;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(new UserRecord("alice", "AKIAREUSEALICE000001", "alice-secret-0001", null, false));
        gw.gateway().meta().createUser(new UserRecord("bob", "AKIAREUSEBOB00000001", "bob-secret-00001", null, false));
        alice = gw.client("AKIAREUSEALICE000001", "alice-secret-0001");
        bob = gw.client("AKIAREUSEBOB00000001", "bob-secret-00001");
        bobExt = new ExtensionCalls(new SignedHttp(gw.endpoint(), "AKIAREUSEBOB00000001", "bob-secret-00001"));
    }

    @AfterAll
    static void stop() throws Exception {
        alice.close();
        bob.close();
        gw.close();
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A public-read-write bucket of alice's holding her private object {@code secret}. */
    static String openBucketWithPrivateObject(String name, byte[] secret) {
        String b = GatewayFixture.uniqueBucket(name);
        alice.createBucket(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ_WRITE));
        alice.putObject(r -> r.bucket(b).key("private-key"), RequestBody.fromBytes(secret));
        return b;
    }

    static HttpResponse<byte[]> anonymous(String method, String pathAndQuery, java.util.Map<String, String> headers,
            byte[] body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(gw.endpoint().resolve(pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(r::header);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String code(HttpResponse<byte[]> r) {
        String t = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        int a = t.indexOf("<Code>");
        return a < 0 ? null : t.substring(a + 6, t.indexOf("</Code>", a));
    }

    @Test
    void aWriterOfABucketCannotCommitAPrivateBaseIntoAPublicVersion() throws Exception {
        byte[] secret = random(1, 3 * CHUNK);
        String b = openBucketWithPrivateObject("steal", secret);
        // finding 1: keep every base chunk (no chunk listed), grow the size, make it public
        byte[] body = ExtensionCalls.commitBody(1_000_000, List.of());
        HttpResponse<byte[]> commit = anonymous("POST", "/" + b + "/private-key?commit", java.util.Map.of(
                "x-imagegate-base-version-id", "null", "x-amz-acl", "public-read",
                "Content-Type", "application/vnd.imagegate.commit"), body);
        assertEquals(403, commit.statusCode());
        assertEquals("AccessDenied", code(commit));
        HttpResponse<byte[]> read = anonymous("GET", "/" + b + "/private-key", java.util.Map.of(), null);
        assertEquals(403, read.statusCode());
        assertArrayEquals(secret, alice.getObjectAsBytes(r -> r.bucket(b).key("private-key")).asByteArray(),
                "nothing was published over alice's object");
        // the same as a signed-in user who may write the bucket but not read the object
        assertEquals(403, bobExt.commit(b, "private-key", "null", false, 1_000_000, List.of()).status());
    }

    @Test
    void missingChunksAndUploadFalseConfirmNoHashOfAnUnreadableVersion() throws Exception {
        byte[] secret = random(2, CHUNK);
        String b = openBucketWithPrivateObject("oracle", secret);
        String rightGuess = ExtensionCalls.sha256(secret);
        // finding 2: the answer would say whether a guess is the object's content
        SignedHttp.Response asked = bobExt.missing(b, "private-key", null, List.of(rightGuess));
        assertEquals(403, asked.status(), asked.text());
        assertEquals("AccessDenied", asked.code());
        SignedHttp.Response kept = bobExt.commit(b, "private-key", "null", false, CHUNK,
                List.of(Chunk.keep(0, CHUNK, rightGuess)));
        assertEquals(403, kept.status(), kept.text());
        HttpResponse<byte[]> anon = anonymous("POST", "/" + b + "/private-key?missing-chunks",
                java.util.Map.of("Content-Type", "application/json"),
                ("{\"hashes\":[\"" + rightGuess + "\"]}").getBytes());
        assertEquals(403, anon.statusCode());
        // the owner may ask: the rule is read access, which she has
        ExtensionCalls aliceExt = new ExtensionCalls(new SignedHttp(gw.endpoint(), "AKIAREUSEALICE000001", "alice-secret-0001"));
        assertEquals(List.of(), aliceExt.missingHashes(b, "private-key", null, List.of(rightGuess)));
    }

    @Test
    void copiesFromAnotherUsersPrivateBucketAre403WhetherOrNotTheKeyExists() throws Exception {
        String b = GatewayFixture.uniqueBucket("copy-src");
        alice.createBucket(r -> r.bucket(b));
        alice.putObject(r -> r.bucket(b).key("exists"), RequestBody.fromBytes(random(3, 100)));
        String dest = GatewayFixture.uniqueBucket("copy-dst");
        bob.createBucket(r -> r.bucket(dest));
        String upload = bob.createMultipartUpload(r -> r.bucket(dest).key("assembled")).uploadId();
        for (String key : List.of("exists", "does-not-exist")) {
            // finding 6: 403 for the key that exists and 404 for the one that does not told bob which keys exist
            S3Exception copy = assertThrows(S3Exception.class, () -> bob.copyObject(r -> r.sourceBucket(b).sourceKey(key)
                    .destinationBucket(dest).destinationKey("copy")));
            assertEquals(403, copy.statusCode(), key);
            assertEquals("AccessDenied", copy.awsErrorDetails().errorCode(), key);
            S3Exception part = assertThrows(S3Exception.class, () -> bob.uploadPartCopy(r -> r.sourceBucket(b)
                    .sourceKey(key).destinationBucket(dest).destinationKey("assembled").uploadId(upload).partNumber(1)));
            assertEquals(403, part.statusCode(), key);
            assertEquals("AccessDenied", part.awsErrorDetails().errorCode(), key);
        }
        S3Exception byVersion = assertThrows(S3Exception.class, () -> bob.copyObject(r -> r.sourceBucket(b)
                .sourceKey("exists").sourceVersionId("null").destinationBucket(dest).destinationKey("copy")));
        assertEquals(403, byVersion.statusCode());
        // alice, who may list her bucket, learns that a key is missing
        S3Exception mine = assertThrows(S3Exception.class, () -> alice.copyObject(r -> r.sourceBucket(b)
                .sourceKey("does-not-exist").destinationBucket(b).destinationKey("copy")));
        assertEquals(404, mine.statusCode());
    }

    @Test
    void readsOfMissingKeysAre403ForCallersWhoMayNotListTheBucket() throws Exception {
        String b = GatewayFixture.uniqueBucket("missing");
        alice.createBucket(r -> r.bucket(b));
        for (String q : List.of("", "?manifest", "?versionId=null")) {
            HttpResponse<byte[]> r = anonymous("GET", "/" + b + "/nothing-here" + q, java.util.Map.of(), null);
            assertEquals(403, r.statusCode(), q);
            assertEquals("AccessDenied", code(r), q);
        }
        assertEquals(403, anonymous("HEAD", "/" + b + "/nothing-here", java.util.Map.of(), null).statusCode());
        S3Exception other = assertThrows(S3Exception.class, () -> bob.headObject(r -> r.bucket(b).key("nothing-here")));
        assertEquals(403, other.statusCode());
        String listable = GatewayFixture.uniqueBucket("listable");
        alice.createBucket(r -> r.bucket(listable).acl(BucketCannedACL.PUBLIC_READ));
        HttpResponse<byte[]> r = anonymous("GET", "/" + listable + "/nothing-here", java.util.Map.of(), null);
        assertEquals(404, r.statusCode(), "whoever may list the bucket learns what is not there");
        assertEquals("NoSuchKey", code(r));
    }
}
