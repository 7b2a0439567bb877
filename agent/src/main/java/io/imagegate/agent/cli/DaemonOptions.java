package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.AgentConfig;
import io.imagegate.agent.daemon.NbdTlsFiles;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the agent keeps its state and how it is reached: shared by every command. */
final class DaemonOptions {

    @Option(names = "--control", paramLabel = "PATH",
            description = "the agent's control socket (default: $IMAGEGATE_AGENT_CONTROL, /run/imagegate-agent/control.sock "
                    + "for root, else $XDG_RUNTIME_DIR/imagegate-agent/control.sock or /tmp/imagegate-agent-$USER/)")
    Path control;

    @Option(names = "--data", paramLabel = "DIR",
            description = "overlays and attachment records (default: $IMAGEGATE_AGENT_DATA, /var/lib/imagegate-agent "
                    + "for root, else ~/.local/state/imagegate-agent); used when this command starts the agent")
    Path data;

    @Option(names = "--cache", paramLabel = "DIR", description = "the node cache (default: DATA/cache)")
    Path cache;

    @Option(names = "--cache-size", paramLabel = "SIZE", description = "bound of the node cache, e.g. 20G (default 16G)")
    String cacheSize;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "serve Prometheus metrics at /metrics")
    String metrics;

    @Option(names = "--parallel", paramLabel = "N", description = "range GETs in flight at once (default 16)")
    Integer parallel;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain NBD TLS listeners present "
            + "(nbds://); read again when it changes. Required to listen on an address other than loopback")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "the PEM private key of --tls-cert (RSA or EC; "
            + "PKCS#1, SEC1 or PKCS#8)")
    Path tlsKey;

    /** The certificate of NBD TLS listeners, or none. */
    NbdTlsFiles nbdTls() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException(tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        }
        return tlsCert == null ? NbdTlsFiles.NONE : NbdTlsFiles.of(tlsCert.toAbsolutePath(), tlsKey.toAbsolutePath());
    }

    Path controlSocket() {
        return control != null ? control : AgentConfig.defaultControl();
    }

    AgentConfig config() {
        AgentConfig c = AgentConfig.defaults();
        if (data != null) {
            c = c.withDataDir(data.toAbsolutePath());
        }
        if (cache != null) {
            c = c.withCacheDir(cache.toAbsolutePath());
        }
        if (cacheSize != null) {
            c = c.withCacheMaxBytes(AgentConfig.parseSize(cacheSize));
        }
        if (parallel != null) {
            c = c.withParallelFetches(parallel);
        }
        if (metrics != null) {
            c = c.withMetrics(metrics);
        }
        return c.withControlSocket(controlSocket().toAbsolutePath());
    }

    /** The arguments that make a started agent use the same settings. */
    java.util.List<String> runArguments() {
        java.util.List<String> a = new java.util.ArrayList<>();
        a.add("--control");
        a.add(controlSocket().toAbsolutePath().toString());
        if (data != null) {
            a.add("--data");
            a.add(data.toAbsolutePath().toString());
        }
        if (cache != null) {
            a.add("--cache");
            a.add(cache.toAbsolutePath().toString());
        }
        if (cacheSize != null) {
            a.add("--cache-size");
            a.add(cacheSize);
        }
        if (metrics != null) {
            a.add("--metrics");
            a.add(metrics);
        }
        if (parallel != null) {
            a.add("--parallel");
            a.add(parallel.toString());
        }
        if (tlsCert != null) {
            a.add("--tls-cert");
            a.add(tlsCert.toAbsolutePath().toString());
        }
        if (tlsKey != null) {
            a.add("--tls-key");
            a.add(tlsKey.toAbsolutePath().toString());
        }
        return a;
    }
}
