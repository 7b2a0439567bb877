package io.imagegate.bench.scaleout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of every process of the benchmark (by role, and this JVM as the client) and of the
 * whole machine over a measurement, from /proc. What the machine spent beyond our processes is
 * other people's work on the shared CPUs: the noise a number carries.
 */
final class CpuMeter {

    private static final double TICKS = 100.0; // USER_HZ on Linux

    /** A reading at one moment. */
    record Sample(long nanos, double machineBusy, double machineTotal, Map<String, Double> processes,
                  Map<String, ChildJvm.Role> roles, double load1) {}

    /** What a measurement used, in CPU seconds. */
    record Use(double wallSeconds, double zookeeper, double gateways, double backend, double client,
               double machineBusy, double machineCapacity, Map<String, Double> byProcess, double loadStart,
               double loadEnd) {

        /** CPU seconds of the servers: gateways, ZooKeeper and the chunk backend (not the load generator). */
        double servers() {
            return zookeeper + gateways + backend;
        }

        double ours() {
            return servers() + client;
        }

        /** CPU seconds the machine spent on work that is not this benchmark's. */
        double foreign() {
            return Math.max(0, machineBusy - ours());
        }
    }

    private CpuMeter() {}

    static Sample sample(List<ChildJvm> children) {
        double[] machine = machine();
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, ChildJvm.Role> roles = new LinkedHashMap<>();
        for (ChildJvm c : children) {
            cpu.put(c.name, processSeconds(c.pid()));
            roles.put(c.name, c.role);
        }
        cpu.put("client", processSeconds(ProcessHandle.current().pid()));
        return new Sample(System.nanoTime(), machine[0], machine[1], cpu, roles, load1());
    }

    static Use between(Sample a, Sample b) {
        double zk = 0;
        double gw = 0;
        double backend = 0;
        Map<String, Double> by = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : b.processes().entrySet()) {
            Double before = a.processes().get(e.getKey());
            if (before == null || e.getValue().isNaN() || before.isNaN()) {
                continue;
            }
            double d = e.getValue() - before;
            by.put(e.getKey(), d);
            ChildJvm.Role role = b.roles().get(e.getKey());
            if (role == null) {
                continue;
            }
            switch (role) {
                case ZOOKEEPER -> zk += d;
                case GATEWAY -> gw += d;
                case BACKEND -> backend += d;
            }
        }
        double client = by.getOrDefault("client", 0.0);
        return new Use((b.nanos() - a.nanos()) / 1e9, zk, gw, backend, client, b.machineBusy() - a.machineBusy(),
                b.machineTotal() - a.machineTotal(), by, a.load1(), b.load1());
    }

    static double load1() {
        return io.imagegate.bench.LoadGate.load1();
    }

    private static double processSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS; // utime, stime
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Busy and total CPU seconds of all CPUs since boot. Busy is user, nice and system time only:
     * interrupt time is mostly the loopback traffic of the benchmark itself, which no process is
     * charged for, and would otherwise count as other people's work.
     */
    private static double[] machine() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
            return new double[] {busy / TICKS, total / TICKS};
        } catch (IOException | RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
    }
}
