package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of processes and the load average, from /proc (Linux; USER_HZ = 100). */
final class ProcStat {

    private static final double TICKS = 100.0;

    /** User and system CPU seconds. */
    record Cpu(double user, double system) {
        static final Cpu NONE = new Cpu(Double.NaN, Double.NaN);

        double total() {
            return user + system;
        }

        Cpu minus(Cpu o) {
            return new Cpu(user - o.user, system - o.system);
        }
    }

    private ProcStat() {}

    /** CPU time of {@code pid} so far, NaN when it cannot be read. */
    static Cpu cpu(long pid) {
        try {
            String[] f = fields(Files.readString(Path.of("/proc/" + pid + "/stat")));
            return new Cpu(Long.parseLong(f[11]) / TICKS, Long.parseLong(f[12]) / TICKS); // utime, stime
        } catch (IOException | RuntimeException e) {
            return Cpu.NONE;
        }
    }

    /** CPU seconds of the threads of {@code pid} whose name starts with one of {@code prefixes} (e.g. the JIT compilers). */
    static double threadsCpu(long pid, String... prefixes) {
        double sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    for (String p : prefixes) {
                        if (comm.startsWith(p)) {
                            String[] f = fields(stat);
                            sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
                            break;
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return sum;
    }

    /** CPU time of the children a process has waited for (cutime, cstime), from its stat line. */
    static Cpu children(String stat) {
        String[] f = fields(stat);
        return new Cpu(Long.parseLong(f[13]) / TICKS, Long.parseLong(f[14]) / TICKS);
    }

    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }

    static double load1() {
        return io.imagegate.bench.LoadGate.load1();
    }
}
