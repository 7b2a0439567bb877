package io.imagegate.bench.agentread;

import io.imagegate.agent.daemon.AgentException;
import io.imagegate.agent.daemon.AttachRequest;
import io.imagegate.agent.daemon.AttachResult;
import io.imagegate.agent.daemon.ControlClient;
import io.imagegate.agent.daemon.ExportStatus;
import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node agent as a node runs it: {@code imagegate-agent run} in a JVM of its own (the shaded
 * agent jar, {@code -Xmx1g} as the launcher gives it), with a data directory and a node cache
 * of its own; exports attached through its control socket, served on unix sockets.
 */
final class AgentDaemon implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final ControlClient control;
    private final Path log;

    private AgentDaemon(Process process, Path dir, ControlClient control, Path log) {
        this.process = process;
        this.dir = dir;
        this.control = control;
        this.log = log;
    }

    static AgentDaemon start(Path java, Path agentJar, Path dir, String heap, List<String> jvmOptions, int parallel)
            throws IOException, InterruptedException {
        ServerProcess.deleteTree(dir);
        Files.createDirectories(dir);
        Path socket = dir.resolve("control.sock");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx" + heap));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", agentJar.toString(),
                "io.imagegate.agent.cli.AgentCommand", "run", "--control", socket.toString(), "--data",
                dir.resolve("data").toString(), "--parallel", Integer.toString(parallel)));
        Path log = dir.resolve("agent.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ControlClient.answers(socket)) {
            if (!p.isAlive()) {
                throw new IOException("the agent exited: " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("the agent did not answer within 60 s; see " + log);
            }
            Thread.sleep(50);
        }
        return new AgentDaemon(p, dir, new ControlClient(socket), log);
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** Attaches {@code s3://bucket/key} without a boot profile, served on a unix socket; returns its NBD URI. */
    String attach(URI endpoint, String bucket, String key, String export) throws IOException, AgentException {
        AttachRequest req = AttachRequest.of("s3://" + bucket + "/" + key, endpoint.toString())
                .withSocket(socket(export).toString()).withExport(export).withProfile("off")
                .withKeys(ServerProcess.ACCESS_KEY, ServerProcess.SECRET_KEY, null);
        AttachResult r = control.attach(req);
        return r.url();
    }

    /**
     * Attaches {@code s3://bucket/key} as a node does, served on TCP {@code listen} (host:port) with the boot
     * profile mode {@code profile} (auto, record or off); returns its NBD URL.
     */
    String attachTcp(URI endpoint, String bucket, String key, String export, String profile, String listen)
            throws IOException, AgentException {
        AttachRequest req = AttachRequest.of("s3://" + bucket + "/" + key, endpoint.toString())
                .withListen(listen).withExport(export).withProfile(profile)
                .withKeys(ServerProcess.ACCESS_KEY, ServerProcess.SECRET_KEY, null);
        return control.attach(req).url();
    }

    /** The unix socket an export of {@link #attach} is served on. */
    Path socket(String export) {
        return dir.resolve(export + ".nbd");
    }

    ExportStatus status(String export) throws IOException, AgentException {
        return control.status().exports().stream().filter(e -> e.name().equals(export)).findFirst()
                .orElseThrow(() -> new IOException("no export " + export));
    }

    void detach(String export) throws IOException, AgentException {
        control.detach(export, true);
    }

    @Override
    public void close() {
        try {
            control.shutdown();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | AgentException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
