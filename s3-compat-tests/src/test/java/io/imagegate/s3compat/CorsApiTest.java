package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CORSRule;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * PutBucketCors, GetBucketCors and DeleteBucketCors through the SDK v2 and raw signed requests, as
 * tenants that are not administrators; the anonymous preflight ({@code OPTIONS}) and the CORS headers
 * of actual requests through the JDK's HTTP client, with S3's answers when no rule allows a request.
 */
class CorsApiTest {

    static GatewayFixture gw;
    static UserRecord alice = new UserRecord("cors-alice", "AKIACORSALICE0000001", "cors-alice-secret-key-01",
            Instant.now(), false);
    static UserRecord bob = new UserRecord("cors-bob", "AKIACORSBOB000000001", "cors-bob-secret-key-0001",
            Instant.now(), false);
    static S3Client a;
    static S3Client b;
    static SignedHttp aliceHttp;
    static SignedHttp bobHttp;
    static final HttpClient anonymous = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static final List<CORSRule> RULES = List.of(
            CORSRule.builder().id("console").allowedOrigins("https://console.example.com", "https://*.example.org")
                    .allowedMethods("GET", "PUT").allowedHeaders("x-amz-*", "content-type")
                    .exposeHeaders("ETag", "x-amz-version-id").maxAgeSeconds(3000).build(),
            CORSRule.builder().allowedOrigins("*").allowedMethods("GET", "HEAD").build());

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(alice);
        gw.gateway().meta().createUser(bob);
        a = gw.client(alice.accessKey(), alice.secretKey());
        b = gw.client(bob.accessKey(), bob.secretKey());
        aliceHttp = new SignedHttp(gw.endpoint(), alice.accessKey(), alice.secretKey());
        bobHttp = new SignedHttp(gw.endpoint(), bob.accessKey(), bob.secretKey());
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        gw.close();
    }

    static String newBucket() {
        String bucket = GatewayFixture.uniqueBucket("cors");
        a.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    static void putRules(String bucket) {
        a.putBucketCors(r -> r.bucket(bucket).corsConfiguration(c -> c.corsRules(RULES)));
    }

    @Test
    void rulesComeBackAsGivenAndDeleteRemovesThem() {
        String bucket = newBucket();
        S3Exception none = assertThrows(S3Exception.class, () -> a.getBucketCors(r -> r.bucket(bucket)));
        assertEquals(404, none.statusCode());
        assertEquals("NoSuchCORSConfiguration", none.awsErrorDetails().errorCode());

        putRules(bucket);
        assertEquals(RULES, a.getBucketCors(r -> r.bucket(bucket)).corsRules());

        a.deleteBucketCors(r -> r.bucket(bucket));
        a.deleteBucketCors(r -> r.bucket(bucket)); // nothing left: still 204, as in S3
        assertEquals("NoSuchCORSConfiguration", assertThrows(S3Exception.class,
                () -> a.getBucketCors(r -> r.bucket(bucket))).awsErrorDetails().errorCode());
    }

    @Test
    void onlyTheOwnerMayReadOrChangeTheRules() throws Exception {
        String bucket = newBucket();
        a.putBucketAcl(r -> r.bucket(bucket).acl("public-read-write"));
        String body = config("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>");
        assertEquals("AccessDenied", put(bobHttp, bucket, body).code());
        assertEquals(200, put(aliceHttp, bucket, body).status());
        assertEquals(403, assertThrows(S3Exception.class, () -> b.getBucketCors(r -> r.bucket(bucket))).statusCode());
        assertEquals(403, assertThrows(S3Exception.class, () -> b.deleteBucketCors(r -> r.bucket(bucket))).statusCode());
        assertEquals(1, a.getBucketCors(r -> r.bucket(bucket)).corsRules().size(), "bob changed nothing");
    }

    @Test
    void badDocumentsGetTheErrorsS3Gives() throws Exception {
        String bucket = newBucket();
        String ok = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";
        assertEquals("MalformedXML", put(aliceHttp, bucket, "<CORSConfiguration").code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config("")).code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(
                "<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>")).code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(
                "<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>")).code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(
                "<CORSRule>" + ok + "<Bogus/></CORSRule>")).code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(
                "<CORSRule>" + ok + "<MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule>")).code());
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(
                ("<CORSRule>" + ok + "</CORSRule>").repeat(101))).code());
        assertEquals(200, put(aliceHttp, bucket, config(("<CORSRule>" + ok + "</CORSRule>").repeat(100))).status());

        SignedHttp.Response patch = put(aliceHttp, bucket, config(
                "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>"));
        assertEquals(400, patch.status());
        assertEquals("InvalidRequest", patch.code());
        assertTrue(patch.text().contains("Found unsupported HTTP method in CORS config. Unsupported method is PATCH"),
                patch.text());
        assertTrue(patch.text().contains("<RequestId>"), patch.text());
        assertEquals("InvalidRequest", put(aliceHttp, bucket, config(
                "<CORSRule><AllowedOrigin>https://*.*.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"))
                .code());

        byte[] body = config("<CORSRule>" + ok + "</CORSRule>").getBytes(StandardCharsets.UTF_8);
        SignedHttp.Response noDigest = aliceHttp.send("PUT", "/" + bucket + "?cors", Map.of(), body);
        assertEquals("InvalidRequest", noDigest.code());
        assertEquals(100, a.getBucketCors(r -> r.bucket(bucket)).corsRules().size(), "the refused ones changed nothing");
    }

    @Test
    void aPreflightGetsTheFirstMatchingRule() throws Exception {
        String bucket = newBucket();
        putRules(bucket);
        HttpResponse<String> r = options(bucket, "k", Map.of("Origin", "https://app.example.org",
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "X-Amz-Date, Content-Type"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("https://app.example.org", header(r, "Access-Control-Allow-Origin"));
        assertEquals("GET, PUT", header(r, "Access-Control-Allow-Methods"));
        assertEquals("x-amz-date, content-type", header(r, "Access-Control-Allow-Headers"));
        assertEquals("3000", header(r, "Access-Control-Max-Age"));
        assertEquals("ETag, x-amz-version-id", header(r, "Access-Control-Expose-Headers"));
        assertEquals("Origin, Access-Control-Request-Headers, Access-Control-Request-Method", header(r, "Vary"));

        HttpResponse<String> any = options(bucket, "k", Map.of("Origin", "https://elsewhere.example.net",
                "Access-Control-Request-Method", "HEAD"));
        assertEquals(200, any.statusCode(), any.body());
        assertEquals("*", header(any, "Access-Control-Allow-Origin"));
        assertEquals("GET, HEAD", header(any, "Access-Control-Allow-Methods"));
        assertTrue(any.headers().firstValue("Access-Control-Max-Age").isEmpty());
    }

    @Test
    void aPreflightNoRuleAllowsIsForbidden() throws Exception {
        String bucket = newBucket();
        HttpResponse<String> noConfig = options(bucket, "k", Map.of("Origin", "https://x.example",
                "Access-Control-Request-Method", "GET"));
        assertEquals(403, noConfig.statusCode());
        assertTrue(noConfig.body().contains("<Code>AccessForbidden</Code>"), noConfig.body());
        assertTrue(noConfig.body().contains("<RequestId>"), noConfig.body());

        putRules(bucket);
        for (Map<String, String> h : List.of(
                Map.of("Origin", "https://x.example", "Access-Control-Request-Method", "PUT"),
                Map.of("Origin", "https://console.example.com", "Access-Control-Request-Method", "DELETE"),
                Map.of("Origin", "https://console.example.com", "Access-Control-Request-Method", "PUT",
                        "Access-Control-Request-Headers", "x-amz-date, authorization"))) {
            HttpResponse<String> r = options(bucket, "k", h);
            assertEquals(403, r.statusCode(), h.toString());
            assertTrue(r.body().contains("<Code>AccessForbidden</Code>"), r.body());
            assertTrue(r.body().contains("CORSResponse: This CORS request is not allowed."), r.body());
            assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }

        HttpResponse<String> noOrigin = options(bucket, "k", Map.of("Access-Control-Request-Method", "GET"));
        assertEquals(400, noOrigin.statusCode());
        assertTrue(noOrigin.body().contains("<Code>BadRequest</Code>"), noOrigin.body());
        assertTrue(noOrigin.body().contains("Insufficient information. Origin request header needed."), noOrigin.body());
        HttpResponse<String> noMethod = options(bucket, "k", Map.of("Origin", "https://x.example"));
        assertEquals(400, noMethod.statusCode());
        assertTrue(noMethod.body().contains("<Code>BadRequest</Code>"), noMethod.body());

        HttpResponse<String> unknown = options(GatewayFixture.uniqueBucket("cors-none"), "k",
                Map.of("Origin", "https://x.example", "Access-Control-Request-Method", "GET"));
        assertEquals(403, unknown.statusCode());
        assertTrue(unknown.body().contains("<Code>AccessForbidden</Code>"), unknown.body());
    }

    @Test
    void actualRequestsGetTheHeadersButNoAccess() throws Exception {
        String bucket = newBucket();
        putRules(bucket);
        a.putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromString("hello"));

        SignedHttp.Response get = aliceHttp.send("GET", "/" + bucket + "/k",
                Map.of("Origin", "https://console.example.com"), new byte[0]);
        assertEquals(200, get.status());
        assertEquals("https://console.example.com", get.header("Access-Control-Allow-Origin").orElseThrow());
        assertEquals("GET, PUT", get.header("Access-Control-Allow-Methods").orElseThrow());
        assertEquals("ETag, x-amz-version-id", get.header("Access-Control-Expose-Headers").orElseThrow());
        assertEquals("3000", get.header("Access-Control-Max-Age").orElseThrow());
        assertTrue(get.header("Vary").orElseThrow().contains("Origin"));

        SignedHttp.Response other = aliceHttp.send("DELETE", "/" + bucket + "/k",
                Map.of("Origin", "https://console.example.com"), new byte[0]);
        assertEquals(204, other.status());
        assertFalse(other.header("Access-Control-Allow-Origin").isPresent(), "no rule allows DELETE from it");

        a.putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromString("hello"));
        HttpRequest anonymousGet = HttpRequest.newBuilder(gw.endpoint().resolve("/" + bucket + "/k"))
                .header("Origin", "https://console.example.com").GET().build();
        HttpResponse<String> denied = anonymous.send(anonymousGet, HttpResponse.BodyHandlers.ofString());
        assertEquals(403, denied.statusCode(), "a rule never grants access");
        assertTrue(denied.body().contains("<Code>AccessDenied</Code>"), denied.body());

        SignedHttp.Response bobs = bobHttp.send("GET", "/" + bucket + "/k",
                Map.of("Origin", "https://console.example.com"), new byte[0]);
        assertEquals(403, bobs.status(), "nor to another tenant");
    }

    @Test
    void theRulesGoWithTheBucket() {
        String bucket = GatewayFixture.uniqueBucket("cors");
        a.createBucket(r -> r.bucket(bucket));
        putRules(bucket);
        a.deleteBucket(r -> r.bucket(bucket));
        a.createBucket(r -> r.bucket(bucket));
        assertEquals("NoSuchCORSConfiguration", assertThrows(S3Exception.class,
                () -> a.getBucketCors(r -> r.bucket(bucket))).awsErrorDetails().errorCode());
    }

    // ---- helpers

    static String config(String rules) {
        return "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules + "</CORSConfiguration>";
    }

    static SignedHttp.Response put(SignedHttp http, String bucket, String xml) throws Exception {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        return http.send("PUT", "/" + bucket + "?cors", Map.of("Content-MD5", md5(body)), body);
    }

    static String md5(byte[] body) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
    }

    static HttpResponse<String> options(String bucket, String key, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.endpoint() + "/" + bucket + "/" + key))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return anonymous.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + ": " + r.headers()));
    }
}
