package io.imagegate.gateway.lifecycle;

import io.imagegate.gateway.GatewayMetrics;

/**
 * The lifecycle runs' counters at {@code /metrics}, for the runs this gateway made:
 * {@code imagegate_lifecycle_runs_total}, {@code imagegate_lifecycle_versions_expired_total},
 * {@code imagegate_lifecycle_delete_markers_removed_total},
 * {@code imagegate_lifecycle_uploads_aborted_total} and
 * {@code imagegate_lifecycle_logical_bytes_freed_total}. Physical bytes are known to dry runs
 * ({@code imagegate lifecycle --dry-run}) and, once reclaimed, to the collector's own metrics.
 */
public final class LifecycleMetrics {

    private LifecycleMetrics() {}

    public static void register(GatewayMetrics metrics, LifecycleRunner.Totals t) {
        metrics.counter("imagegate.lifecycle.runs", "lifecycle runs this gateway finished", t, x -> x.runs.get());
        metrics.counter("imagegate.lifecycle.versions.expired",
                "versions lifecycle rules removed (noncurrent, or current in unversioned buckets) or hid behind a delete marker",
                t, x -> x.versionsExpired.get());
        metrics.counter("imagegate.lifecycle.delete.markers.removed", "expired object delete markers removed", t,
                x -> x.markersRemoved.get());
        metrics.counter("imagegate.lifecycle.uploads.aborted", "incomplete multipart uploads aborted", t,
                x -> x.uploadsAborted.get());
        metrics.counter("imagegate.lifecycle.logical.bytes.freed",
                "sizes of the versions removed and of the parts of the uploads aborted", t, x -> x.logicalBytesFreed.get());
    }
}
