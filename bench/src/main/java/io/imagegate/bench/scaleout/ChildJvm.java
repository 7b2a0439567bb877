package io.imagegate.bench.scaleout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One process of the benchmark's cluster (a ZooKeeper server, a gateway, s3proxy), started with
 * its output in a log file, with a role that says which CPU column its time goes to.
 */
public final class ChildJvm implements AutoCloseable {

    /** Which part of the system a process is, for CPU accounting. */
    public enum Role { ZOOKEEPER, GATEWAY, BACKEND }

    final String name;
    final Role role;
    final Process process;
    final Path log;
    final List<String> command;
    private final Map<String, String> env;

    private ChildJvm(String name, Role role, Process process, Path log, List<String> command, Map<String, String> env) {
        this.name = name;
        this.role = role;
        this.process = process;
        this.log = log;
        this.command = command;
        this.env = env;
    }

    public static ChildJvm start(String name, Role role, List<String> command, Map<String, String> env, Path log) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            return new ChildJvm(name, role, pb.start(), log, List.copyOf(command), Map.copyOf(env));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same command started again (its output appended to the same log), as after a crash. */
    public ChildJvm restart() {
        return start(name, role, command, env, log);
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, and wait for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with kill(1). */
    public void signal(String name) {
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fails with the log's tail when the process has exited. */
    public void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log + ":\n"
                    + tail(log, 15));
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                signal("CONT"); // a stopped process cannot run its shutdown hook
            } catch (RuntimeException e) {
                // it exited meanwhile
            }
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
