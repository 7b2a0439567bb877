package io.imagegate.gateway.gc;

import io.imagegate.chunk.CollectionReport;
import io.imagegate.gateway.GatewayMetrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The storage report and the last collection as Prometheus gauges. Scrapes read the cached report
 * and never wait for a computation; a stale one is refreshed in the background.
 */
public final class StorageGauges {

    private StorageGauges() {}

    public static void register(GatewayMetrics metrics, StorageReports reports, GarbageCollection gc) {
        total(metrics, reports, "imagegate.storage.logical.bytes", "sum of the sizes of all versions",
                t -> t.logicalBytes());
        total(metrics, reports, "imagegate.storage.physical.bytes", "bytes of all packs in the chunk store",
                t -> t.physicalBytes());
        total(metrics, reports, "imagegate.storage.referenced.bytes",
                "distinct chunk and page bytes live versions and uploads reference", t -> t.referencedBytes());
        total(metrics, reports, "imagegate.storage.chunks", "distinct stored chunks live versions reference",
                t -> t.chunks());
        total(metrics, reports, "imagegate.storage.packs", "packs in the chunk store", t -> t.packs());
        total(metrics, reports, "imagegate.storage.dedup.ratio", "logical bytes over physical bytes",
                t -> t.dedupRatio() == null ? Double.NaN : t.dedupRatio());
        last(metrics, gc, "imagegate.gc.last.bytes.freed", "net bytes the last collection of this gateway freed",
                CollectionReport::netBytesFreed);
        last(metrics, gc, "imagegate.gc.last.packs.deleted", "packs the last collection deleted",
                r -> r.packsDeleted() + r.packsRewritten());
        last(metrics, gc, "imagegate.gc.last.anomalies", "missing references the last collection found",
                CollectionReport::anomalies);
        metrics.gauge("imagegate.gc.collections", "collections this gateway ran", gc, g -> g.counts()[0]);
        perBucket(metrics, reports);
    }

    /** A per-bucket gauge of the storage report. */
    private record PerBucket(String name, String description, ToDoubleFunction<StorageReport.Bucket> value) {}

    /** The report per bucket: one time series per bucket label, all replaced with every new report. */
    private static void perBucket(GatewayMetrics metrics, StorageReports reports) {
        List<PerBucket> specs = List.of(
                new PerBucket("versions", "versions (current and noncurrent)", StorageReport.Bucket::versions),
                new PerBucket("logical.bytes", "sum of the sizes of its versions", StorageReport.Bucket::logicalBytes),
                new PerBucket("physical.bytes", "distinct chunk and page bytes its versions and uploads reference",
                        StorageReport.Bucket::physicalBytes),
                new PerBucket("chunks", "distinct chunks its versions and uploads reference", StorageReport.Bucket::chunks),
                new PerBucket("upload.part.bytes", "bytes of parts of its uploads in progress",
                        StorageReport.Bucket::uploadPartBytes),
                new PerBucket("dedup.ratio", "logical bytes over physical bytes",
                        b -> b.dedupRatio() == null ? Double.NaN : b.dedupRatio()));
        List<MultiGauge> gauges = specs.stream().map(p -> metrics.bucketGauge("imagegate.storage.bucket." + p.name(),
                "per bucket: " + p.description() + " (storage report)")).toList();
        reports.onReport(report -> {
            for (int i = 0; i < specs.size(); i++) {
                ToDoubleFunction<StorageReport.Bucket> f = specs.get(i).value();
                gauges.get(i).register(report.buckets().stream()
                        .map(b -> MultiGauge.Row.of(Tags.of("bucket", b.bucket()), f.applyAsDouble(b))).toList(), true);
            }
        });
    }

    private static void total(GatewayMetrics metrics, StorageReports reports, String name, String description,
            ToDoubleFunction<StorageReport.Total> f) {
        metrics.gauge(name, description + " (storage report)", reports,
                r -> r.cached().map(StorageReport::total).map(f::applyAsDouble).orElse(Double.NaN));
    }

    private static void last(GatewayMetrics metrics, GarbageCollection gc, String name, String description,
            ToDoubleFunction<CollectionReport> f) {
        metrics.gauge(name, description, gc, g -> g.lastReport().map(f::applyAsDouble).orElse(Double.NaN));
    }
}
