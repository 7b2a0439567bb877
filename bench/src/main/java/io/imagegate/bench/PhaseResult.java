package io.imagegate.bench;

import java.util.Arrays;

/**
 * One server doing one operation once: what was moved, how long it took, its latencies (for
 * range GETs), and what the server's JVM spent doing it.
 */
record PhaseResult(String dataset, String phase, String server, int pass, boolean warmup, long bytes, int requests,
                   double seconds, double p50Millis, double p99Millis, double maxMillis, long storedBytes,
                   double serverCpuSeconds, long heapPeakUsedBytes, long heapMaxAfterGcBytes, int collections,
                   long gcPauseMillis, double clientCpuSeconds, double syncSeconds) {

    static PhaseResult of(String dataset, String phase, String server, int pass, long bytes, int requests, long nanos,
                          long[] latencyNanos, long storedBytes, HeapProbe.Window heap) {
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        double max = Double.NaN;
        if (latencyNanos != null && latencyNanos.length > 0) {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            p50 = percentile(sorted, 0.50) / 1e6;
            p99 = percentile(sorted, 0.99) / 1e6;
            max = sorted[sorted.length - 1] / 1e6;
        }
        return new PhaseResult(dataset, phase, server, pass, pass == 0, bytes, requests, nanos / 1e9, p50, p99, max,
                storedBytes, heap.cpuNanos() / 1e9, heap.peakUsedBytes(), heap.maxAfterGcBytes(), heap.collections(),
                heap.gcPauseMillis(), heap.clientCpuNanos() / 1e9, 0);
    }

    /** The same result with the time a file-system sync took right after it (for PUTs). */
    PhaseResult withSync(long nanos) {
        return new PhaseResult(dataset, phase, server, pass, warmup, bytes, requests, seconds, p50Millis, p99Millis,
                maxMillis, storedBytes, serverCpuSeconds, heapPeakUsedBytes, heapMaxAfterGcBytes, collections,
                gcPauseMillis, clientCpuSeconds, nanos / 1e9);
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double mibPerSecond() {
        return bytes / (double) ByteSize.MIB / seconds;
    }

    /**
     * Throughput counting the sync that followed: when the bytes were on disk. imagegate seals
     * (fsyncs) its packs before it answers; a server that answers from the page cache pays here.
     */
    double durableMibPerSecond() {
        return bytes / (double) ByteSize.MIB / (seconds + syncSeconds);
    }

    double requestsPerSecond() {
        return requests / seconds;
    }

    double serverCpuMillisPerRequest() {
        return serverCpuSeconds * 1000 / requests;
    }

    double clientCpuMillisPerRequest() {
        return clientCpuSeconds * 1000 / requests;
    }

    double clientCpuSecondsPerGib() {
        return clientCpuSeconds / (bytes / (double) ByteSize.GIB);
    }

    /** Server CPU seconds per GiB moved: what the operation costs, independent of how busy the machine was. */
    double cpuSecondsPerGib() {
        return serverCpuSeconds / (bytes / (double) ByteSize.GIB);
    }
}
