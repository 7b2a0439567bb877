package io.imagegate.gateway;

import io.imagegate.meta.MetadataStore;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code /health/live}, {@code /health/ready} and {@code /metrics} on the S3 port, for
 * orchestrators and Prometheus. They answer unsigned GET and HEAD requests (buckets named
 * {@code health} and {@code metrics} cannot be created, so there is no ambiguity). The per-bucket
 * series of {@code /metrics} name every tenant's buckets: an unsigned scrape gets them only when
 * the gateway is configured to publish them ({@link GatewayConfig#publicBucketMetrics()}); a scrape
 * signed by an administrator always does ({@link S3Handler}), as MinIO keeps its metrics behind a
 * token.
 */
public final class ManagementEndpoints {

    /** Bucket names the endpoints occupy. */
    public static final Set<String> RESERVED_BUCKETS = Set.of("health", "metrics");

    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final MetadataStore meta;
    private final ChunkStoreOptions.Probe chunkProbe;
    private final GatewayMetrics metrics;
    private final boolean publicBucketMetrics;

    /** Per-bucket series for administrators only. */
    public ManagementEndpoints(MetadataStore meta, ChunkStoreOptions.Probe chunkProbe, GatewayMetrics metrics) {
        this(meta, chunkProbe, metrics, false);
    }

    public ManagementEndpoints(MetadataStore meta, ChunkStoreOptions.Probe chunkProbe, GatewayMetrics metrics,
                               boolean publicBucketMetrics) {
        this.meta = meta;
        this.chunkProbe = chunkProbe;
        this.metrics = metrics;
        this.publicBucketMetrics = publicBucketMetrics;
    }

    /** True for a GET or HEAD of {@code /metrics}, signed or not. */
    static boolean isMetrics(HttpServerExchange ex) {
        String method = ex.getRequestMethod().toString();
        return (method.equals("GET") || method.equals("HEAD")) && ex.getRequestPath().equals("/metrics");
    }

    /** The metrics for a caller the S3 authenticator identified: every series, for an administrator. */
    void metricsFor(HttpServerExchange ex, boolean admin) {
        send(ex, 200, PROMETHEUS_TYPE, metrics.scrape(admin || publicBucketMetrics));
    }

    /** True for an unsigned GET or HEAD of one of the endpoints. */
    public static boolean handles(HttpServerExchange ex) {
        String method = ex.getRequestMethod().toString();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return false;
        }
        String path = ex.getRequestPath();
        if (!path.equals("/health/live") && !path.equals("/health/ready") && !path.equals("/metrics")) {
            return false;
        }
        String query = ex.getQueryString();
        boolean signedQuery = query != null && (query.contains("X-Amz-Signature") || query.contains("Signature="));
        return !ex.getRequestHeaders().contains(Headers.AUTHORIZATION) && !signedQuery;
    }

    public void handle(HttpServerExchange ex) {
        switch (ex.getRequestPath()) {
            case "/health/live" -> send(ex, 200, "text/plain", "live\n");
            case "/health/ready" -> ready(ex);
            default -> send(ex, 200, PROMETHEUS_TYPE, metrics.scrape(publicBucketMetrics));
        }
    }

    /** Ready when ZooKeeper and the chunk store both answer; otherwise 503 with the reasons. */
    private void ready(HttpServerExchange ex) {
        Map<String, String> problems = new LinkedHashMap<>();
        long start = System.nanoTime();
        try {
            meta.bucket("health-probe");
            metrics.zookeeperRoundTrip(System.nanoTime() - start);
        } catch (RuntimeException e) {
            problems.put("zookeeper", String.valueOf(e.getMessage()));
        }
        try {
            chunkProbe.check();
        } catch (Exception e) {
            problems.put("chunks", String.valueOf(e.getMessage()));
        }
        if (problems.isEmpty()) {
            send(ex, 200, "text/plain", "ready\n");
        } else {
            StringBuilder body = new StringBuilder("not ready\n");
            problems.forEach((k, v) -> body.append(k).append(": ").append(v.replace('\n', ' ')).append('\n'));
            send(ex, 503, "text/plain", body.toString());
        }
    }

    private static void send(HttpServerExchange ex, int status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.setResponseContentLength(bytes.length);
        if (ex.getRequestMethod().toString().equals("HEAD")) {
            ex.endExchange();
        } else {
            ex.getResponseSender().send(java.nio.ByteBuffer.wrap(bytes));
        }
    }
}
