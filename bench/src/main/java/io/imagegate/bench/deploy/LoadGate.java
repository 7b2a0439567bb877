package io.imagegate.bench.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Other people build and test on the same CPUs: before each measured run, wait until the 1-minute
 * load average is below a threshold, out of a budget of waiting shared by the runs of one repeat
 * (so a machine that never quiets down costs the budget once, not once per run), and say whether
 * the threshold was met.
 */
final class LoadGate {

    record Wait(double loadBefore, double loadAfter, double waitedSeconds, boolean met) {}

    private final double threshold;
    private long budgetNanos;

    LoadGate(double threshold, Duration budget) {
        this.threshold = threshold;
        this.budgetNanos = budget.toNanos();
    }

    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }

    Wait await() throws InterruptedException {
        double before = load1();
        long t0 = System.nanoTime();
        double now = before;
        if (now >= threshold && budgetNanos > 0) {
            MultideploymentCommand.say("load average %.2f >= %.2f: waiting (up to %d s left for this repeat)"
                    .formatted(now, threshold, budgetNanos / 1_000_000_000L));
            while (now >= threshold && System.nanoTime() - t0 < budgetNanos) {
                Thread.sleep(10_000);
                now = load1();
            }
            budgetNanos -= System.nanoTime() - t0;
            MultideploymentCommand.say("load average %.2f after %.0f s%s".formatted(now, (System.nanoTime() - t0) / 1e9,
                    now < threshold ? "" : ": threshold not met, measuring anyway (flagged)"));
        }
        return new Wait(before, now, (System.nanoTime() - t0) / 1e9, now < threshold);
    }
}
