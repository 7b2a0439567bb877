package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a reading tool (nbdcopy, qemu-img, curl) under a shell that reports the tool's CPU
 * time: the shell waits for it, then copies its own /proc stat, whose cutime and cstime now hold
 * the tool's. Wall time is measured around the whole, the shell's start included (milliseconds).
 */
record ClientRun(double wallSeconds, ProcStat.Cpu cpu, String output) {

    static ClientRun run(Path workDir, List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path stat = Files.createTempFile(workDir, "client", ".stat");
        Path out = Files.createTempFile(workDir, "client", ".out");
        try {
            List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                    "\"$@\"; rc=$?; cat /proc/$$/stat > '" + stat + "'; exit $rc", "sh"));
            cmd.addAll(command);
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " took over " + timeoutSeconds + " s");
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + text.strip());
            }
            return new ClientRun(wall, ProcStat.children(Files.readString(stat)), text);
        } finally {
            Files.deleteIfExists(stat);
            Files.deleteIfExists(out);
        }
    }
}
