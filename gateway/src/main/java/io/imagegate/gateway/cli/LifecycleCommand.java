package io.imagegate.gateway.cli;

import io.imagegate.gateway.gc.GarbageCollection;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.gateway.lifecycle.LifecycleReport;
import io.imagegate.gateway.lifecycle.LifecycleRunner;
import io.imagegate.gateway.lifecycle.PhysicalBytes;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code imagegate lifecycle}: what the buckets' lifecycle rules would remove now, rule by rule, in
 * objects, logical bytes and the physical bytes the collector would then free ({@code --dry-run}),
 * or apply them now ({@code --run}) under the collector lock, as the gateways' periodic rounds do.
 */
@Command(name = "lifecycle", mixinStandardHelpOptions = true,
        description = "Show what the lifecycle rules would remove now (--dry-run), or apply them now (--run).")
final class LifecycleCommand implements Callable<Integer> {

    static final class Mode {
        @Option(names = "--dry-run", required = true,
                description = "Report what each rule would remove now, with the physical bytes it frees; change nothing.")
        boolean dryRun;

        @Option(names = "--run", required = true,
                description = "Apply the rules now (resuming an interrupted run); safe while gateways run.")
        boolean run;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--bucket", description = "Only this bucket (--dry-run only).")
    String bucket;

    @Option(names = "--at", description = "Judge the rules at this instant (ISO-8601, e.g. 2030-01-01T00:00:00Z) "
            + "instead of now: what would they remove by then? (--dry-run only)")
    Instant at;

    @Option(names = "--wait", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long --run waits while a collector or another run holds the lock (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Mixin
    StoreTarget target;

    private final Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        if (mode.run && (bucket != null || at != null)) {
            System.err.println("imagegate: --bucket and --at apply to --dry-run only: a run covers every bucket, now");
            return 2;
        }
        Clock judged = at != null ? Clock.fixed(at, java.time.ZoneOffset.UTC) : clock;
        return target.run((meta, chunks) -> {
            LifecycleRunner runner = new LifecycleRunner(meta, judged);
            if (mode.dryRun) {
                print(System.out, PhysicalBytes.report(meta, chunks, runner.dryRun(bucket)));
                return 0;
            }
            Optional<LifecycleReport> report = new GarbageCollection(meta, chunks, GcOptions.defaults())
                    .runLifecycle(runner, wait);
            if (report.isEmpty()) {
                System.err.println("imagegate: a collector or another lifecycle run held the lock for " + wait
                        + "; nothing was done");
                return 2;
            }
            print(System.out, report.get());
            return 0;
        });
    }

    static void print(PrintStream out, LifecycleReport r) {
        out.println((r.dryRun() ? "dry run: nothing was changed; the rules would remove, judged at "
                : (r.resumed() ? "resumed and finished a run judged at " : "applied the rules, judged at ")) + r.now());
        out.printf("%-20s %-24s %10s %10s %8s %8s %16s %16s%n", "bucket", "rule", "noncurrent", "current", "markers",
                "uploads", "logical bytes", "physical bytes");
        for (LifecycleReport.RuleTally t : r.rules()) {
            out.printf("%-20s %-24s %10d %10d %8d %8d %16d %16s%n", t.bucket(), t.rule(), t.noncurrentExpired(),
                    t.currentExpired(), t.markersRemoved(), t.uploadsAborted(), t.logicalBytes(),
                    t.physicalBytes() < 0 ? "-" : String.valueOf(t.physicalBytes()));
        }
        out.printf("total: %d versions expired, %d delete markers removed, %d uploads aborted, %d logical bytes",
                r.versionsExpired(), r.markersRemoved(), r.uploadsAborted(), r.logicalBytes());
        if (r.physicalBytes() >= 0) {
            out.printf(", %d physical bytes freed once collected (chunks and manifest pages nothing else references)",
                    r.physicalBytes());
        }
        out.println();
        if (r.skipped() > 0) {
            out.printf("%d keys changed while being decided about and were left to the next run%n", r.skipped());
        }
    }
}
