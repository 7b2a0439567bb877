package io.imagegate.bench.deploy;

/**
 * One simulated compute node booting the image: set up before the clock starts (caches opened,
 * processes started), then {@link #boot} does everything a node does from "deploy" to "booted" —
 * every request to the gateway and the whole boot trace — through the node's own shaped link.
 */
interface DeployNode extends AutoCloseable {

    /** Before the clock: local set-up only, no request to the gateway. */
    void prepare() throws Exception;

    /** Timed: reach the image and replay the boot trace against it. */
    void boot(TraceReplay replay) throws Exception;

    /** Counters worth reporting (bytes fetched, requests...), after the boot. */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    @Override
    void close();
}
