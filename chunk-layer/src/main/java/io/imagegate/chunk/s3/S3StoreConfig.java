package io.imagegate.chunk.s3;

import io.imagegate.chunk.retry.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Settings of an {@link S3ChunkStore}; {@link #defaults(String)} holds every default in one place.
 *
 * @param endpoint          the service's URL ({@code http://minio:9000}); null for AWS S3 in {@code region}
 * @param region            the signing region; any value for most S3-compatible services
 * @param bucket            the bucket holding the packs; it must exist
 * @param prefix            key prefix of everything the store writes: empty, or ending in {@code /}
 * @param credentials       where access keys come from
 * @param pathStyle         address the bucket in the path ({@code endpoint/bucket/key}) instead of
 *                          the host name; what MinIO, Ceph RGW and s3proxy usually need
 * @param maxConnections    pooled HTTP connections, shared by reads and uploads
 * @param retry             backoff for requests that fail for a reason that may pass
 * @param partSize          packs larger than this are uploaded as multipart uploads of parts of
 *                          this size (AWS requires at least 5 MiB), smaller ones with one PUT
 * @param uploadParallelism parts of one pack uploaded at once (each buffered in memory)
 * @param connectTimeout    TCP connect timeout
 * @param readTimeout       longest silence on a connection while a response is awaited or read
 * @param listPageSize      keys per ListObjectsV2 page
 */
public record S3StoreConfig(
        URI endpoint,
        String region,
        String bucket,
        String prefix,
        AwsCredentialsProvider credentials,
        boolean pathStyle,
        int maxConnections,
        RetryPolicy retry,
        int partSize,
        int uploadParallelism,
        Duration connectTimeout,
        Duration readTimeout,
        int listPageSize) {

    public static final int MiB = 1024 * 1024;

    public S3StoreConfig {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(retry, "retry");
        if (bucket == null || bucket.isEmpty() || bucket.contains("/")) {
            throw new IllegalArgumentException("not a bucket name: " + bucket);
        }
        if (prefix == null || prefix.startsWith("/") || !(prefix.isEmpty() || prefix.endsWith("/"))) {
            throw new IllegalArgumentException("prefix must be empty or end in '/', not start with it: " + prefix);
        }
        if (maxConnections < 1 || uploadParallelism < 1 || listPageSize < 1 || listPageSize > 1000) {
            throw new IllegalArgumentException("maxConnections, uploadParallelism must be positive, listPageSize 1..1000");
        }
        if (partSize < 64 * 1024 || partSize > 512 * MiB) {
            throw new IllegalArgumentException("partSize outside 64 KiB..512 MiB: " + partSize);
        }
        if (connectTimeout == null || readTimeout == null || connectTimeout.isNegative() || readTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must be zero or positive");
        }
    }

    /** Defaults for {@code bucket}: AWS endpoint, us-east-1, no prefix, the default credential chain. */
    public static S3StoreConfig defaults(String bucket) {
        return new S3StoreConfig(null, "us-east-1", bucket, "", DefaultCredentialsProvider.builder().build(), false,
                64, RetryPolicy.defaults(), 8 * MiB, 4, Duration.ofSeconds(5), Duration.ofSeconds(30), 1000);
    }

    /**
     * The store named by {@code s3://bucket/prefix} on {@code endpoint} (null: AWS S3), with static
     * keys, or the AWS default credential chain when {@code accessKey} is null. An endpoint implies
     * path-style addressing.
     */
    public static S3StoreConfig fromUri(String uri, String endpoint, String accessKey, String secretKey) {
        URI u = URI.create(uri);
        if (!"s3".equals(u.getScheme()) || u.getAuthority() == null) {
            throw new IllegalArgumentException("expected s3://bucket[/prefix]: " + uri);
        }
        String path = u.getPath() == null ? "" : u.getPath().replaceAll("^/+", "");
        String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        S3StoreConfig c = defaults(u.getAuthority()).withPrefix(prefix);
        if (endpoint != null && !endpoint.isBlank()) {
            c = c.withEndpoint(URI.create(endpoint)).withPathStyle(true);
        }
        if (accessKey != null) {
            c = c.withCredentials(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(accessKey, Objects.requireNonNull(secretKey, "secretKey"))));
        }
        return c;
    }

    /** {@code s3://bucket/prefix}, for logs. */
    public String uri() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "S3StoreConfig[%s endpoint=%s region=%s pathStyle=%s maxConnections=%d"
                + " partSize=%d uploadParallelism=%d retry=%s]", uri(), endpoint, region, pathStyle, maxConnections,
                partSize, uploadParallelism, retry);
    }

    public S3StoreConfig withEndpoint(URI v) {
        return new S3StoreConfig(v, region, bucket, prefix, credentials, pathStyle, maxConnections, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withRegion(String v) {
        return new S3StoreConfig(endpoint, v, bucket, prefix, credentials, pathStyle, maxConnections, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withPrefix(String v) {
        return new S3StoreConfig(endpoint, region, bucket, v, credentials, pathStyle, maxConnections, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withCredentials(AwsCredentialsProvider v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, v, pathStyle, maxConnections, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withPathStyle(boolean v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, v, maxConnections, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withMaxConnections(int v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, v, retry, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withRetry(RetryPolicy v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, maxConnections, v, partSize,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withPartSize(int v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, maxConnections, retry, v,
                uploadParallelism, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withUploadParallelism(int v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, maxConnections, retry,
                partSize, v, connectTimeout, readTimeout, listPageSize);
    }

    public S3StoreConfig withTimeouts(Duration connect, Duration read) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, maxConnections, retry,
                partSize, uploadParallelism, connect, read, listPageSize);
    }

    public S3StoreConfig withListPageSize(int v) {
        return new S3StoreConfig(endpoint, region, bucket, prefix, credentials, pathStyle, maxConnections, retry,
                partSize, uploadParallelism, connectTimeout, readTimeout, v);
    }
}
