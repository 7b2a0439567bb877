package io.imagegate.agent;

import io.imagegate.agent.daemon.Agent;
import io.imagegate.agent.daemon.AgentConfig;
import io.imagegate.agent.daemon.AttachRequest;
import io.imagegate.agent.daemon.ExportStatus;
import io.imagegate.chunk.retry.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Agents for tests: their data, cache and control socket under one temporary directory. */
public final class AgentHarness {

    private AgentHarness() {}

    public static AgentConfig config(Path root) {
        return AgentConfig.defaults()
                .withDataDir(root.resolve("data"))
                .withCacheDir(root.resolve("cache"))
                .withControlSocket(root.resolve("control.sock"))
                .withCacheMaxBytes(1L << 30)
                .withRetry(new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(100)))
                .withRequestTimeout(Duration.ofSeconds(20))
                .withProfileWindow(Duration.ofHours(1));
    }

    public static Agent start(Path root) throws Exception {
        return Agent.start(config(root));
    }

    /** An attach request with the keys of the store, on an ephemeral TCP port, no boot profile. */
    public static AttachRequest attach(URI endpoint, String object, String ak, String sk) {
        return AttachRequest.of(object, endpoint.toString())
                .withKeys(ak, sk, null)
                .withListen("127.0.0.1:0")
                .withProfile("off");
    }

    public static ExportStatus export(Agent agent, String name) {
        return agent.status().exports().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no export " + name));
    }
}
