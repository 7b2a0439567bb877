package io.imagegate.agent.remote;

import io.imagegate.tls.CaBundle;
import io.imagegate.tls.TlsFileException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.TlsTrustManagersProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The agent's only way to the store: the AWS SDK's S3 client for the standard calls, and requests
 * signed by the SDK's SigV4 signer for imagegate's extensions. SDK retries are off: the callers
 * retry with their own budget, so that every request is counted and a dead store surfaces as EIO.
 */
public final class S3Access implements AutoCloseable {

    private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern XML_MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    /** How long a presigned range URL is valid, and after how long a fresh one is signed. */
    private static final Duration PRESIGN_VALIDITY = Duration.ofMinutes(15);
    private static final long PRESIGN_REUSE_NANOS = Duration.ofMinutes(5).toNanos();
    private static final int PRESIGNED_KEPT = 256;

    private final S3Endpoint endpoint;
    private final URI baseUri;
    private final SdkHttpClient http;
    private final boolean ownsHttp;
    private final S3Client s3;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    private record Presigned(SdkHttpRequest request, long signedAtNanos) {}

    /** Presigned GETs by version, re-signed once a third of their validity is spent. */
    private final ConcurrentHashMap<ObjectRef, Presigned> presigned = new ConcurrentHashMap<>();

    public S3Access(S3Endpoint endpoint, int maxConnections, Duration requestTimeout) {
        this(endpoint, credentials(endpoint), maxConnections, requestTimeout);
    }

    /**
     * Over an HTTP client the caller made and keeps (the benchmarks count the bytes it sends);
     * {@link #close} leaves it open. The endpoint's CA bundle is then the caller's business.
     */
    public S3Access(S3Endpoint endpoint, SdkHttpClient http, Duration requestTimeout) {
        this(endpoint, credentials(endpoint), http, false, requestTimeout);
    }

    /** With credentials from {@code credentials} rather than the endpoint's keys (tests rotate them). */
    S3Access(S3Endpoint endpoint, AwsCredentialsProvider credentials, int maxConnections, Duration requestTimeout) {
        this(endpoint, credentials, apacheClient(endpoint, maxConnections, requestTimeout), true, requestTimeout);
    }

    private S3Access(S3Endpoint endpoint, AwsCredentialsProvider credentials, SdkHttpClient http, boolean ownsHttp,
                     Duration requestTimeout) {
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.baseUri = endpoint.endpoint() != null ? endpoint.endpoint()
                : URI.create("https://s3." + endpoint.region() + ".amazonaws.com");
        this.http = http;
        this.ownsHttp = ownsHttp;
        var b = S3Client.builder()
                .region(Region.of(endpoint.region()))
                .credentialsProvider(credentials)
                .httpClient(http)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(requestTimeout));
        if (endpoint.endpoint() != null) {
            b.endpointOverride(endpoint.endpoint()).forcePathStyle(true);
        }
        this.s3 = b.build();
    }

    @SuppressWarnings("deprecation") // the Apache 4 client: the one DEPENDENCIES.md names; apache5-client would do too
    private static SdkHttpClient apacheClient(S3Endpoint endpoint, int maxConnections, Duration requestTimeout) {
        ApacheHttpClient.Builder httpBuilder = ApacheHttpClient.builder()
                .maxConnections(maxConnections)
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(requestTimeout);
        if (endpoint.caBundle() != null) {
            httpBuilder.tlsTrustManagersProvider(trust(endpoint.caBundle()));
        }
        return httpBuilder.build();
    }

    /** The CA bundle's trust, for SDK calls and presigned range GETs alike (one HTTP client serves both). */
    private static TlsTrustManagersProvider trust(Path caBundle) {
        try {
            TrustManager[] managers = {CaBundle.load(caBundle).trustManager()};
            return () -> managers;
        } catch (TlsFileException e) {
            throw new IllegalArgumentException("the CA bundle " + e.getMessage(), e);
        }
    }

    private static AwsCredentialsProvider credentials(S3Endpoint e) {
        if (e.accessKey() == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(e.sessionToken() == null
                ? AwsBasicCredentials.create(e.accessKey(), e.secretKey())
                : AwsSessionCredentials.create(e.accessKey(), e.secretKey(), e.sessionToken()));
    }

    public S3Endpoint endpoint() {
        return endpoint;
    }

    public S3Client s3() {
        return s3;
    }

    /** Runs one SDK call, mapping its failures to {@link RemoteException}. */
    public <T> T call(String what, Supplier<T> call) throws RemoteException {
        try {
            return call.get();
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            throw new RemoteException(e.statusCode(), code, what + ": " + e.statusCode() + " " + code,
                    e.statusCode() >= 500 || e.statusCode() == 429 || e.statusCode() == 408, e);
        } catch (SdkException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        }
    }

    public ObjectHead head(ObjectRef ref) throws RemoteException {
        HeadObjectResponse r = call("HEAD " + ref, () -> s3.headObject(b -> b.bucket(ref.bucket()).key(ref.key())
                .versionId(ref.pinnedByVersion() ? ref.versionId() : null)));
        return new ObjectHead(r.versionId(), r.eTag(), r.contentLength(), r.contentType());
    }

    /**
     * Bytes {@code first..first+length-1} of one version: by version id when the version has one,
     * else guarded with If-Match on the ETag, so another version's bytes are never returned.
     *
     * <p>These are the agent's hot path (a guest's every cache miss), so they skip the SDK's request
     * pipeline: each is a plain GET of a presigned URL of the version, with a Range header. The URL
     * is signed once per version every few minutes, as nbdkit's curl plugin reads a presigned URL.
     * In the multideployment profile the SDK's pipeline and signer were over half of the fetch
     * path's samples; without them the simulated nodes' CPU fell by 17-30% (docs/BENCHMARKS.md),
     * the rest being the HTTP client, the SHA-256 check and the cache.
     */
    public byte[] getRange(ObjectRef ref, String etag, long first, int length) throws RemoteException {
        byte[] b = new byte[length];
        getRange(ref, etag, first, length, b, 0);
        return b;
    }

    /** As {@link #getRange(ObjectRef, String, long, int)}, into {@code into[at, at + length)}. */
    public void getRange(ObjectRef ref, String etag, long first, int length, byte[] into, int at) throws RemoteException {
        getRange(ref, etag, first, length, body -> {
            int n = body.readNBytes(into, at, length);
            if (n != length) {
                throw new RemoteException(206, null, "GET " + ref + ": the body ended after " + n + " of " + length
                        + " bytes", true, null);
            }
        });
    }

    /**
     * Reads the body of a range GET as it arrives: called once the status and {@code Content-Range}
     * say the answer is that range, with a stream of exactly its {@code length} bytes. What the
     * reader throws ends the request (the rest of the body is abandoned, not read).
     */
    @FunctionalInterface
    public interface RangeBody {
        void read(InputStream body) throws IOException;
    }

    /** As {@link #getRange(ObjectRef, String, long, int)}, handing the body to {@code reader} as it streams. */
    public void getRange(ObjectRef ref, String etag, long first, int length, RangeBody reader) throws RemoteException {
        try {
            getRangeOnce(ref, etag, first, length, reader);
        } catch (RemoteException e) {
            // a URL signed with credentials that have since expired or rotated: sign again, once
            if (e.status() == 403 && presigned.remove(ref) != null) {
                getRangeOnce(ref, etag, first, length, reader);
                return;
            }
            throw e;
        }
    }

    private void getRangeOnce(ObjectRef ref, String etag, long first, int length, RangeBody reader)
            throws RemoteException {
        String range = first + "-" + (first + length - 1);
        String what = "GET " + ref + " bytes=" + range;
        SdkHttpRequest.Builder request = presignedGet(ref, what).toBuilder().putHeader("Range", "bytes=" + range);
        if (!ref.pinnedByVersion() && etag != null) {
            request.putHeader("If-Match", etag);
        }
        HttpExecuteResponse response;
        try {
            response = http.prepareRequest(HttpExecuteRequest.builder().request(request.build()).build()).call();
        } catch (IOException | SdkException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        response.httpResponse().headers().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
        try (RawResponse in = new RawResponse(response.httpResponse().statusCode(), headers,
                response.responseBody().orElse(null))) {
            if (in.status() != 206 && in.status() != 200) {
                throw in.error(what);
            }
            String contentRange = in.header("Content-Range");
            String contentLength = in.header("Content-Length");
            if (contentRange == null ? first != 0 || (contentLength != null && Long.parseLong(contentLength) != length)
                    : !contentRange.startsWith("bytes " + range + "/")) {
                in.abort();
                // a service that ignores Range (or answers another one) must never have its bytes taken for these
                throw new RemoteException(in.status(), null,
                        what + ": the answer is not that range (Content-Range: " + contentRange + ")", false, null);
            }
            try {
                reader.read(in.body() == null ? InputStream.nullInputStream() : new BoundedInput(in.body(), length));
            } catch (IOException | RuntimeException e) {
                in.abort(); // the rest of the body is not wanted: drop the connection rather than drain it
                throw e;
            }
        } catch (RemoteException e) {
            throw e;
        } catch (IOException | NumberFormatException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        }
    }

    /** The first {@code left} bytes of a body: a reader never reads into the next response. */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long left;

        BoundedInput(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    private SdkHttpRequest presignedGet(ObjectRef ref, String what) throws RemoteException {
        long now = System.nanoTime();
        Presigned p = presigned.get(ref);
        if (p != null && now - p.signedAtNanos() < PRESIGN_REUSE_NANOS) {
            return p.request();
        }
        try {
            String query = ref.pinnedByVersion() ? "versionId=" + ObjectRef.encodeQuery(ref.versionId()) : "";
            SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.GET)
                    .uri(ref.uri(baseUri, query)).build();
            AwsCredentialsIdentity identity = credentials.resolveIdentity().join();
            SignedRequest signed = signer.sign(r -> r.request(request)
                    .identity(identity)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, endpoint.region())
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                    .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4HttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, PRESIGN_VALIDITY));
            if (presigned.size() >= PRESIGNED_KEPT) {
                presigned.clear();
            }
            presigned.put(ref, new Presigned(signed.request(), now));
            return signed.request();
        } catch (SdkException | java.util.concurrent.CompletionException e) {
            throw RemoteException.network(what + ": signing failed: " + e.getMessage(), e);
        }
    }

    /** A small whole object (a boot profile), or empty when there is none. */
    public Optional<byte[]> getSmall(String bucket, String key, int maxBytes) throws RemoteException {
        try {
            ResponseInputStream<GetObjectResponse> in = call("GET s3://" + bucket + "/" + key,
                    () -> s3.getObject(b -> b.bucket(bucket).key(key)));
            try (in) {
                if (in.response().contentLength() != null && in.response().contentLength() > maxBytes) {
                    in.abort();
                    return Optional.empty();
                }
                return Optional.of(in.readNBytes(maxBytes));
            } catch (IOException e) {
                throw RemoteException.network("GET s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
            }
        } catch (RemoteException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public void putSmall(String bucket, String key, byte[] data, String contentType) throws RemoteException {
        call("PUT s3://" + bucket + "/" + key, () -> s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType),
                RequestBody.fromBytes(data)));
    }

    // ---- multipart, for snapshots against plain S3

    public String createMultipart(ObjectRef ref, String contentType) throws RemoteException {
        String id = call("CreateMultipartUpload " + ref, () -> s3.createMultipartUpload(b -> b.bucket(ref.bucket())
                .key(ref.key()).contentType(contentType))).uploadId();
        if (id == null || id.isEmpty()) {
            throw new RemoteException(200, null, "CreateMultipartUpload " + ref + ": the answer has no UploadId", false,
                    null);
        }
        return id;
    }

    public CompletedPart uploadPartCopy(ObjectRef target, String uploadId, int part, ObjectRef source, String sourceEtag,
                                        long first, long last) throws RemoteException {
        String etag = call("UploadPartCopy " + target + " part " + part, () -> s3.uploadPartCopy(b -> {
            b.destinationBucket(target.bucket()).destinationKey(target.key()).uploadId(uploadId).partNumber(part)
                    .sourceBucket(source.bucket()).sourceKey(source.key())
                    .copySourceRange("bytes=" + first + "-" + last);
            if (source.pinnedByVersion()) {
                b.sourceVersionId(source.versionId());
            }
            if (sourceEtag != null) {
                b.copySourceIfMatch(sourceEtag);
            }
        })).copyPartResult().eTag();
        return CompletedPart.builder().partNumber(part).eTag(etag).build();
    }

    public CompletedPart uploadPart(ObjectRef target, String uploadId, int part, byte[] data) throws RemoteException {
        String etag = call("UploadPart " + target + " part " + part, () -> s3.uploadPart(b -> b.bucket(target.bucket())
                .key(target.key()).uploadId(uploadId).partNumber(part).contentLength((long) data.length),
                RequestBody.fromBytes(data))).eTag();
        return CompletedPart.builder().partNumber(part).eTag(etag).build();
    }

    /** Completes the upload; returns the new version id (null on an unversioned bucket) and ETag. */
    public ObjectHead completeMultipart(ObjectRef target, String uploadId, List<CompletedPart> parts, long size)
            throws RemoteException {
        var r = call("CompleteMultipartUpload " + target, () -> s3.completeMultipartUpload(b -> b.bucket(target.bucket())
                .key(target.key()).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
        return new ObjectHead(r.versionId(), r.eTag(), size, null);
    }

    public void abortMultipart(ObjectRef target, String uploadId) {
        try {
            call("AbortMultipartUpload " + target, () -> s3.abortMultipartUpload(b -> b.bucket(target.bucket())
                    .key(target.key()).uploadId(uploadId)));
        } catch (RemoteException e) {
            // the store forgets abandoned uploads by itself eventually; nothing more to do here
        }
    }

    // ---- raw signed requests, for imagegate's extensions

    /** A response whose body the caller must close; status and headers are already read. */
    public record RawResponse(int status, Map<String, String> headers, AbortableInputStream body) implements AutoCloseable {

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        public byte[] readAll(int max) throws IOException {
            if (body == null) {
                return new byte[0];
            }
            byte[] b = body.readNBytes(max + 1);
            if (b.length > max) {
                body.abort();
                throw new IOException("response larger than " + max + " bytes");
            }
            return b;
        }

        /** Gives the connection up without reading the rest of the body (e.g. an object sent instead of JSON). */
        public void abort() {
            if (body != null) {
                body.abort();
            }
        }

        @Override
        public void close() {
            if (body != null) {
                try {
                    body.close();
                } catch (IOException e) {
                    body.abort();
                }
            }
        }

        /** The S3 error this response carries, as a {@link RemoteException}. */
        public RemoteException error(String what) {
            String text;
            try {
                text = new String(readAll(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            Matcher c = XML_CODE.matcher(text);
            Matcher m = XML_MESSAGE.matcher(text);
            String code = c.find() ? c.group(1) : null;
            String message = m.find() ? m.group(1) : text.length() > 200 ? text.substring(0, 200) : text;
            return RemoteException.of(status, code, what + ": " + status + " " + (code == null ? "" : code + " ") + message);
        }
    }

    /**
     * Sends one signed request. {@code query} is already encoded, parameters in any order; the payload
     * is sent unsigned (UNSIGNED-PAYLOAD) so that large bodies stream.
     */
    public RawResponse execute(SdkHttpMethod method, ObjectRef ref, String query, Map<String, String> headers,
                               ContentStreamProvider body, long contentLength) throws RemoteException {
        String what = method + " " + ref + (query.isEmpty() ? "" : "?" + query);
        try {
            SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(method).uri(ref.uri(baseUri, query));
            headers.forEach(b::putHeader);
            if (body != null) {
                b.putHeader("Content-Length", Long.toString(contentLength));
                b.contentStreamProvider(body);
            }
            SdkHttpFullRequest request = b.build();
            AwsCredentialsIdentity identity = credentials.resolveIdentity().join();
            SignedRequest signed = signer.sign(r -> r.request(request)
                    .payload(body)
                    .identity(identity)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, endpoint.region())
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            Map<String, String> h = new LinkedHashMap<>();
            response.httpResponse().headers().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
            return new RawResponse(response.httpResponse().statusCode(), h, response.responseBody().orElse(null));
        } catch (IOException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        } catch (SdkException | java.util.concurrent.CompletionException e) {
            throw RemoteException.network(what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
        if (ownsHttp) {
            http.close();
        }
    }
}
