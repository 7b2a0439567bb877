package io.imagegate.gateway.cli;

import io.imagegate.gateway.gc.StorageReport;
import io.imagegate.gateway.gc.StorageReports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code imagegate stats}: the storage report (logical and physical bytes, chunks, dedup ratio). */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Print logical and physical bytes, chunk counts and dedup ratios, per bucket and in total.")
final class StatsCommand implements Callable<Integer> {

    @Option(names = "--bucket", description = "Report one bucket only.")
    String bucket;

    @Option(names = "--json", description = "Print the JSON the storage-report extension returns.")
    boolean json;

    @Mixin
    StoreTarget target;

    @Override
    public Integer call() throws Exception {
        StorageReport report = target.run((meta, chunks) ->
                new StorageReports(meta, chunks, Duration.ZERO).compute(bucket));
        System.out.print(json ? new String(report.toJson(), StandardCharsets.UTF_8) + "\n" : report.toText());
        return 0;
    }
}
