package io.imagegate.bench.agentread;

import java.util.List;

/**
 * One timed full read of the image.
 *
 * @param method         who served it: agent, nbdkit-curl, nbdkit-cached, curl (the floor), qemu-img (through the agent)
 * @param phase          cold (nothing of the image on the node), warm (all of it there), or "-" for the floor
 * @param repeat         0-based
 * @param seconds        wall time of the reading tool, start to exit
 * @param bytes          the image's size
 * @param clientCpu      the reading tool's CPU seconds (user + system)
 * @param serverCpu      the agent's or nbdkit's CPU seconds, user and system (NaN for curl)
 * @param serverJitCpu   of which the agent's JIT compiler threads (C1, C2): code compiled while it was measured
 * @param gatewayCpu     the gateway's CPU seconds, user and system
 * @param gatewayBytesOut response bytes the gateway sent meanwhile (its imagegate_s3_bytes_out_total)
 * @param gatewayRequests S3 requests the gateway answered meanwhile
 * @param agentFetched   bytes the agent fetched (its own counter; -1 for the others)
 * @param agentRequests  range GETs the agent sent (-1 for the others)
 * @param loadBefore     1-minute load average before
 * @param loadAfter      and after
 * @param profiles       JFR files recorded during this read (with --jfr)
 */
record Measurement(String method, String phase, int repeat, double seconds, long bytes, double clientCpu,
                   double serverCpuUser, double serverCpuSystem, double serverJitCpu, double gatewayCpuUser, double gatewayCpuSystem,
                   long gatewayBytesOut, long gatewayRequests, long agentFetched, long agentRequests, double loadBefore, double loadAfter,
                   List<String> profiles) {

    String key() {
        return method + " " + phase;
    }

    double serverCpu() {
        return serverCpuUser + serverCpuSystem;
    }

    double gatewayCpu() {
        return gatewayCpuUser + gatewayCpuSystem;
    }

    double bytesPerSecond() {
        return bytes / seconds;
    }

    /** Gateway CPU seconds per GiB it sent. */
    double gatewayCpuPerGiB() {
        return gatewayBytesOut <= 0 ? Double.NaN : gatewayCpu() / (gatewayBytesOut / (double) (1L << 30));
    }
}
