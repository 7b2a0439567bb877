package io.imagegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Other people build and test on the same CPUs: before each measured run, wait until the 1-minute
 * load average is below a threshold, out of a budget of waiting shared by the runs the gate is made
 * for (so a machine that never quiets down costs the budget once, not once per run), and say whether
 * the threshold was met.
 */
public final class LoadGate {

    public record Wait(double loadBefore, double loadAfter, double waitedSeconds, boolean met) {}

    private final double threshold;
    private final Consumer<String> say;
    private long budgetNanos;

    /** @param say where the gate tells that it waits and what the load was after */
    public LoadGate(double threshold, Duration budget, Consumer<String> say) {
        this.threshold = threshold;
        this.budgetNanos = budget.toNanos();
        this.say = say;
    }

    /** The 1-minute load average, NaN when /proc/loadavg cannot be read. */
    public static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    public Wait await() throws InterruptedException {
        double before = load1();
        long t0 = System.nanoTime();
        double now = before;
        if (now >= threshold && budgetNanos > 0) {
            say.accept("load average %.2f >= %.2f: waiting (up to %d s left of the wait budget)"
                    .formatted(now, threshold, budgetNanos / 1_000_000_000L));
            while (now >= threshold && System.nanoTime() - t0 < budgetNanos) {
                Thread.sleep(5_000);
                now = load1();
            }
            budgetNanos -= System.nanoTime() - t0;
            say.accept("load average %.2f after %.0f s%s".formatted(now, (System.nanoTime() - t0) / 1e9,
                    now < threshold ? "" : ": threshold not met, measuring anyway (flagged)"));
        }
        return new Wait(before, now, (System.nanoTime() - t0) / 1e9, now < threshold);
    }
}
