package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nbdkit's curl plugin over the object's plain URL (the object is public-read: nbdkit 1.32 learns
 * the size with HEAD, which a presigned GET does not allow), optionally with the cow and cache
 * filters, the cache filter keeping what it reads ({@code cache-on-read=true}) in TMPDIR.
 */
final class NbdkitServer implements AutoCloseable {

    private final Process process;
    private final String uri;

    private NbdkitServer(Process process, String uri) {
        this.process = process;
        this.uri = uri;
    }

    static NbdkitServer start(Path dir, String url, boolean filters) throws IOException, InterruptedException {
        io.imagegate.bench.ServerProcess.deleteTree(dir);
        Path tmp = dir.resolve("tmp");
        Files.createDirectories(tmp);
        Path socket = dir.resolve("nbd.sock");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "--foreground", "--exit-with-parent", "--unix",
                socket.toString()));
        if (filters) {
            cmd.addAll(List.of("--filter=cow", "--filter=cache"));
        }
        cmd.addAll(List.of("curl", "url=" + url));
        if (filters) {
            cmd.add("cache-on-read=true");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("nbdkit.log").toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            if (!p.isAlive()) {
                throw new IOException("nbdkit ended: " + Files.readString(dir.resolve("nbdkit.log")));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("nbdkit did not listen within 30 s");
            }
            Thread.sleep(20);
        }
        return new NbdkitServer(p, "nbd+unix:///?socket=" + socket);
    }

    /**
     * nbdkit on TCP {@code 127.0.0.1:port} with the cow and cache filters (the cache keeping what it reads),
     * {@code filtersBefore} outermost (e.g. {@code log}), and {@code params} added to the plugin's; returns
     * once nbdkit listens (it writes its pid file then).
     */
    static NbdkitServer startTcp(Path dir, String url, int port, List<String> filtersBefore, List<String> params)
            throws IOException, InterruptedException {
        io.imagegate.bench.ServerProcess.deleteTree(dir);
        Path tmp = dir.resolve("tmp");
        Files.createDirectories(tmp);
        Path pidFile = dir.resolve("nbdkit.pid");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "--foreground", "--exit-with-parent", "--ipaddr",
                "127.0.0.1", "--port", Integer.toString(port), "--pidfile", pidFile.toString()));
        for (String f : filtersBefore) {
            cmd.add("--filter=" + f);
        }
        cmd.addAll(List.of("--filter=cow", "--filter=cache", "curl", "url=" + url, "cache-on-read=true"));
        cmd.addAll(params);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("nbdkit.log").toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(pidFile) || Files.size(pidFile) == 0) {
            if (!p.isAlive()) {
                throw new IOException("nbdkit ended: " + Files.readString(dir.resolve("nbdkit.log")));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("nbdkit did not listen within 30 s");
            }
            Thread.sleep(5);
        }
        return new NbdkitServer(p, "nbd://127.0.0.1:" + port);
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("nbdkit", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    long pid() {
        return process.pid();
    }

    String uri() {
        return uri;
    }

    @Override
    public void close() {
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
