package io.imagegate.bench.deploy;

/** The four ways a node gets to a booted image, as the issue compares them. */
enum Method {
    PREPROPAGATION("prepropagation", "copy the whole image, then boot"),
    AGENT("agent", "imagegate agent, lazy"),
    AGENT_PREFETCH("agent-prefetch", "imagegate agent, boot-profile prefetch"),
    NBDKIT("nbdkit", "nbdkit curl + cow + cache, presigned URL");

    final String label;
    final String description;

    Method(String label, String description) {
        this.label = label;
        this.description = description;
    }

    static Method of(String label) {
        for (Method m : values()) {
            if (m.label.equals(label.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method " + label + " (prepropagation, agent, agent-prefetch, nbdkit)");
    }
}
