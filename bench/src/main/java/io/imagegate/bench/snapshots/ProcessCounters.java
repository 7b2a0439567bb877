package io.imagegate.bench.snapshots;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds of the client (this JVM) and of a server process, and the bytes this JVM passed to
 * write(2) ({@code wchar} of /proc/self/io: the socket-level cross-check of the counted bytes,
 * since the client writes nothing else while a method runs).
 */
record ProcessCounters(double clientCpuSeconds, double serverCpuSeconds, long clientWriteSyscallBytes) {

    private static final double TICKS = 100.0; // USER_HZ on Linux

    static ProcessCounters read(long serverPid) {
        double client = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        return new ProcessCounters(client, serverCpu(serverPid), wchar());
    }

    ProcessCounters minus(ProcessCounters before) {
        return new ProcessCounters(clientCpuSeconds - before.clientCpuSeconds, serverCpuSeconds - before.serverCpuSeconds,
                clientWriteSyscallBytes - before.clientWriteSyscallBytes);
    }

    private static double serverCpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS; // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long wchar() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("wchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable
        }
        return -1;
    }
}
