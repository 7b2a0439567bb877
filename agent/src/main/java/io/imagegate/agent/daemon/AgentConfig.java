package io.imagegate.agent.daemon;

import io.imagegate.agent.remote.Retries;
import io.imagegate.chunk.retry.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything an agent process is configured with, defaults in one place ({@link #defaults}).
 *
 * @param dataDir          overlays and attachment records ({@code exports/NAME/})
 * @param cacheDir         the node cache (shared by every attachment)
 * @param controlSocket    the unix socket {@code snapshot}, {@code status} and {@code detach} talk to; null: none
 * @param cacheMaxBytes    the cache's bound on disk; least recently used chunks go first
 * @param parallelFetches  range GETs in flight at once, all exports together
 * @param maxRunBytes      how large one GET may grow by joining adjacent missing chunks
 * @param readAheadBytes   how far read-ahead runs in front of sequential reads (0: off)
 * @param retry            the budget of a failing fetch before the guest sees EIO
 * @param requestTimeout   one HTTP request's limit
 * @param profileWindow    how long after attach a boot is recorded into the profile
 * @param plainChunkSize   the fetch unit and snapshot grid on plain S3
 * @param metrics          host:port of the Prometheus endpoint, or null
 */
public record AgentConfig(Path dataDir, Path cacheDir, Path controlSocket, long cacheMaxBytes,
                          int parallelFetches, int maxRunBytes, int readAheadBytes, RetryPolicy retry,
                          Duration requestTimeout, Duration profileWindow, int plainChunkSize, String metrics) {

    public static final long DEFAULT_CACHE_BYTES = 16L << 30;
    /** Bytes a second a hydration fetches at most unless told otherwise (--rate). */
    public static final long DEFAULT_HYDRATE_RATE = 200L << 20;

    /** Defaults for the current user: {@code IMAGEGATE_AGENT_DATA} / {@code IMAGEGATE_AGENT_CONTROL} when set. */
    public static AgentConfig defaults() {
        return defaults(System.getenv(), System.getProperty("user.name", "user"), System.getProperty("user.home", "/tmp"));
    }

    static AgentConfig defaults(Map<String, String> env, String user, String home) {
        boolean root = "root".equals(user);
        Path data = env.containsKey("IMAGEGATE_AGENT_DATA") ? Path.of(env.get("IMAGEGATE_AGENT_DATA"))
                : root ? Path.of("/var/lib/imagegate-agent")
                : env.containsKey("XDG_STATE_HOME") ? Path.of(env.get("XDG_STATE_HOME"), "imagegate-agent")
                : Path.of(home, ".local", "state", "imagegate-agent");
        return new AgentConfig(data, data.resolve("cache"), defaultControl(env, user), DEFAULT_CACHE_BYTES, 16, 4 << 20,
                4 << 20, Retries.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(120), 64 * 1024, null);
    }

    /** Where {@code snapshot}, {@code status} and {@code detach} look for the running agent. */
    public static Path defaultControl() {
        return defaultControl(System.getenv(), System.getProperty("user.name", "user"));
    }

    static Path defaultControl(Map<String, String> env, String user) {
        if (env.containsKey("IMAGEGATE_AGENT_CONTROL")) {
            return Path.of(env.get("IMAGEGATE_AGENT_CONTROL"));
        }
        if ("root".equals(user)) {
            return Path.of("/run/imagegate-agent/control.sock");
        }
        if (env.containsKey("XDG_RUNTIME_DIR")) {
            return Path.of(env.get("XDG_RUNTIME_DIR"), "imagegate-agent", "control.sock");
        }
        return Path.of("/tmp", "imagegate-agent-" + user, "control.sock");
    }

    public AgentConfig withDataDir(Path d) {
        boolean cacheFollows = cacheDir.equals(dataDir.resolve("cache"));
        return new AgentConfig(d, cacheFollows ? d.resolve("cache") : cacheDir, controlSocket, cacheMaxBytes,
                parallelFetches, maxRunBytes, readAheadBytes, retry, requestTimeout, profileWindow,
                plainChunkSize, metrics);
    }

    public AgentConfig withCacheDir(Path c) {
        return new AgentConfig(dataDir, c, controlSocket, cacheMaxBytes, parallelFetches, maxRunBytes,
                readAheadBytes, retry, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withControlSocket(Path s) {
        return new AgentConfig(dataDir, cacheDir, s, cacheMaxBytes, parallelFetches, maxRunBytes,
                readAheadBytes, retry, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withCacheMaxBytes(long b) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, b, parallelFetches, maxRunBytes,
                readAheadBytes, retry, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withParallelFetches(int n) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, n, maxRunBytes,
                readAheadBytes, retry, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withReadAheadBytes(int n) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, n, retry, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withRetry(RetryPolicy r) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, readAheadBytes, r, requestTimeout, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withRequestTimeout(Duration t) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, readAheadBytes, retry, t, profileWindow, plainChunkSize, metrics);
    }

    public AgentConfig withProfileWindow(Duration w) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, readAheadBytes, retry, requestTimeout, w, plainChunkSize, metrics);
    }

    public AgentConfig withPlainChunkSize(int n) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, readAheadBytes, retry, requestTimeout, profileWindow, n, metrics);
    }

    public AgentConfig withMetrics(String hostPort) {
        return new AgentConfig(dataDir, cacheDir, controlSocket, cacheMaxBytes, parallelFetches,
                maxRunBytes, readAheadBytes, retry, requestTimeout, profileWindow, plainChunkSize, hostPort);
    }

    /** "16G", "512M", "65536": bytes, with binary suffixes K, M, G, T. */
    public static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            mult = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Long.parseLong(t.trim()) * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + s);
        }
    }
}
