package io.imagegate.bench.chaos;

import io.imagegate.s3compat.history.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs faults one after another while the clients work: a calm period, a fault held for its time
 * and repaired, a calm period, the next, cycling through the list until the next one would not
 * end (with its calm period after it) before the run does. Every injection and repair is stamped
 * on the recorder's clock, so it lines up with the history.
 */
final class FaultSchedule {

    /**
     * One fault as it happened, times in nanoseconds on the recorder's clock: injected, repaired,
     * and when the repaired part served again (ensemble complete, gateway ready; -1 if not within a minute).
     */
    record Event(String name, String target, long injected, long repaired, long serving) {}

    private final ChaosCluster cluster;
    private final Recorder recorder;
    private final List<Fault> faults;
    private final Duration calm;
    private final Consumer<String> log;
    private final List<Event> events = new ArrayList<>();
    private Thread thread;
    private volatile Throwable failure;

    FaultSchedule(ChaosCluster cluster, Recorder recorder, List<Fault> faults, Duration calm, Consumer<String> log) {
        this.cluster = cluster;
        this.recorder = recorder;
        this.faults = List.copyOf(faults);
        this.calm = calm;
        this.log = log;
    }

    void start(Duration total) {
        long end = System.nanoTime() + total.toNanos();
        thread = Thread.ofPlatform().name("fault-schedule").start(() -> {
            try {
                run(end);
            } catch (Throwable e) {
                failure = e;
            }
        });
    }

    private void run(long end) throws InterruptedException {
        for (int i = 0; !faults.isEmpty(); i++) {
            Fault f = faults.get(i % faults.size());
            if (System.nanoTime() + (calm.toNanos() * 2 + f.hold().toNanos()) > end) {
                return;
            }
            Thread.sleep(calm);
            long injected = recorder.now();
            String target = f.inject(cluster);
            log.accept("fault: " + f.name() + " " + target + " for " + f.hold().toSeconds() + " s");
            try {
                Thread.sleep(f.hold());
            } finally {
                f.repair(cluster);
            }
            long repaired = recorder.now();
            long serving = -1;
            for (long until = System.nanoTime() + 60_000_000_000L; System.nanoTime() < until; Thread.sleep(100)) {
                if (f.serving(cluster)) {
                    serving = recorder.now();
                    break;
                }
            }
            log.accept("fault: " + f.name() + " " + target + " repaired, serving again after "
                    + (serving < 0 ? "more than 60" : "%.1f".formatted((serving - repaired) / 1e9)) + " s");
            synchronized (events) {
                events.add(new Event(f.name(), target, injected, repaired, serving));
            }
        }
    }

    /** Waits for the schedule to end (its last fault repaired). */
    List<Event> join() throws InterruptedException {
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("the fault schedule failed", failure);
        }
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
