package io.imagegate.bench.snapshots;

import io.imagegate.agent.remote.CommitChunk;
import io.imagegate.agent.remote.CommitResult;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.RemoteException;
import io.imagegate.agent.remote.Retries;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import io.imagegate.bench.BenchTls;
import io.imagegate.bench.ServerProcess;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.chunk.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The client side of every method, one per server: the AWS SDK v2 sync client for standard S3,
 * and the node agent's own {@link ExtensionClient} for imagegate's extensions (docs/API.md), so
 * the benchmark sends exactly what the agent sends (UNSIGNED-PAYLOAD, streamed bodies). Both go through one
 * {@link CountingHttpClient}, so {@link #sent()} is everything the client put on the wire, resent
 * requests included; {@link #retries()} says how many were resent.
 */
final class S3Session implements AutoCloseable {

    static final String CHUNK_SIZE_HEADER = "x-imagegate-chunk-size";
    private static final int MAX_ATTEMPTS = 5;
    /** Extension requests: the project's policy (full jitter), 5 attempts, waits up to 250 ms doubled to 4 s. */
    private static final RetryPolicy EXTENSION_RETRY = new RetryPolicy(MAX_ATTEMPTS, Duration.ofMillis(250),
            Duration.ofSeconds(4));

    private final CountingHttpClient http;
    private final S3Access access;
    private final ExtensionClient extensions;
    private final S3Client s3;
    private final AwsBasicCredentials credentials =
            AwsBasicCredentials.create(ServerProcess.ACCESS_KEY, ServerProcess.SECRET_KEY);
    private final LongAdder retries = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder calls = new LongAdder();

    S3Session(URI endpoint, int connections) {
        this.http = new CountingHttpClient(BenchTls.trust(ApacheHttpClient.builder().maxConnections(connections)
                .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofMinutes(10))).build());
        this.access = new S3Access(new S3Endpoint(endpoint, "us-east-1", ServerProcess.ACCESS_KEY,
                ServerProcess.SECRET_KEY, null), http, Duration.ofMinutes(10));
        this.extensions = new ExtensionClient(access);
        this.s3 = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(MAX_ATTEMPTS).build())
                        .addExecutionInterceptor(new ExecutionInterceptor() {
                            @Override
                            public void beforeTransmission(Context.BeforeTransmission c, ExecutionAttributes a) {
                                attempts.increment();
                            }

                            @Override
                            public void beforeExecution(Context.BeforeExecution c, ExecutionAttributes a) {
                                calls.increment();
                            }
                        })
                        .apiCallTimeout(Duration.ofMinutes(30)))
                .build();
    }

    CountingHttpClient.Sent sent() {
        return http.sent();
    }

    /** Requests sent again so far (after a 5xx or a broken connection); their bytes are in {@link #sent()}. */
    long retries() {
        return retries.sum() + attempts.sum() - calls.sum();
    }

    void ping() {
        s3.listBuckets();
    }

    /** A bucket with versioning on; {@code chunkSize} null for a server without chunks (s3proxy). */
    void createBucket(String bucket, Integer chunkSize) {
        s3.createBucket(b -> {
            b.bucket(bucket);
            if (chunkSize != null) {
                b.overrideConfiguration(o -> o.putHeader(CHUNK_SIZE_HEADER, String.valueOf(chunkSize)));
            }
        });
        s3.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
    }

    /** A bucket without versioning (s3proxy's filesystem backend keeps none). */
    void createBucketUnversioned(String bucket) {
        s3.createBucket(b -> b.bucket(bucket));
    }

    /** PutObject of {@code size} bytes from {@code body}; returns the new version id. */
    String put(String bucket, String key, long size, ContentStreamProvider body) {
        return s3.putObject(b -> b.bucket(bucket).key(key).contentLength(size).contentType("application/octet-stream"),
                RequestBody.fromContentProvider(body, size, "application/octet-stream")).versionId();
    }

    /** CopyObject of one version; returns the copy's version id. */
    String copy(String fromBucket, String fromKey, String fromVersion, String bucket, String key) {
        return s3.copyObject(b -> b.sourceBucket(fromBucket).sourceKey(fromKey).sourceVersionId(fromVersion)
                .destinationBucket(bucket).destinationKey(key)).versionId();
    }

    void delete(String bucket, String key, String versionId) {
        s3.deleteObject(b -> b.bucket(bucket).key(key).versionId(versionId));
    }

    long size(String bucket, String key, String versionId) {
        return s3.headObject(b -> b.bucket(bucket).key(key).versionId(versionId)).contentLength();
    }

    byte[] range(String bucket, String key, String versionId, long first, int length) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).versionId(versionId)
                .range("bytes=" + first + "-" + (first + length - 1))).asByteArray();
    }

    /** Reads the whole version and compares it with {@code expected}; returns the first differing offset, or -1. */
    long compareWhole(String bucket, String key, String versionId, SnapshotImage expected) {
        byte[] got = new byte[1 << 20];
        byte[] want = new byte[1 << 20];
        long at = 0;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key).versionId(versionId));
             InputStream exp = expected.stream(0, expected.size())) {
            while (true) {
                int n = in.readNBytes(got, 0, got.length);
                int m = exp.readNBytes(want, 0, n == 0 ? want.length : n);
                if (n != m || !Arrays.equals(got, 0, n, want, 0, m)) {
                    return at;
                }
                if (n == 0) {
                    return -1;
                }
                at += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- standard multipart

    String createMultipart(String bucket, String key) {
        return s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("application/octet-stream")).uploadId();
    }

    CompletedPart uploadPart(String bucket, String key, String uploadId, int number, long length, ContentStreamProvider body) {
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number).contentLength(length),
                RequestBody.fromContentProvider(body, length, "application/octet-stream")).eTag();
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
    }

    CompletedPart uploadPartCopy(String bucket, String key, String uploadId, int number, String fromBucket, String fromKey,
                                 String fromVersion, long first, long last) {
        String etag = s3.uploadPartCopy(b -> b.sourceBucket(fromBucket).sourceKey(fromKey).sourceVersionId(fromVersion)
                .destinationBucket(bucket).destinationKey(key).uploadId(uploadId).partNumber(number)
                .copySourceRange("bytes=" + first + "-" + last)).copyPartResult().eTag();
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
    }

    String completeMultipart(String bucket, String key, String uploadId, List<CompletedPart> parts) {
        return s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts))).versionId();
    }

    // ---- imagegate's extensions (docs/API.md), through the agent's one client of them

    /** The hashes among {@code hashes} that a commit on {@code baseVersion} would have to upload. */
    Set<ChunkHash> missing(String bucket, String key, String baseVersion, List<ChunkHash> hashes) {
        ObjectRef base = new ObjectRef(bucket, key, baseVersion);
        return extension(() -> extensions.missing(base, hashes));
    }

    /** Publishes base + chunks as a new version of the key; the uploaded chunks' bytes are asked for as the body streams. */
    CommitResult commit(String bucket, String key, String baseVersion, long size, List<CommitChunk> chunks,
                        ExtensionClient.ChunkBytes bytes) {
        ObjectRef base = new ObjectRef(bucket, key, baseVersion);
        return extension(() -> extensions.commit(base, size, chunks, bytes));
    }

    /**
     * One extension request under the shared retry policy: sent again (re-signed, body produced anew,
     * every byte counted again) after a 5xx or a broken connection, as S3 clients do: the gateway
     * answers 503 when its metadata service stalls, having changed nothing.
     */
    private <T> T extension(Retries.Call<T> call) {
        try {
            return Retries.run(EXTENSION_RETRY, call, retries::increment);
        } catch (RemoteException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        access.close();
        s3.close();
        http.close();
    }
}
