package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts and stops JFR recordings in a running JVM with jcmd, so that each measured read gets a profile of its own. */
final class Jfr {

    private final Path jcmd;
    private final Path dir;

    Jfr(Path javaHome, Path dir) {
        this.jcmd = javaHome.resolve("bin").resolve("jcmd");
        this.dir = dir;
    }

    void start(long pid, String name) throws IOException, InterruptedException {
        jcmd(pid, "JFR.start", "name=" + name, "settings=profile", "method-profiling=max");
    }

    /** Stops the recording and writes it; returns the file. */
    Path stop(long pid, String name) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(dir);
        Path file = dir.resolve(name + ".jfr");
        jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file);
        return file;
    }

    private void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + String.join(" ", args) + " failed: " + out);
        }
    }
}
