package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.AgentStatus;
import io.imagegate.agent.daemon.ControlClient;
import io.imagegate.agent.daemon.ExportStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code status}: every export with its fetch, cache, overlay, prefetch and snapshot state. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the agent's exports and cache.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--json", description = "the raw status as JSON")
    boolean json;

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        ControlClient c = new ControlClient(daemon.controlSocket());
        if (json) {
            System.out.println(c.statusJson().toPrettyString());
            return 0;
        }
        AgentStatus s = c.status();
        System.out.printf("agent pid %d, control %s, data %s%n", s.pid(), s.control(), s.dataDir());
        System.out.printf("cache %s: %d chunks, %s of %s, %d evicted, %d corrupt found%n", s.cache().directory(),
                s.cache().entries(), human(s.cache().bytes()), human(s.cache().maxBytes()), s.cache().evictions(),
                s.cache().corrupt());
        for (ExportStatus e : s.exports()) {
            System.out.printf("%n%s  %s%n", e.name(), e.url());
            System.out.printf("  object    %s version %s (%s, %s%s)%n", e.object(), e.versionId(), e.mode(),
                    human(e.size()), e.readOnly() ? ", read-only" : "");
            System.out.printf("  fetched   %s in %d requests (%d chunks), %d cache hits, %d shared, %d read ahead, "
                            + "%d retries, %d failed%n", human(e.fetchedBytes()), e.fetchRequests(), e.fetchedChunks(),
                    e.cacheHits(), e.sharedFetches(), e.readAheadChunks(), e.fetchRetries(), e.fetchFailures());
            System.out.printf("  guest     read %s, wrote %s, dirty %s, %d connection(s)%n", human(e.guestReadBytes()),
                    human(e.guestWriteBytes()), human(e.dirtyBytes()), e.connections());
            System.out.printf("  prefetch  %d/%d chunks (profile: %s)%n", e.prefetchDone(), e.prefetchTotal(),
                    e.profile());
            if (e.hydrate() != null) {
                System.out.printf("  hydrate   %s%n", hydration(e));
            }
            System.out.printf("  snapshot  %s, %d taken%s%n", e.snapshot(), e.snapshots(),
                    e.lastSnapshotVersion() == null ? "" : ", last version " + e.lastSnapshotVersion());
        }
        for (String d : s.dormant()) {
            System.out.printf("%n%s  not served (attach it again to resume its overlay)%n", d);
        }
        return 0;
    }

    /** "42% (1.2 GiB of 2.9 GiB), 3 min left at 200.0 MiB/s, hydrating" */
    static String hydration(ExportStatus e) {
        long pct = e.hydrateTotalBytes() == 0 ? 100 : e.hydratedBytes() * 100 / e.hydrateTotalBytes();
        String eta = e.hydrateEtaSeconds() < 0 ? "time left not known yet"
                : e.hydrateEtaSeconds() < 120 ? e.hydrateEtaSeconds() + " s left"
                : (e.hydrateEtaSeconds() + 59) / 60 + " min left";
        return String.format("%d%% (%s of %s), %s at %s/s, %s", pct, human(e.hydratedBytes()),
                human(e.hydrateTotalBytes()), eta, human(e.hydrateRate()), e.hydrate());
    }

    static String human(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
