package io.imagegate.gateway;

import io.imagegate.chunk.ChunkStoreStats;
import io.imagegate.chunk.MetricsChunkStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * What a gateway exports at {@code /metrics} for Prometheus: requests by operation and status
 * with latency histograms, bytes in and out, chunk-store reads and cache hits, and ZooKeeper
 * latency. Series that name tenants' buckets live in a registry of their own, scraped only for
 * those allowed to see them ({@link #scrape(boolean)}).
 */
public final class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Per-bucket series: bucket names and sizes of every tenant. */
    private final PrometheusMeterRegistry tenants = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Timer zookeeper;

    public GatewayMetrics(MetricsChunkStore store) {
        bytesIn = Counter.builder("imagegate.s3.bytes.in").description("request body bytes received").register(registry);
        bytesOut = Counter.builder("imagegate.s3.bytes.out").description("response bytes sent").register(registry);
        zookeeper = Timer.builder("imagegate.zookeeper.latency").description("round trip of a ZooKeeper read")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
        storeCounter("imagegate.chunks.reads", "chunk store reads", store, ChunkStoreStats::reads);
        storeCounter("imagegate.chunks.bytes.read", "chunk bytes read", store, ChunkStoreStats::bytesRead);
        storeCounter("imagegate.chunks.backend.reads", "reads that reached the backend", store, ChunkStoreStats::backendReads);
        storeCounter("imagegate.chunks.cache.hits", "chunk cache hits", store, ChunkStoreStats::cacheHits);
        storeCounter("imagegate.chunks.cache.misses", "chunk cache misses", store, ChunkStoreStats::cacheMisses);
        storeCounter("imagegate.chunks.packs.written", "packs sealed", store, ChunkStoreStats::packsWritten);
        storeCounter("imagegate.chunks.bytes.written", "pack bytes written", store, ChunkStoreStats::bytesWritten);
        Gauge.builder("imagegate.chunks.cache.hit.ratio", store, s -> s.stats().cacheHitRatio())
                .description("chunk cache hits over lookups").register(registry);
    }

    private void storeCounter(String name, String description, MetricsChunkStore store, ToDoubleFunction<ChunkStoreStats> f) {
        FunctionCounter.builder(name, store, s -> f.applyAsDouble(s.stats())).description(description).register(registry);
    }

    /** One served request. */
    public void request(String operation, int status, long nanos, long in, long out) {
        Timer.builder("imagegate.s3.requests").description("S3 requests by operation and status")
                .tag("operation", operation).tag("status", String.valueOf(status))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        if (in > 0) {
            bytesIn.increment(in);
        }
        if (out > 0) {
            bytesOut.increment(out);
        }
    }

    /**
     * A request whose client hung up before its answer was delivered: its work stopped at the next
     * checkpoint or write, and it is answered to no one.
     */
    public void cancelled(String operation) {
        Counter.builder("imagegate.requests.cancelled").description("requests whose client hung up before the "
                + "answer was delivered; their work stopped").tag("operation", operation).register(registry).increment();
    }

    /** How many requests of {@code operation} were cancelled so far ({@link #cancelled}). */
    public double cancelledCount(String operation) {
        Counter c = registry.find("imagegate.requests.cancelled").tag("operation", operation).counter();
        return c == null ? 0 : c.count();
    }

    public void zookeeperRoundTrip(long nanos) {
        zookeeper.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Registers a counter whose value is read on demand from {@code source}. */
    public <T> void counter(String name, String description, T source, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, source, value).description(description).register(registry);
    }

    /** Registers a gauge computed on demand, e.g. from the storage report. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    /** Registers a size distribution, e.g. of object sizes. */
    /** A gauge with one time series per label value, whose rows the caller replaces as they change. */
    public MultiGauge multiGauge(String name, String description) {
        return MultiGauge.builder(name).description(description).register(registry);
    }

    /** A {@link #multiGauge} with one series per bucket: scraped only with the tenant series. */
    public MultiGauge bucketGauge(String name, String description) {
        return MultiGauge.builder(name).description(description).register(tenants);
    }

    public DistributionSummary summary(String name, String description) {
        return DistributionSummary.builder(name).description(description).register(registry);
    }

    /** The Prometheus text exposition, without the per-bucket series. */
    public String scrape() {
        return registry.scrape();
    }

    /** The Prometheus text exposition, with the per-bucket series when {@code withBuckets}. */
    public String scrape(boolean withBuckets) {
        return withBuckets ? registry.scrape() + tenants.scrape() : registry.scrape();
    }
}
