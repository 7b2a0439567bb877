package io.imagegate.gateway;

import java.time.Duration;
import java.util.List;

/**
 * How a gateway serves: where it listens, the region it claims, the host names under which
 * virtual-hosted-style requests arrive, and the limits it enforces. Defaults in {@link #defaults()}.
 *
 * @param domains          {@code bucket.<domain>} addresses a bucket (virtual-hosted style)
 * @param defaultChunkSize chunk size of new buckets unless CreateBucket asks for another
 * @param minPartSize      S3's minimum size of every part but the last (5 MiB)
 * @param maxSkew          how far a request's date may be from the server clock
 * @param https            TLS: certificate files and which ports speak it ({@link HttpsConfig#OFF}: plain HTTP)
 * @param publicBucketMetrics whether unauthenticated {@code /metrics} scrapes get the per-bucket
 *                         series too (they name tenants' buckets); otherwise only an admin's signed
 *                         scrape does (docs/SECURITY.md)
 * @param requestMemoryBytes heap that requests may hold at once for what they parse from their
 *                         bodies (commit descriptors, asked hashes, XML); 0 for a quarter of the heap
 */
public record GatewayConfig(
        String host,
        int port,
        String region,
        List<String> domains,
        int defaultChunkSize,
        long maxPutSize,
        long minPartSize,
        Duration maxSkew,
        HttpsConfig https,
        boolean publicBucketMetrics,
        long requestMemoryBytes) {

    public static final int MIN_CHUNK_SIZE = 4 * 1024;
    public static final int MAX_CHUNK_SIZE = 4 * 1024 * 1024;

    public GatewayConfig {
        https = https == null ? HttpsConfig.OFF : https;
    }

    /** Plain HTTP, the other settings at their defaults. */
    public GatewayConfig(String host, int port, String region, List<String> domains, int defaultChunkSize,
                         long maxPutSize, long minPartSize, Duration maxSkew) {
        this(host, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, HttpsConfig.OFF);
    }

    /** The other settings at their defaults. */
    public GatewayConfig(String host, int port, String region, List<String> domains, int defaultChunkSize,
                         long maxPutSize, long minPartSize, Duration maxSkew, HttpsConfig https) {
        this(host, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https, false, 0);
    }

    public static GatewayConfig defaults() {
        return new GatewayConfig("127.0.0.1", 9000, "us-east-1", List.of("localhost"), 64 * 1024,
                5L * 1024 * 1024 * 1024, 5L * 1024 * 1024, Duration.ofMinutes(15), HttpsConfig.OFF);
    }

    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(host, newPort, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                publicBucketMetrics, requestMemoryBytes);
    }

    /** The region the gateway claims (signatures, bucket locations; us-east-1 keeps S3's legacy rules there). */
    public GatewayConfig withRegion(String newRegion) {
        return new GatewayConfig(host, port, newRegion, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                publicBucketMetrics, requestMemoryBytes);
    }

    public GatewayConfig withHost(String newHost) {
        return new GatewayConfig(newHost, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                publicBucketMetrics, requestMemoryBytes);
    }

    public GatewayConfig withDomains(List<String> newDomains) {
        return new GatewayConfig(host, port, region, newDomains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                publicBucketMetrics, requestMemoryBytes);
    }

    public GatewayConfig withHttps(HttpsConfig value) {
        return new GatewayConfig(host, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, value,
                publicBucketMetrics, requestMemoryBytes);
    }

    public GatewayConfig withPublicBucketMetrics(boolean value) {
        return new GatewayConfig(host, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                value, requestMemoryBytes);
    }

    public GatewayConfig withRequestMemoryBytes(long bytes) {
        return new GatewayConfig(host, port, region, domains, defaultChunkSize, maxPutSize, minPartSize, maxSkew, https,
                publicBucketMetrics, bytes);
    }
}
