package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The same scenarios against imagegate and MinIO, comparing what matters to clients: status,
 * error code, ETag shape and bodies. Runs only where a container engine exists; skips here.
 */
@Testcontainers(disabledWithoutDocker = true)
class MinioDifferentialTest {

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2024-10-13T13-34-11Z")
            .withStartupTimeout(Duration.ofMinutes(2));

    static GatewayFixture gw;
    static S3Client imagegate;
    static S3Client minio;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        imagegate = gw.client();
        minio = S3Client.builder().endpointOverride(URI.create(MINIO.getS3URL())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MINIO.getUserName(), MINIO.getPassword())))
                .forcePathStyle(true).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            imagegate.close();
            minio.close();
            gw.close();
        }
    }

    /** What a call returned, reduced to what must agree across servers. */
    record Outcome(int status, String errorCode, String detail) {}

    static Outcome run(S3Client s3, Function<S3Client, String> call) {
        try {
            return new Outcome(200, null, call.apply(s3));
        } catch (S3Exception e) {
            return new Outcome(e.statusCode(), e.awsErrorDetails().errorCode(), null);
        }
    }

    @Test
    void scenariosAgree() {
        Map<String, Function<S3Client, String>> scenarios = new LinkedHashMap<>();
        scenarios.put("create bucket", s -> { s.createBucket(r -> r.bucket("diff")); return ""; });
        scenarios.put("create twice", s -> { s.createBucket(r -> r.bucket("diff")); return ""; });
        scenarios.put("put", s -> s.putObject(r -> r.bucket("diff").key("a/b"), RequestBody.fromString("hello")).eTag());
        scenarios.put("get", s -> s.getObjectAsBytes(r -> r.bucket("diff").key("a/b")).asUtf8String());
        scenarios.put("range", s -> s.getObjectAsBytes(r -> r.bucket("diff").key("a/b").range("bytes=1-3")).asUtf8String());
        scenarios.put("range past end", s -> s.getObjectAsBytes(r -> r.bucket("diff").key("a/b").range("bytes=9-12")).asUtf8String());
        scenarios.put("missing key", s -> s.getObjectAsBytes(r -> r.bucket("diff").key("nope")).asUtf8String());
        scenarios.put("missing bucket", s -> s.getObjectAsBytes(r -> r.bucket("nope-bucket").key("x")).asUtf8String());
        scenarios.put("if-none-match put", s -> s.putObject(r -> r.bucket("diff").key("a/b").ifNoneMatch("*"),
                RequestBody.fromString("x")).eTag());
        scenarios.put("list delimiter", s -> s.listObjectsV2(r -> r.bucket("diff").delimiter("/")).commonPrefixes().toString());
        scenarios.put("delete non-empty bucket", s -> { s.deleteBucket(r -> r.bucket("diff")); return ""; });
        scenarios.put("versioning", s -> { s.putBucketVersioning(r -> r.bucket("diff").versioningConfiguration(
                v -> v.status(BucketVersioningStatus.ENABLED))); return s.getBucketVersioning(r -> r.bucket("diff")).statusAsString(); });
        scenarios.put("delete marker get", s -> { s.deleteObject(r -> r.bucket("diff").key("a/b"));
            return s.getObjectAsBytes(r -> r.bucket("diff").key("a/b")).asUtf8String(); });
        scenarios.put("mpu too small", s -> {
            String id = s.createMultipartUpload(r -> r.bucket("diff").key("m")).uploadId();
            String e1 = s.uploadPart(r -> r.bucket("diff").key("m").uploadId(id).partNumber(1), RequestBody.fromString("1")).eTag();
            String e2 = s.uploadPart(r -> r.bucket("diff").key("m").uploadId(id).partNumber(2), RequestBody.fromString("2")).eTag();
            return s.completeMultipartUpload(r -> r.bucket("diff").key("m").uploadId(id).multipartUpload(m -> m.parts(
                    CompletedPart.builder().partNumber(1).eTag(e1).build(),
                    CompletedPart.builder().partNumber(2).eTag(e2).build()))).eTag();
        });
        List<String> differences = new ArrayList<>();
        // where MinIO departs from AWS, the specification, imagegate is held to AWS's documented answer
        Map<String, Outcome> awsAnswers = Map.of(
                // us-east-1: "returns 200 OK and resets the bucket access control lists" (BucketOperationsTest)
                "create twice", new Outcome(200, null, ""));
        for (var s : scenarios.entrySet()) {
            Outcome ours = run(imagegate, s.getValue());
            Outcome theirs = awsAnswers.containsKey(s.getKey()) ? awsAnswers.get(s.getKey()) : run(minio, s.getValue());
            boolean same = ours.status() == theirs.status() && java.util.Objects.equals(ours.errorCode(), theirs.errorCode())
                    && (s.getKey().equals("create bucket") || java.util.Objects.equals(ours.detail(), theirs.detail()));
            if (!same) {
                differences.add(s.getKey() + ": imagegate " + ours + " minio " + theirs);
            }
        }
        assertEquals(List.of(), differences);
    }
}
