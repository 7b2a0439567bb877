package io.imagegate.bench.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node running nbdkit's curl plugin over the image's URL, with the cow filter for the guest's
 * writes and the cache filter for what it read, both in the node's directory (TMPDIR): the
 * off-the-shelf lazy alternative. The process is started before the clock; its first request to the
 * gateway (the plugin's HEAD) happens when the replay connects. The URL is the plain one of a
 * public-read object, not a presigned one: nbdkit 1.32's curl plugin learns the size with a HEAD
 * request, which a presigned GET does not authorize (SigV4 signs the method), so it cannot open one.
 */
final class NbdkitNode implements DeployNode {

    private final String name;
    private final Path dir;
    private final ShapedNetwork.NodeLink link;
    private final Gateway gateway;
    private final List<String> extraArgs;
    private Process process;
    private long cpuMillis;

    NbdkitNode(String name, Path dir, ShapedNetwork.NodeLink link, Gateway gateway, List<String> extraArgs) {
        this.name = name;
        this.dir = dir;
        this.link = link;
        this.gateway = gateway;
        this.extraArgs = extraArgs;
    }

    static List<String> command(Path socket, String url, List<String> extraArgs) {
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "--foreground", "--exit-with-parent", "--unix",
                socket.toString(), "--filter=cow", "--filter=cache", "curl", "url=" + url));
        cmd.addAll(extraArgs);
        return cmd;
    }

    @Override
    public void prepare() throws IOException, InterruptedException {
        Path tmp = dir.resolve("tmp");
        Files.createDirectories(tmp);
        Path socket = dir.resolve("nbd.sock");
        ProcessBuilder pb = new ProcessBuilder(command(socket, gateway.publicUrl(link.endpoint()),
                extraArgs)).redirectErrorStream(true).redirectOutput(dir.resolve("nbdkit.log").toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                throw new IOException("nbdkit ended: " + Files.readString(dir.resolve("nbdkit.log")));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("nbdkit did not listen within 60 s");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void boot(TraceReplay replay) throws IOException {
        try (BlockTarget t = BlockTarget.nbd(NbdClient.unix(dir.resolve("nbd.sock"), ""))) {
            replay.run(t);
        }
        cpuMillis = process.info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L);
    }

    @Override
    public java.util.Map<String, Long> counters() {
        return java.util.Map.of("processCpuMillis", cpuMillis);
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
