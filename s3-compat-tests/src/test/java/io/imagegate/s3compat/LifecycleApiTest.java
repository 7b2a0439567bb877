package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and DeleteBucketLifecycle through
 * the SDK v2 and raw signed requests, as a tenant that is not an administrator: the rules come back as
 * given, only the bucket's owner may touch them, every malformed document and out-of-range value gets
 * the error S3 gives, and {@code x-amz-expiration} tells when a current version will expire.
 */
class LifecycleApiTest {

    static GatewayFixture gw;
    static UserRecord alice = new UserRecord("lc-alice", "AKIALCALICE000000001", "lc-alice-secret-key-0001",
            Instant.now(), false);
    static UserRecord bob = new UserRecord("lc-bob", "AKIALCBOB00000000001", "lc-bob-secret-key-000001",
            Instant.now(), false);
    static S3Client a;
    static S3Client b;
    static SignedHttp aliceHttp;
    static SignedHttp bobHttp;

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
        String bucket = GatewayFixture.uniqueBucket("lc");
        a.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    @Test
    void rulesComeBackAsGivenAndDeleteRemovesThem() {
        String bucket = newBucket();
        S3Exception none = assertThrows(S3Exception.class, () -> a.getBucketLifecycleConfiguration(r -> r.bucket(bucket)));
        assertEquals(404, none.statusCode());
        assertEquals("NoSuchLifecycleConfiguration", none.awsErrorDetails().errorCode());

        List<LifecycleRule> rules = List.of(
                LifecycleRule.builder().id("keep-10-snapshots").status(ExpirationStatus.ENABLED)
                        .filter(f -> f.prefix("images/"))
                        .noncurrentVersionExpiration(n -> n.noncurrentDays(1).newerNoncurrentVersions(10)).build(),
                LifecycleRule.builder().id("tmp").status(ExpirationStatus.DISABLED)
                        .filter(f -> f.and(x -> x.prefix("tmp/").objectSizeGreaterThan(10L).objectSizeLessThan(1000L)))
                        .expiration(e -> e.days(7)).build(),
                LifecycleRule.builder().id("markers").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                        .expiration(e -> e.expiredObjectDeleteMarker(true))
                        .abortIncompleteMultipartUpload(x -> x.daysAfterInitiation(3)).build(),
                LifecycleRule.builder().id("dated").status(ExpirationStatus.ENABLED).filter(f -> f.objectSizeLessThan(5L))
                        .expiration(e -> e.date(Instant.parse("2030-01-01T00:00:00Z"))).build());
        a.putBucketLifecycleConfiguration(r -> r.bucket(bucket)
                .lifecycleConfiguration(BucketLifecycleConfiguration.builder().rules(rules).build()));

        List<LifecycleRule> back = a.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules();
        assertEquals(rules, back);

        a.deleteBucketLifecycle(r -> r.bucket(bucket));
        a.deleteBucketLifecycle(r -> r.bucket(bucket)); // nothing left: still 204, as in S3
        assertEquals(404, assertThrows(S3Exception.class,
                () -> a.getBucketLifecycleConfiguration(r -> r.bucket(bucket))).statusCode());
    }

    @Test
    void aRuleWithoutIdGetsOne() throws Exception {
        String bucket = newBucket();
        put(aliceHttp, bucket, config("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"))
                .expect(200);
        LifecycleRule rule = a.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules().get(0);
        assertTrue(rule.id() != null && !rule.id().isEmpty(), "generated id");
        assertEquals("", rule.filter().prefix());
    }

    @Test
    void onlyTheOwnerMayReadOrChangeTheRules() throws Exception {
        String bucket = newBucket();
        a.putBucketAcl(r -> r.bucket(bucket).acl("public-read-write"));
        String body = config("<Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>");
        assertEquals("AccessDenied", put(bobHttp, bucket, body).expect(403).code());
        put(aliceHttp, bucket, body).expect(200);
        assertEquals(403, assertThrows(S3Exception.class,
                () -> b.getBucketLifecycleConfiguration(r -> r.bucket(bucket))).statusCode());
        assertEquals(403, assertThrows(S3Exception.class,
                () -> b.deleteBucketLifecycle(r -> r.bucket(bucket))).statusCode());
        assertEquals(1, a.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules().size());
        S3Exception missing = assertThrows(S3Exception.class,
                () -> a.getBucketLifecycleConfiguration(r -> r.bucket("lc-no-such-bucket")));
        assertEquals("NoSuchBucket", missing.awsErrorDetails().errorCode());
    }

    @Test
    void theBodyMustCarryADigestThatMatches() throws Exception {
        String bucket = newBucket();
        byte[] body = config("<Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")
                .getBytes(StandardCharsets.UTF_8);
        SignedHttp.Response noDigest = aliceHttp.send("PUT", "/" + bucket + "?lifecycle", Map.of(), body);
        assertEquals(400, noDigest.status());
        assertEquals("InvalidRequest", noDigest.code());
        assertTrue(noDigest.text().contains("Missing required header for this request: Content-MD5"), noDigest.text());
        SignedHttp.Response wrong = aliceHttp.send("PUT", "/" + bucket + "?lifecycle",
                Map.of("Content-MD5", md5("something else".getBytes(StandardCharsets.UTF_8))), body);
        assertEquals(400, wrong.status());
        assertEquals("BadDigest", wrong.code());
        assertEquals(404, assertThrows(S3Exception.class,
                () -> a.getBucketLifecycleConfiguration(r -> r.bucket(bucket))).statusCode());
    }

    /** Each bad document, the status, code and message S3 answers, and nothing stored. */
    @Test
    void badDocumentsGetTheErrorsS3Gives() throws Exception {
        String bucket = newBucket();
        String ok = "<Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status>";
        record Bad(String xml, int status, String code, String message) {}
        List<Bad> cases = List.of(
                new Bad("<LifecycleConfiguration><Rule>", 400, "MalformedXML", null),
                new Bad("<Lifecycle><Rule><ID>a</ID>" + ok + "<Expiration><Days>1</Days></Expiration></Rule></Lifecycle>",
                        400, "MalformedXML", null),
                new Bad(config(""), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Prefix>x</Prefix>" + ok + "<Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Filter><Prefix>a</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>"
                        + "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Filter><And><Prefix>a</Prefix></And></Filter><Status>Enabled</Status>"
                        + "<Expiration><Days>1</Days></Expiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date>"
                        + "</Expiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true"
                        + "</ExpiredObjectDeleteMarker></Expiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter>"
                        + "<Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
                        + "</Expiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Days>seven</Days></Expiration></Rule>"),
                        400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<NoncurrentVersionExpiration><NewerNoncurrentVersions>3"
                        + "</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"), 400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Bogus/><Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "MalformedXML", null),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Days>0</Days></Expiration></Rule>"),
                        400, "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration></Rule>"),
                        400, "InvalidArgument", "'Date' must be at midnight GMT"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays>"
                        + "</NoncurrentVersionExpiration></Rule>"), 400, "InvalidArgument",
                        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>"
                        + "<NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"),
                        400, "InvalidArgument", "'NewerNoncurrentVersions'"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>-1"
                        + "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"), 400, "InvalidArgument",
                        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"),
                new Bad(config("<Rule><ID>" + "i".repeat(256) + "</ID>" + ok + "<Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "InvalidArgument", "ID length should not exceed allowed limit of 255"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Expiration><Days>1</Days></Expiration></Rule>"
                        + "<Rule><ID>a</ID>" + ok + "<Expiration><Days>2</Days></Expiration></Rule>"),
                        400, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"),
                new Bad(config("<Rule><ID>a</ID>" + ok + "</Rule>"), 400, "InvalidRequest",
                        "At least one action needs to be specified in a rule"),
                new Bad(config("<Rule><ID>a</ID><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter>"
                        + "<Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
                        + "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"), 400, "InvalidRequest",
                        "AbortIncompleteMultipartUpload cannot be specified with Object Size."),
                new Bad(config("<Rule><ID>a</ID><Filter><And><ObjectSizeGreaterThan>9</ObjectSizeGreaterThan>"
                        + "<ObjectSizeLessThan>9</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>"
                        + "<Expiration><Days>1</Days></Expiration></Rule>"), 400, "InvalidRequest",
                        "'ObjectSizeGreaterThan' should be less than 'ObjectSizeLessThan'"),
                new Bad(config("<Rule><ID>a</ID><Prefix>x</Prefix><Status>Enabled</Status><NoncurrentVersionExpiration>"
                        + "<NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions>"
                        + "</NoncurrentVersionExpiration></Rule>"), 400, "InvalidRequest",
                        "NewerNoncurrentVersions element can only be used in Lifecycle V2."),
                new Bad(config("<Rule><ID>a</ID><Prefix>x</Prefix><Status>Enabled</Status><Expiration><Days>1</Days>"
                        + "</Expiration></Rule><Rule><ID>b</ID>" + ok + "<Expiration><Days>1</Days></Expiration></Rule>"),
                        400, "InvalidRequest", "Filter element can only be used in Lifecycle V2."),
                new Bad(config("<Rule><ID>a</ID>" + ok + "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass>"
                        + "</Transition></Rule>"), 501, "NotImplemented", "Transition"),
                new Bad(config("<Rule><ID>a</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"
                        + "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"), 501, "NotImplemented",
                        "tags"));
        for (Bad c : cases) {
            var r = put(aliceHttp, bucket, c.xml());
            assertEquals(c.status(), r.status(), c.xml() + " -> " + r.text());
            assertEquals(c.code(), r.code(), c.xml() + " -> " + r.text());
            assertTrue(r.text().contains("<RequestId>"), r.text());
            if (c.message() != null) {
                assertTrue(r.text().replace("&apos;", "'").contains(c.message()), c.xml() + " -> " + r.text());
            }
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= 1000; i++) {
            many.append("<Rule><ID>r").append(i).append("</ID>").append(ok).append("<Expiration><Days>1</Days></Expiration></Rule>");
        }
        assertEquals("MalformedXML", put(aliceHttp, bucket, config(many.toString())).expect(400).code());
        assertEquals(404, assertThrows(S3Exception.class,
                () -> a.getBucketLifecycleConfiguration(r -> r.bucket(bucket))).statusCode());
    }

    /** Broken or hostile bodies: 400 MalformedXML with a RequestId, never a 500, and nothing stored. */
    @Test
    void hostileDocumentsAreMalformedXmlNeverA500() throws Exception {
        String bucket = newBucket();
        String ok = "<Filter><Prefix></Prefix></Filter><Status>Enabled</Status>";
        String rule = "<Rule><ID>a</ID>" + ok + "<Expiration><Days>1</Days></Expiration></Rule>";
        List<byte[]> bodies = List.of(
                new byte[0],
                "not xml".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, '<', 0},
                config(rule).replace("</LifecycleConfiguration>", "").getBytes(StandardCharsets.UTF_8),
                (config(rule) + "<LifecycleConfiguration/>").getBytes(StandardCharsets.UTF_8),
                ("<!DOCTYPE LifecycleConfiguration [<!ENTITY x \"y\">]>"
                        + config(rule.replace("<ID>a</ID>", "<ID>&x;</ID>"))).getBytes(StandardCharsets.UTF_8),
                ("<!DOCTYPE LifecycleConfiguration [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                        + config(rule.replace("<ID>a</ID>", "<ID>&x;</ID>"))).getBytes(StandardCharsets.UTF_8),
                config(rule.replace("<ID>a</ID>", "<ID>" + "<a>".repeat(60_000) + "</a>".repeat(60_000) + "</ID>"))
                        .getBytes(StandardCharsets.UTF_8),
                config(rule.replace("<Days>1</Days>", "<Days>99999999999</Days>")).getBytes(StandardCharsets.UTF_8),
                config(rule.replace("<Days>1</Days>", "<Date>someday</Date>")).getBytes(StandardCharsets.UTF_8),
                config(rule.replace("<Days>1</Days>", "<ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker>"))
                        .getBytes(StandardCharsets.UTF_8));
        for (byte[] body : bodies) {
            SignedHttp.Response r = aliceHttp.send("PUT", "/" + bucket + "?lifecycle", Map.of("Content-MD5", md5(body)), body);
            String text = new String(r.body(), StandardCharsets.UTF_8);
            String shown = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
            assertEquals(400, r.status(), shown + " -> " + text);
            assertTrue(text.contains("<Code>MalformedXML</Code>") && text.contains("<RequestId>"), shown + " -> " + text);
        }
        assertEquals(404, assertThrows(S3Exception.class,
                () -> a.getBucketLifecycleConfiguration(r -> r.bucket(bucket))).statusCode());
    }

    /** Rules whose expiry lies beyond any date an HTTP header can carry still let objects be read and written. */
    @Test
    void farOffExpiriesDoNotBreakObjectReads() throws Exception {
        String bucket = newBucket();
        a.putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromString("x"));
        for (String expiration : List.of("<Days>2147483647</Days>", "<Date>9999-12-31T00:00:00Z</Date>",
                "<Date>0001-01-01T00:00:00Z</Date>")) {
            put(aliceHttp, bucket, config("<Rule><ID>far</ID><Filter/><Status>Enabled</Status><Expiration>" + expiration
                    + "</Expiration></Rule>")).expect(200);
            SignedHttp.Response get = aliceHttp.send("GET", "/" + bucket + "/k", Map.of(), new byte[0]);
            assertEquals(200, get.status(), expiration + " -> " + new String(get.body(), StandardCharsets.UTF_8));
            assertEquals(200, aliceHttp.send("HEAD", "/" + bucket + "/k", Map.of(), new byte[0]).status(), expiration);
            a.putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromString("y"));
            assertEquals(1, a.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules().size());
        }
    }

    /** Who does not own the bucket is refused before the body is looked at: 403 even for a broken one. */
    @Test
    void nonOwnersGetAccessDeniedWhateverTheBody() throws Exception {
        String bucket = newBucket();
        byte[] broken = "<LifecycleConfiguration><Rule>".getBytes(StandardCharsets.UTF_8);
        for (SignedHttp.Response r : List.of(
                bobHttp.send("PUT", "/" + bucket + "?lifecycle", Map.of("Content-MD5", md5(broken)), broken),
                bobHttp.send("PUT", "/" + bucket + "?lifecycle", Map.of(), broken),
                bobHttp.send("GET", "/" + bucket + "?lifecycle", Map.of(), new byte[0]),
                bobHttp.send("DELETE", "/" + bucket + "?lifecycle", Map.of(), new byte[0]))) {
            String text = new String(r.body(), StandardCharsets.UTF_8);
            assertEquals(403, r.status(), text);
            assertTrue(text.contains("<Code>AccessDenied</Code>") && text.contains("<RequestId>"), text);
        }
        var anonymous = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                gw.endpoint().resolve("/" + bucket + "?lifecycle")).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, anonymous.statusCode());
        assertTrue(anonymous.body().contains("<Code>AccessDenied</Code>"), anonymous.body());
    }

    @Test
    void expirationHeaderNamesTheRuleAndTheMidnightAfterTheAge() {
        String bucket = newBucket();
        a.putBucketLifecycleConfiguration(r -> r.bucket(bucket).lifecycleConfiguration(c -> c.rules(
                LifecycleRule.builder().id("logs rule/1").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("logs/"))
                        .expiration(e -> e.days(3)).build(),
                LifecycleRule.builder().id("later").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("logs/"))
                        .expiration(e -> e.days(30)).build())));
        var put = a.putObject(r -> r.bucket(bucket).key("logs/a.txt"), RequestBody.fromString("log"));
        var head = a.headObject(r -> r.bucket(bucket).key("logs/a.txt"));
        Instant expected = head.lastModified().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(expected, ZoneOffset.UTC));
        String header = "expiry-date=\"" + date + "\", rule-id=\"logs%20rule%2F1\"";
        assertEquals(header, put.expiration());
        assertEquals(header, head.expiration());
        assertEquals(header, a.getObject(r -> r.bucket(bucket).key("logs/a.txt")).response().expiration());
        a.putObject(r -> r.bucket(bucket).key("other.txt"), RequestBody.fromString("x"));
        assertNull(a.headObject(r -> r.bucket(bucket).key("other.txt")).expiration());
    }

    // ---- helpers

    static String config(String rules) {
        return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + rules + "</LifecycleConfiguration>";
    }

    static AnswerResponse put(SignedHttp http, String bucket, String xml) throws Exception {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        return new AnswerResponse(http.send("PUT", "/" + bucket + "?lifecycle", Map.of("Content-MD5", md5(body)), body));
    }

    /** A response with an expectation helper. */
    record AnswerResponse(SignedHttp.Response r) {
        int status() {
            return r.status();
        }

        String code() {
            return r.code();
        }

        String text() {
            return r.text();
        }

        SignedHttp.Response expect(int status) {
            assertEquals(status, r.status(), r.text());
            return r;
        }
    }

    static String md5(byte[] body) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
    }
}
