package io.imagegate.bench.snapshots;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imagegate.bench.BenchTls;
import io.imagegate.bench.ServerProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The client side of every method, one per server: the AWS SDK v2 sync client for standard S3,
 * and requests signed by the SDK's own SigV4 signer for imagegate's extensions (docs/API.md),
 * sent as the node agent sends them (UNSIGNED-PAYLOAD, streamed bodies). Both go through one
 * {@link CountingHttpClient}, so {@link #sent()} is everything the client put on the wire, resent
 * requests included; {@link #retries()} says how many were resent.
 */
final class S3Session implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHUNK_SIZE_HEADER = "x-imagegate-chunk-size";
    private static final int MISSING_BATCH = 100_000;
    private static final int MAX_ATTEMPTS = 5;

    private final URI endpoint;
    private final CountingHttpClient http;
    private final S3Client s3;
    private final AwsBasicCredentials credentials =
            AwsBasicCredentials.create(ServerProcess.ACCESS_KEY, ServerProcess.SECRET_KEY);
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final LongAdder retries = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder calls = new LongAdder();

    S3Session(URI endpoint, int connections) {
        this.endpoint = endpoint;
        this.http = new CountingHttpClient(BenchTls.trust(ApacheHttpClient.builder().maxConnections(connections)
                .connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofMinutes(10))).build());
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

    // ---- imagegate's extensions (docs/API.md)

    /** One chunk of a commit; its bytes travel in the body when {@code upload}. */
    record CommitChunk(long offset, int length, String hash, boolean upload) {}

    /** The hashes among {@code hashes} that a commit on {@code baseVersion} would have to upload. */
    Set<String> missing(String bucket, String key, String baseVersion, List<String> hashes) {
        Set<String> missing = new HashSet<>();
        for (int from = 0; from < hashes.size(); from += MISSING_BATCH) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("hashes");
            hashes.subList(from, Math.min(hashes.size(), from + MISSING_BATCH)).forEach(list::add);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            JsonNode answer = send(SdkHttpMethod.POST, bucket, key, "missing-chunks&versionId=" + baseVersion,
                    Map.of("Content-Type", "application/json"), ContentStreamProvider.fromByteArrayUnsafe(bytes),
                    bytes.length);
            answer.path("missing").forEach(h -> missing.add(h.asText()));
        }
        return missing;
    }

    /** Publishes base + chunks as a new version of the key; the uploaded chunks' bytes are asked for as the body streams. */
    JsonNode commit(String bucket, String key, String baseVersion, long size, List<CommitChunk> chunks,
                    ChunkBytes bytes) {
        ObjectNode desc = JSON.createObjectNode();
        desc.put("size", size);
        ArrayNode list = desc.putArray("chunks");
        long data = 0;
        for (CommitChunk c : chunks) {
            list.addObject().put("offset", c.offset()).put("length", c.length()).put("hash", c.hash())
                    .put("upload", c.upload());
            data += c.upload() ? c.length() : 0;
        }
        byte[] json = desc.toString().getBytes(StandardCharsets.UTF_8);
        byte[] head = ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array();
        List<CommitChunk> uploads = chunks.stream().filter(CommitChunk::upload).toList();
        return send(SdkHttpMethod.POST, bucket, key, "commit",
                Map.of("Content-Type", "application/vnd.imagegate.commit", "x-imagegate-base-version-id", baseVersion),
                () -> new SequenceInputStream(new ByteArrayInputStream(head), new ChunkStream(uploads, bytes)),
                head.length + data);
    }

    /** The bytes of one uploaded chunk, produced while the commit body streams. */
    @FunctionalInterface
    interface ChunkBytes {
        byte[] get(CommitChunk chunk);
    }

    /**
     * Sends one signed extension request, again (re-signed, body produced anew, every byte counted
     * again) after a 500 or 503, as S3 clients do: the gateway answers 503 when its metadata service
     * stalls, having changed nothing.
     */
    private JsonNode send(SdkHttpMethod method, String bucket, String key, String query, Map<String, String> headers,
                          ContentStreamProvider body, long length) {
        String what = method + " /" + bucket + "/" + key + "?" + query;
        for (int attempt = 1; ; attempt++) {
            int status;
            byte[] answer;
            try {
                HttpExecuteResponse response = http.prepareRequest(signed(method, bucket, key, query, headers, body, length))
                        .call();
                try (InputStream in = response.responseBody().<InputStream>map(x -> x).orElse(InputStream.nullInputStream())) {
                    answer = in.readAllBytes();
                }
                status = response.httpResponse().statusCode();
            } catch (IOException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new UncheckedIOException(what + ": " + e.getMessage(), e);
                }
                backOff(attempt);
                continue;
            }
            if (status == 200) {
                try {
                    return JSON.readTree(answer);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if ((status != 500 && status != 503) || attempt == MAX_ATTEMPTS) {
                throw new IllegalStateException(what + ": " + status + " " + new String(answer, StandardCharsets.UTF_8));
            }
            backOff(attempt);
        }
    }

    private HttpExecuteRequest signed(SdkHttpMethod method, String bucket, String key, String query,
                                      Map<String, String> headers, ContentStreamProvider body, long length) {
        SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(method)
                .uri(endpoint.resolve("/" + bucket + "/" + key + "?" + query));
        headers.forEach(b::putHeader);
        b.putHeader("Content-Length", Long.toString(length));
        b.contentStreamProvider(body);
        SdkHttpFullRequest request = b.build();
        SignedRequest signed = signer.sign(r -> r.request(request)
                .payload(body)
                .identity(credentials)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
        return HttpExecuteRequest.builder().request(signed.request()).contentStreamProvider(signed.payload().orElse(null))
                .build();
    }

    private void backOff(int attempt) {
        retries.increment();
        try {
            Thread.sleep(500L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The uploaded chunks one after another, each produced when the HTTP client reaches it. */
    private static final class ChunkStream extends InputStream {
        private final Iterator<CommitChunk> chunks;
        private final ChunkBytes source;
        private byte[] current = new byte[0];
        private int at;

        ChunkStream(List<CommitChunk> chunks, ChunkBytes source) {
            this.chunks = chunks.iterator();
            this.source = source;
        }

        private boolean advance() {
            while (at == current.length) {
                if (!chunks.hasNext()) {
                    return false;
                }
                CommitChunk c = chunks.next();
                current = source.get(c);
                at = 0;
                if (current.length != c.length()) {
                    throw new IllegalStateException("chunk at " + c.offset() + " has " + current.length + " bytes");
                }
            }
            return true;
        }

        @Override
        public int read() {
            return advance() ? current[at++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!advance()) {
                return -1;
            }
            int n = Math.min(len, current.length - at);
            System.arraycopy(current, at, b, off, n);
            at += n;
            return n;
        }
    }

    @Override
    public void close() {
        s3.close();
        http.close();
    }
}
