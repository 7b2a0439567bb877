package io.imagegate.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The Debian NBD clients the tests drive (qemu-utils, libnbd-bin), and skipping cleanly without them. */
public final class Tools {

    private Tools() {}

    public static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test unless {@code tool} is installed, naming the package that has it. */
    public static void require(String tool) {
        String pkg = switch (tool) {
            case "qemu-img", "qemu-io", "qemu-nbd" -> "qemu-utils";
            case "nbdinfo", "nbdcopy", "nbdsh" -> "libnbd-bin";
            default -> tool;
        };
        Assumptions.assumeTrue(has(tool), tool + " is not installed: apt-get install " + pkg + " (.ci/run does)");
    }

    public record Result(int exit, String out, String err) {}

    /** Runs a command to completion (at most two minutes) and returns what it printed. */
    public static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread a = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread b = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        a.join();
        b.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed. */
    public static String ok(List<String> cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit + ": " + r.err + r.out);
        }
        return r.out;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
