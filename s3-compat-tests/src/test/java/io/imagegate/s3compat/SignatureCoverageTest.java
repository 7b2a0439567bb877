package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The operation a signature covers is the one executed: Signature Version 2 signs neither the
 * extensions' query parameters nor x-imagegate-* headers, so it is refused for them (issue 12,
 * finding 3); SigV4 must sign x-imagegate-* headers as it signs x-amz-*; the credential scope names
 * this gateway's region; x-amz-expected-bucket-owner is checked.
 */
class SignatureCoverageTest {

    static GatewayFixture gw;
    static S3Client s3;
    static final HttpClient http = HttpClient.newHttpClient();

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

    /** A V2 presigned URL, as boto3 and aws-cli make them: HMAC-SHA1 over method, expiry and resource. */
    static String presignV2(String method, String resource, String contentType) throws Exception {
        long expires = Instant.now().getEpochSecond() + 600;
        String toSign = method + "\n\n" + contentType + "\n" + expires + "\n" + resource;
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(GatewayFixture.TENANT_SECRET_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        return gw.endpoint() + resource + (resource.contains("?") ? "&" : "?") + "AWSAccessKeyId="
                + GatewayFixture.TENANT_ACCESS_KEY + "&Expires=" + expires + "&Signature="
                + URLEncoder.encode(signature, StandardCharsets.UTF_8);
    }

    static HttpResponse<String> send(String method, String url, Map<String, String> headers, byte[] body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(java.net.URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(r::header);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String code(HttpResponse<String> r) {
        int a = r.body().indexOf("<Code>");
        return a < 0 ? null : r.body().substring(a + 6, r.body().indexOf("</Code>", a));
    }

    @Test
    void aPresignedV2CompleteUrlWithCommitAppendedIsRefusedAndNothingIsPublished() throws Exception {
        String b = GatewayFixture.uniqueBucket("v2-commit");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("original"));
        String upload = s3.createMultipartUpload(r -> r.bucket(b).key("k")).uploadId();
        String etag = s3.uploadPart(r -> r.bucket(b).key("k").uploadId(upload).partNumber(1),
                RequestBody.fromString("assembled")).eTag();
        String url = presignV2("POST", "/" + b + "/k?uploadId=" + upload, "");
        // finding 3: the router took ?commit before uploadId, and V2 did not sign it: any bytes became the object
        byte[] commit = ExtensionCalls.commitBody(8, List.of(ExtensionCalls.Chunk.upload(0, "attacker".getBytes())));
        HttpResponse<String> hijacked = send("POST", url + "&commit", Map.of("x-imagegate-base-version-id", "null"),
                commit);
        assertEquals(400, hijacked.statusCode(), hijacked.body());
        assertEquals("InvalidRequest", code(hijacked));
        HttpResponse<String> noHeader = send("POST", url + "&commit", Map.of(), commit);
        assertEquals(400, noHeader.statusCode(), noHeader.body());
        assertEquals("original", s3.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
        // the URL still does what it was signed for
        String xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag
                + "</ETag></Part></CompleteMultipartUpload>";
        HttpResponse<String> completed = send("POST", url, Map.of(), xml.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, completed.statusCode(), completed.body());
        assertEquals("assembled", s3.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
    }

    @Test
    void signatureVersion2IsRefusedForEveryExtensionAndImagegateHeader() throws Exception {
        String b = GatewayFixture.uniqueBucket("v2-ext");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("data"));
        HttpResponse<String> plain = send("GET", presignV2("GET", "/" + b + "/k", ""), Map.of(), null);
        assertEquals(200, plain.statusCode(), "V2 itself still works: " + plain.body());
        for (String extension : List.of("manifest", "missing-chunks", "commit")) {
            String method = extension.equals("manifest") ? "GET" : "POST";
            HttpResponse<String> r = send(method, presignV2(method, "/" + b + "/k", "") + "&" + extension, Map.of(),
                    method.equals("POST") ? "{}".getBytes() : null);
            assertEquals(400, r.statusCode(), extension + ": " + r.body());
            assertEquals("InvalidRequest", code(r), extension);
        }
        HttpResponse<String> report = send("GET", presignV2("GET", "/", "") + "&storage-report", Map.of(), null);
        assertEquals(400, report.statusCode(), report.body());
        HttpResponse<String> chunkSize = send("PUT", presignV2("PUT", "/" + b + "-2", ""),
                Map.of("x-imagegate-chunk-size", "4096"), new byte[0]);
        assertEquals(400, chunkSize.statusCode(), chunkSize.body());
        assertEquals("InvalidRequest", code(chunkSize));
    }

    @Test
    void sigV4MustSignImagegateHeaders() throws Exception {
        String b = GatewayFixture.uniqueBucket("v4-headers");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("data"));
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST)
                .uri(gw.endpoint().resolve("/" + b + "/k?commit"))
                .contentStreamProvider(ContentStreamProvider.fromByteArray(ExtensionCalls.commitBody(4, List.of())))
                .build();
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .payload(request.contentStreamProvider().orElse(null))
                .identity(AwsBasicCredentials.create(GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder out = HttpRequest.newBuilder(signed.request().getUri())
                .POST(HttpRequest.BodyPublishers.ofByteArray(ExtensionCalls.commitBody(4, List.of())));
        signed.request().headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        out.header("x-imagegate-base-version-id", "null"); // added after signing
        HttpResponse<String> r = http.send(out.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("AccessDenied", code(r));
        assertTrue(r.body().contains("<HeadersNotSigned>x-imagegate-base-version-id</HeadersNotSigned>"), r.body());
        assertEquals("data", s3.getObjectAsBytes(g -> g.bucket(b).key("k")).asUtf8String());
    }

    @Test
    void aCredentialScopeForAnotherRegionIsAuthorizationHeaderMalformedNamingOurs() throws Exception {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.GET)
                .uri(gw.endpoint().resolve("/")).build();
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                .identity(AwsBasicCredentials.create(GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3"));
        HttpRequest.Builder out = HttpRequest.newBuilder(signed.request().getUri()).GET();
        signed.request().headers().forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        HttpResponse<String> r = http.send(out.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("AuthorizationHeaderMalformed", code(r));
        assertTrue(r.body().contains("<Region>us-east-1</Region>"), r.body());
        assertTrue(r.body().contains("the region &apos;eu-west-3&apos; is wrong; expecting &apos;us-east-1&apos;"), r.body());
    }

    @Test
    void aBucketWhoseOwnerIsNotTheExpectedOneIsAccessDenied() {
        String b = GatewayFixture.uniqueBucket("expected-owner");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("data"));
        String mine = s3.listBuckets().owner().id();
        assertEquals(64, mine.length(), mine);
        assertEquals("data", s3.getObjectAsBytes(r -> r.bucket(b).key("k").expectedBucketOwner(mine)).asUtf8String());
        var wrong = org.junit.jupiter.api.Assertions.assertThrows(software.amazon.awssdk.services.s3.model.S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(b).key("k").expectedBucketOwner("111122223333")));
        assertEquals(403, wrong.statusCode());
        assertEquals("AccessDenied", wrong.awsErrorDetails().errorCode());
        var listing = org.junit.jupiter.api.Assertions.assertThrows(software.amazon.awssdk.services.s3.model.S3Exception.class,
                () -> s3.listObjectsV2(r -> r.bucket(b).expectedBucketOwner("0".repeat(64))));
        assertEquals(403, listing.statusCode());
        var copy = org.junit.jupiter.api.Assertions.assertThrows(software.amazon.awssdk.services.s3.model.S3Exception.class,
                () -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("k").destinationBucket(b).destinationKey("k2")
                        .expectedSourceBucketOwner("0".repeat(64))));
        assertEquals(403, copy.statusCode());
        org.junit.jupiter.api.Assertions.assertThrows(NoSuchKeyException.class,
                () -> s3.headObject(r -> r.bucket(b).key("k2")));
    }
}
