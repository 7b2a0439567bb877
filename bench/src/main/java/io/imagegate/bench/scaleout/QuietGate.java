package io.imagegate.bench.scaleout;

import java.util.List;
import java.util.function.Supplier;

/**
 * Waits for the shared machine to be quiet before a measurement. Before the first one, while the
 * benchmark's own processes are idle, the 1-minute load average must fall below a threshold. After
 * that the load average mostly reflects the benchmark's own last run (it decays with a one-minute
 * time constant, so a run that kept 40 threads busy leaves it near 10 for minutes), so the gate
 * looks at other people's work directly: the CPU time the machine spent outside the benchmark's
 * processes over a few seconds. Every wait is bounded, and so is their total: a machine that never
 * gets quiet is measured anyway, and the report says how busy it was.
 */
final class QuietGate {

    /** How a wait ended. */
    record Wait(double seconds, double load1, double foreignCores, boolean quiet) {}

    private final double maxLoad;
    private final double maxForeignCores;
    private final double maxWaitSeconds;
    private double budgetSeconds;
    private final Supplier<List<ChildJvm>> processes;

    QuietGate(double maxLoad, double maxForeignCores, double maxWaitSeconds, double budgetSeconds,
              Supplier<List<ChildJvm>> processes) {
        this.maxLoad = maxLoad;
        this.maxForeignCores = maxForeignCores;
        this.maxWaitSeconds = maxWaitSeconds;
        this.budgetSeconds = budgetSeconds;
        this.processes = processes;
    }

    /** Waits until the load average is below the threshold (our processes idle). */
    Wait awaitLowLoad() throws InterruptedException {
        long t0 = System.nanoTime();
        double load = CpuMeter.load1();
        boolean said = false;
        while (load >= maxLoad && waited(t0) < Math.min(maxWaitSeconds, budgetSeconds)) {
            if (!said) {
                ScaleOutCommand.say("waiting for the 1-minute load average (%.2f) to fall below %.1f".formatted(load, maxLoad));
                said = true;
            }
            Thread.sleep(5_000);
            load = CpuMeter.load1();
        }
        double w = waited(t0);
        budgetSeconds = Math.max(0, budgetSeconds - w);
        return new Wait(w, load, Double.NaN, load < maxLoad);
    }

    /** Waits until other work used less than the threshold of CPU over a 5-second window. */
    Wait awaitLittleForeignCpu() throws InterruptedException {
        long t0 = System.nanoTime();
        boolean said = false;
        while (true) {
            CpuMeter.Sample a = CpuMeter.sample(processes.get());
            Thread.sleep(5_000);
            CpuMeter.Use u = CpuMeter.between(a, CpuMeter.sample(processes.get()));
            double foreign = u.foreign() / u.wallSeconds();
            double w = waited(t0);
            if (foreign < maxForeignCores || w >= Math.min(maxWaitSeconds, budgetSeconds)) {
                budgetSeconds = Math.max(0, budgetSeconds - w);
                return new Wait(w, CpuMeter.load1(), foreign, foreign < maxForeignCores);
            }
            if (!said) {
                ScaleOutCommand.say("waiting: other work is using %.2f cores (load average %.2f)"
                        .formatted(foreign, CpuMeter.load1()));
                said = true;
            }
        }
    }

    double budgetLeft() {
        return budgetSeconds;
    }

    private static double waited(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
