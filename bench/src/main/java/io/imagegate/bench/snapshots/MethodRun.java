package io.imagegate.bench.snapshots;

/**
 * One method run once over {@code snapshots} of a combination's {@code ofSnapshots} snapshots
 * (all of them, or a sample that {@link #scale()} extrapolates from): wall time, bytes the client
 * put on the wire (counted in its HTTP client; {@code clientWriteSyscallBytes} is the kernel's
 * count of what the client JVM wrote, as a cross-check), bytes the server added on disk (pack
 * files for imagegate, the whole data directory for s3proxy; lengths and allocated blocks), and
 * what the server reported; the machine's 1-minute load average when it started, and how many
 * requests the client had to send again (after a 5xx; their bytes are counted in {@code sentBytes}).
 */
record MethodRun(String combo, String workload, int chunkSize, long imageSize, String method, String server,
                 int repeat, int snapshots, int ofSnapshots, int threads, double seconds,
                 long sentBytes, long sentHeadBytes, long requests, long clientWriteSyscallBytes,
                 long physicalBytes, long allocatedBytes, long changedBytes, long writtenBytes,
                 long uploadedBytes, long copiedBytes, long parts, long reportedStoredBytes,
                 long pagesWritten, long pagesReused, double clientCpuSeconds, double serverCpuSeconds,
                 double loadAverage, long retries, double[] snapshotSeconds) {

    /** From the snapshots measured to all of them. */
    double scale() {
        return ofSnapshots / (double) snapshots;
    }
}
