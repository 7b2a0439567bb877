package io.imagegate.bench.chaos;

import io.imagegate.bench.ServerProcess;
import io.imagegate.bench.scaleout.ChildJvm;
import io.imagegate.bench.scaleout.Ensemble;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The system the chaos benchmark attacks: a three-server ZooKeeper ensemble and N gateway
 * processes ({@code imagegate serve --zookeeper}) on one local chunk directory, each gateway on a
 * fixed port so it comes back at the same address after a kill, collecting garbage often, with
 * chunk-store faults injected by the hidden bench-only serve options.
 */
final class ChaosCluster implements AutoCloseable {

    /** How the processes are started. */
    record Settings(Path work, Path java, Path jar, String benchClasspath, Path logback, String zkHeap,
                    String gatewayHeap, int gateways, String gcInterval, double chunkFailures, String chunkDelay) {}

    /** One gateway process: its address and its current JVM (a new one after a restart). */
    static final class Gateway {
        final int index;
        final URI endpoint;
        volatile ChildJvm jvm;

        Gateway(int index, URI endpoint, ChildJvm jvm) {
            this.index = index;
            this.endpoint = endpoint;
            this.jvm = jvm;
        }
    }

    /** The non-admin user the clients act as, so every operation goes through the checks a tenant meets. */
    static final String TENANT = "chaos-tenant";
    static final String TENANT_ACCESS_KEY = "CHAOSTENANTACCESSKEY";
    static final String TENANT_SECRET_KEY = "chaos/tenant/secret/key/0123456789abcdef";

    final Ensemble ensemble;
    final List<Gateway> gateways;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ChaosCluster(Ensemble ensemble, List<Gateway> gateways) {
        this.ensemble = ensemble;
        this.gateways = gateways;
    }

    static ChaosCluster start(Settings s) throws IOException, InterruptedException {
        ServerProcess.deleteTree(s.work().resolve("zk"));
        Ensemble ensemble = Ensemble.start(s.work().resolve("zk"), s.java(), s.benchClasspath(), s.logback(), s.zkHeap(),
                100_000);
        List<Gateway> gateways = new ArrayList<>();
        ChaosCluster cluster = new ChaosCluster(ensemble, gateways);
        try {
            Path chunks = s.work().resolve("chunks");
            ServerProcess.deleteTree(chunks);
            Files.createDirectories(chunks);
            for (int i = 0; i < s.gateways(); i++) {
                Path data = s.work().resolve("gw" + i);
                ServerProcess.deleteTree(data);
                Files.createDirectories(data);
                Files.createSymbolicLink(data.resolve("chunks"), chunks); // one chunk store for all
                int port = freePort();
                List<String> cmd = new ArrayList<>(List.of(s.java().toString(), "-Xmx" + s.gatewayHeap(),
                        "-XX:+UseG1GC", "-Dlogback.configurationFile=" + s.logback(), "-cp", s.jar().toString(),
                        "io.imagegate.gateway.cli.ImagegateCommand", "serve", "--data", data.toString(),
                        "--host", "127.0.0.1", "--port", String.valueOf(port), "--zookeeper", ensemble.connectString(),
                        "--gc-interval", s.gcInterval(), "--gc-delay", "1s", "--gc-grace", "0s"));
                if (s.chunkFailures() > 0) {
                    cmd.addAll(List.of("--chaos-chunk-failures", Double.toString(s.chunkFailures())));
                }
                if (s.chunkDelay() != null && !s.chunkDelay().equals("0s")) {
                    cmd.addAll(List.of("--chaos-chunk-delay", s.chunkDelay()));
                }
                Files.deleteIfExists(s.work().resolve("gw" + i + ".log"));
                ChildJvm jvm = ChildJvm.start("gw" + i, ChildJvm.Role.GATEWAY, cmd,
                        Map.of("IMAGEGATE_ACCESS_KEY", ServerProcess.ACCESS_KEY, "IMAGEGATE_SECRET_KEY", ServerProcess.SECRET_KEY),
                        s.work().resolve("gw" + i + ".log"));
                Gateway g = new Gateway(i, URI.create("http://127.0.0.1:" + port), jvm);
                gateways.add(g);
                cluster.awaitReady(g, Duration.ofMinutes(2)); // one at a time: the first creates the root user
            }
            try (ZkMetadataStore meta = ZkMetadataStore.connect(ensemble.connectString())) {
                meta.createUser(new UserRecord(TENANT, TENANT_ACCESS_KEY, TENANT_SECRET_KEY, Instant.now(), false));
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    List<URI> endpoints() {
        return gateways.stream().map(g -> g.endpoint).toList();
    }

    /** Waits until the gateway answers {@code /health/ready} (ZooKeeper and the chunk store reachable). */
    void awaitReady(Gateway g, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            g.jvm.requireAlive();
            if (ready(g)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(g.jvm.name() + " not ready within " + timeout + "; see " + g.jvm.log());
    }

    /** One probe of {@code /health/ready}. */
    boolean ready(Gateway g) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(g.endpoint.resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void awaitAllReady(Duration timeout) throws InterruptedException {
        ensemble.awaitQuorum(timeout);
        for (Gateway g : gateways) {
            awaitReady(g, timeout);
        }
    }

    /** Lines of the gateways' logs that contain {@code text}: what the injected chunk-store faults reached. */
    long logLines(String text) {
        long n = 0;
        for (Gateway g : gateways) {
            try (var lines = Files.lines(g.jvm.log())) {
                n += lines.filter(l -> l.contains(text)).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable log: counted as none
            }
        }
        return n;
    }

    /** A gauge of every gateway's {@code /metrics}, summed (or the largest, {@code max}); NaN counts as 0. */
    double metric(String name, boolean max) throws InterruptedException {
        double total = 0;
        for (Gateway g : gateways) {
            try {
                String body = http.send(HttpRequest.newBuilder(g.endpoint.resolve("/metrics")).timeout(Duration.ofSeconds(10))
                        .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
                for (String line : body.split("\n")) {
                    if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        v = Double.isNaN(v) ? 0 : v;
                        total = max ? Math.max(total, v) : total + v;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not scraped: counted as none
            }
        }
        return total;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Gateway g : gateways) {
            g.jvm.close();
        }
        ensemble.close();
    }
}
