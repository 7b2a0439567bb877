package io.imagegate.bench.deploy;

import io.imagegate.bench.LoadGate;
import io.imagegate.bench.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One measured run: N nodes of one method boot the image at once through a fresh shaped network.
 * The clock starts when every node is set up and stops when the last one has replayed its whole
 * boot trace; the bytes are what crossed the nodes' links, both directions, headers included.
 */
final class DeploymentRun {

    /** What one run measured. */
    record Result(Method method, int nodes, int repeat, double seconds, double medianNodeSeconds, long wireBytes,
                  long gatewayCpuMillis, long nodeCpuMillis, double loadBefore, double loadAfter, boolean loadMet,
                  Map<String, Long> counters, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Everything a run needs besides its method and node count. */
    record Setup(Gateway gateway, ServerProcess server, TraceReplay replay, Path localImage, Bandwidth nodeLink,
                 Bandwidth gatewayLink, AgentNode.Settings agent, List<String> nbdkitArgs, Path nodesDir) {}

    private final Setup setup;

    DeploymentRun(Setup setup) {
        this.setup = setup;
    }

    Result run(Method method, int n, int repeat, LoadGate.Wait load) throws Exception {
        Path dir = setup.nodesDir();
        ServerProcess.deleteTree(dir);
        List<DeployNode> nodes = new ArrayList<>();
        String error = null;
        double seconds = Double.NaN;
        double median = Double.NaN;
        long bytes;
        long cpuBefore = cpuMillis(setup.server());
        long benchCpuBefore = benchCpuMillis();
        long nodeCpu = 0;
        Map<String, Long> counters = new LinkedHashMap<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try (ShapedNetwork net = new ShapedNetwork(setup.gateway().endpoint(), setup.nodeLink().bitsPerSecond(),
                setup.gatewayLink().bitsPerSecond())) {
            for (int i = 0; i < n; i++) {
                String name = "node" + i;
                Path nodeDir = dir.resolve(name);
                Files.createDirectories(nodeDir);
                ShapedNetwork.NodeLink link = net.attach(name);
                nodes.add(switch (method) {
                    case PREPROPAGATION -> new PrepropagationNode(nodeDir, link, setup.gateway(), setup.localImage());
                    case AGENT -> new AgentNode(name, nodeDir, link, setup.gateway(), false, setup.agent());
                    case AGENT_PREFETCH -> new AgentNode(name, nodeDir, link, setup.gateway(), true, setup.agent());
                    case NBDKIT -> new NbdkitNode(name, nodeDir, link, setup.gateway(), setup.nbdkitArgs());
                });
            }
            for (DeployNode node : nodes) {
                node.prepare();
            }
            long t0 = System.nanoTime();
            List<Future<Double>> done = new ArrayList<>();
            for (DeployNode node : nodes) {
                done.add(pool.submit(() -> {
                    node.boot(setup.replay());
                    return (System.nanoTime() - t0) / 1e9;
                }));
            }
            double[] each = new double[n];
            for (int i = 0; i < n; i++) {
                try {
                    each[i] = done.get(i).get();
                } catch (ExecutionException e) {
                    error = "node" + i + ": " + e.getCause();
                    each[i] = Double.NaN;
                }
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            java.util.Arrays.sort(each);
            median = each[n / 2];
            bytes = net.totalBytes();
            for (DeployNode node : nodes) {
                node.counters().forEach((k, v) -> counters.merge(k, v, Long::sum));
            }
            // node side: this JVM (in-process nodes, their links' proxies, the replaying NBD clients) plus node processes
            nodeCpu = benchCpuMillis() - benchCpuBefore + counters.getOrDefault("processCpuMillis", 0L);
        } finally {
            pool.shutdownNow();
            nodes.forEach(DeployNode::close);
            ServerProcess.deleteTree(dir);
        }
        return new Result(method, n, repeat, seconds, median, bytes, cpuMillis(setup.server()) - cpuBefore, nodeCpu,
                load.loadAfter(), LoadGate.load1(), load.met(), counters, error);
    }

    private static long benchCpuMillis() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
    }

    private static long cpuMillis(ServerProcess server) {
        return server.process.info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
    }
}
