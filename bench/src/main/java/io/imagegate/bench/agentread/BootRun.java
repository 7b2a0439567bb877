package io.imagegate.bench.agentread;

import java.util.List;
import java.util.Map;

/**
 * One timed guest boot.
 *
 * @param method          who served the disk: agent (attach --profile off), agent-prefetch (attach with the
 *                        image's boot profile stored, the agent's default once one exists), nbdkit (curl + cow +
 *                        cache filters), agent-record (the untimed setup boot that records the profile)
 * @param repeat          0-based (-1 for the setup boot)
 * @param order           position of this boot within its repeat (0-based)
 * @param attachSeconds   attach (agent) or start until listening (nbdkit), before qemu starts
 * @param bootSeconds     qemu's start until the boot marker on its console
 * @param guestUptime     the guest's uptime the marker reports (its own clock, under TCG)
 * @param gatewayBytesOut response bytes the gateway sent from before attach to the marker
 * @param bootBytesOut    of which from qemu's start to the marker
 * @param gatewayRequests S3 requests the gateway answered from before attach to the marker
 * @param requestsByOperation the same by S3 operation
 * @param nodeCpuUser     CPU of the agent or nbdkit process from before attach to the marker, user
 * @param nodeCpuSystem   and system
 * @param nodeJitCpu      of which the agent's JIT compiler threads (NaN for nbdkit)
 * @param gatewayCpuUser  the gateway's CPU over the same span, user
 * @param gatewayCpuSystem and system
 * @param qemuCpu         qemu's CPU from its start to the marker (user + system)
 * @param agentFetched    bytes the agent fetched (its counter; -1 for nbdkit)
 * @param agentRequests   range GETs the agent sent (-1 for nbdkit)
 * @param guestReadBytes  bytes the guest read through the agent (-1 for nbdkit)
 * @param readAheadChunks chunks the agent read ahead (-1 for nbdkit)
 * @param prefetchDone    profile chunks prefetched by the marker, of {@code prefetchTotal}
 * @param loadBefore      1-minute load average before attach
 * @param loadAfter       and at the marker
 * @param profiles        JFR files recorded during this boot (with --jfr)
 */
record BootRun(String method, int repeat, int order, double attachSeconds, double bootSeconds, double guestUptime,
               long gatewayBytesOut, long bootBytesOut, long gatewayRequests, Map<String, Long> requestsByOperation,
               double nodeCpuUser, double nodeCpuSystem, double nodeJitCpu, double gatewayCpuUser,
               double gatewayCpuSystem, double qemuCpu, long agentFetched, long agentRequests, long guestReadBytes,
               long readAheadChunks, long prefetchDone, long prefetchTotal, double loadBefore, double loadAfter,
               List<String> profiles) {

    double nodeCpu() {
        return nodeCpuUser + nodeCpuSystem;
    }

    double gatewayCpu() {
        return gatewayCpuUser + gatewayCpuSystem;
    }

    double totalSeconds() {
        return attachSeconds + bootSeconds;
    }
}
