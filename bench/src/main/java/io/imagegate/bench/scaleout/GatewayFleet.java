package io.imagegate.bench.scaleout;

import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * N gateways, each {@code imagegate serve --zookeeper ENSEMBLE} in a JVM of its own, all on the
 * same chunk store, with periodic garbage collection off (it would only add noise), and one SDK
 * client per gateway. Root keys come from the environment, so every gateway agrees on them.
 */
final class GatewayFleet implements AutoCloseable {

    /** One gateway: its process, endpoint and client. */
    record Node(ChildJvm jvm, URI endpoint, S3Client s3) {}

    final List<Node> nodes;
    private Runnable onClose = () -> { };

    private GatewayFleet(List<Node> nodes) {
        this.nodes = nodes;
    }

    static GatewayFleet start(int count, String connect, ChunkBackend backend, Path workDir, Path java, Path jar,
                              Path logback, String heap, int clientConnections)
            throws IOException, InterruptedException {
        List<Node> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Path data = workDir.resolve("gw-" + backend.label() + "-" + i);
                io.imagegate.bench.ServerProcess.deleteTree(data);
                backend.prepare(data);
                int port = Ensemble.freePort();
                List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx" + heap, "-XX:+UseG1GC",
                        "-Dlogback.configurationFile=" + logback, "-cp", jar.toString(),
                        "io.imagegate.gateway.cli.ImagegateCommand", "serve", "--data", data.toString(),
                        "--host", "127.0.0.1", "--port", String.valueOf(port), "--zookeeper", connect, "--no-gc"));
                cmd.addAll(backend.serveArgs());
                Map<String, String> env = new HashMap<>(backend.env());
                env.put("IMAGEGATE_ACCESS_KEY", ServerProcess.ACCESS_KEY);
                env.put("IMAGEGATE_SECRET_KEY", ServerProcess.SECRET_KEY);
                ChildJvm jvm = ChildJvm.start("gw" + i, ChildJvm.Role.GATEWAY, cmd, env,
                        workDir.resolve("gw-" + backend.label() + "-" + i + ".log"));
                URI endpoint = URI.create("http://127.0.0.1:" + port);
                nodes.add(new Node(jvm, endpoint, S3Clients.of(endpoint, clientConnections)));
                // one at a time: the first start registers the root user, the others find it
                awaitReady(nodes.get(i), Duration.ofMinutes(3));
            }
            return new GatewayFleet(nodes);
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (Node n : nodes) {
                n.s3().close();
                n.jvm().close();
            }
            throw e;
        }
    }

    private static void awaitReady(Node n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            n.jvm().requireAlive();
            try {
                n.s3().listBuckets();
                return;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(n.jvm().name + " did not answer within " + timeout + "; see " + n.jvm().log,
                last);
    }

    /** Something to do after the gateways stopped. */
    GatewayFleet onClose(Runnable action) {
        this.onClose = action;
        return this;
    }

    int size() {
        return nodes.size();
    }

    List<S3Client> clients() {
        return nodes.stream().map(Node::s3).toList();
    }

    List<URI> endpoints() {
        return nodes.stream().map(Node::endpoint).toList();
    }

    List<ChildJvm> processes() {
        return nodes.stream().map(Node::jvm).toList();
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.s3().close();
        }
        // stop them together: each waits for its own shutdown hook
        List<Thread> stops = new ArrayList<>();
        for (Node n : nodes) {
            stops.add(Thread.ofPlatform().start(n.jvm()::close));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.run();
    }
}
