package io.imagegate.gateway.cli;

import io.imagegate.chunk.CollectionReport;
import io.imagegate.gateway.gc.GarbageCollection;
import io.imagegate.gateway.gc.GcOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code imagegate gc}: one garbage collection now, while gateways run. It takes the same lock
 * as the gateways' periodic collections, so it waits for (or gives up behind) one under way.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Collect unreferenced chunks now and print what was freed (safe while gateways run).")
final class GcCommand implements Callable<Integer> {

    @Option(names = "--dry-run", description = "Report what a collection would free; change nothing.")
    boolean dryRun;

    @Option(names = "--grace", defaultValue = "1h", converter = DurationConverter.class,
            description = "Never touch packs younger than this (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--rewrite-threshold", defaultValue = "0.5",
            description = "Rewrite packs whose live fraction is below this (default: ${DEFAULT-VALUE}).")
    double rewriteThreshold;

    @Option(names = "--wait", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to wait while another collector runs (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Mixin
    StoreTarget target;

    @Override
    public Integer call() throws Exception {
        GcOptions options = GcOptions.defaults().withGrace(grace).withRewriteThreshold(rewriteThreshold);
        Optional<CollectionReport> report = target.run((meta, chunks) ->
                new GarbageCollection(meta, chunks, options).collect(dryRun, wait));
        if (report.isEmpty()) {
            System.err.println("imagegate: another collector held the lock for " + wait + "; nothing was done");
            return 2;
        }
        print(report.get());
        return report.get().anomalies() == 0 ? 0 : 3;
    }

    static void print(CollectionReport r) {
        System.out.println(r.dryRun() ? "dry run: nothing was changed; a collection would have" : "collected:");
        System.out.printf("  packs deleted        %d%n", r.packsDeleted());
        System.out.printf("  packs rewritten      %d (into %d new packs)%n", r.packsRewritten(), r.packsWritten());
        System.out.printf("  bytes freed          %d%n", r.bytesFreed());
        System.out.printf("  bytes copied         %d%n", r.bytesCopied());
        System.out.printf("  net bytes freed      %d%n", r.netBytesFreed());
        System.out.printf("  redirects written    %d, deleted %d%n", r.redirectsWritten(), r.redirectsDeleted());
        System.out.printf("  marked               %d roots, %d pinned by writes in flight, %d pages%n", r.rootsMarked(),
                r.pinnedRoots(), r.pagesMarked());
        System.out.printf("  packs listed         %d (candidates created before %s)%n", r.packsListed(), r.cutoff());
        System.out.printf("  time                 mark %d ms, sweep %d ms%n", r.markTime().toMillis(), r.sweepTime().toMillis());
        if (r.anomalies() > 0) {
            System.out.printf("  ANOMALIES            %d (references to missing data; see the log)%n", r.anomalies());
        }
    }
}
