package io.imagegate.chunk.s3;

import io.imagegate.chunk.retry.RetryPolicy;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A real S3 server in the test JVM: s3proxy over its filesystem blobstore, with SigV4
 * authentication, behind a blobstore decorator that records the requests it serves and fails or
 * delays the next ones on demand, so faults travel over real HTTP as real S3 error responses.
 */
final class S3TestServer implements AutoCloseable {

    static final String BUCKET = "imagegate-packs";
    static final String ACCESS_KEY = "test-access";
    static final String SECRET_KEY = "test-secret-key";

    /** The operations faults can be injected into. */
    enum Op { GET, PUT, PART, COMPLETE, LIST }

    final FaultyBlobStore blobs;
    private final S3Proxy proxy;
    final URI endpoint;

    private S3TestServer(FaultyBlobStore blobs, S3Proxy proxy, URI endpoint) {
        this.blobs = blobs;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    static S3TestServer start(Path dir) throws Exception {
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        FaultyBlobStore blobs = new FaultyBlobStore(BlobStores.create("filesystem", p));
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobs)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .jettyMaxThreads(32)
                .build();
        proxy.start();
        for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(10);
        }
        S3TestServer server = new S3TestServer(blobs, proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
        try (S3Client c = server.client()) {
            c.createBucket(b -> b.bucket(BUCKET));
        }
        return server;
    }

    /** A store configuration for this server under {@code prefix}, retrying fast. */
    S3StoreConfig config(String prefix) {
        return S3StoreConfig.fromUri("s3://" + BUCKET + "/" + prefix, endpoint.toString(), ACCESS_KEY, SECRET_KEY)
                .withRetry(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(10)));
    }

    /** A plain SDK client, for looking at (and tampering with) what the store wrote. */
    S3Client client() {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }

    /** The filesystem blobstore with request logs and injectable faults. */
    static final class FaultyBlobStore extends ForwardingBlobStore {
        final List<String> getRanges = new CopyOnWriteArrayList<>();
        private final Map<Op, AtomicInteger> failures = new ConcurrentHashMap<>();
        private final Map<Op, Integer> statuses = new ConcurrentHashMap<>();
        private final Map<Op, AtomicInteger> delays = new ConcurrentHashMap<>();
        private volatile Duration delay = Duration.ZERO;

        FaultyBlobStore(BlobStore delegate) {
            super(delegate);
        }

        /** The next {@code n} requests of {@code op} are answered with HTTP {@code status}. */
        void fail(Op op, int n, int status) {
            statuses.put(op, status);
            failures.computeIfAbsent(op, o -> new AtomicInteger()).set(n);
        }

        /** The next {@code n} requests of {@code op} stall for {@code d} first. */
        void stall(Op op, int n, Duration d) {
            delay = d;
            delays.computeIfAbsent(op, o -> new AtomicInteger()).set(n);
        }

        void reset() {
            failures.clear();
            delays.clear();
            getRanges.clear();
        }

        private void maybeFail(Op op) {
            AtomicInteger d = delays.get(op);
            if (d != null && d.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            AtomicInteger f = failures.get(op);
            if (f != null && f.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
                throw S3Exceptions.fromStatusCode(statuses.get(op));
            }
        }

        @Override
        public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
            getRanges.add(request.range());
            maybeFail(Op.GET);
            return super.getBlob(request);
        }

        @Override
        public PutObjectResponse putBlob(PutObjectRequest request, InputStream body) {
            maybeFail(Op.PUT);
            return super.putBlob(request, body);
        }

        @Override
        public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request,
                InputStream body) {
            maybeFail(Op.PART);
            return super.uploadMultipartPart(upload, request, body);
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                CompleteMultipartUploadRequest request) {
            maybeFail(Op.COMPLETE);
            return super.completeMultipartUpload(upload, request);
        }

        @Override
        public ListObjectsV2Response list(ListObjectsV2Request request) {
            maybeFail(Op.LIST);
            return super.list(request);
        }
    }

}
