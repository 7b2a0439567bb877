package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.AgentConfig;
import io.imagegate.agent.daemon.ControlClient;
import io.imagegate.agent.daemon.ExportStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hydrate}: fetch the rest of an export's version into the node cache in the background. */
@Command(name = "hydrate", mixinStandardHelpOptions = true,
        description = "Fetch the whole version of an export into the node cache in the background (after its boot "
                + "profile, at a bounded rate, giving way to the guest's reads), so that it stops depending on the "
                + "store; kept across agent restarts. Progress in status.")
final class HydrateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EXPORT")
    String export;

    @Option(names = "--rate", paramLabel = "SIZE", description = "bytes a second at most, e.g. 200M (default 200M)")
    String rate;

    @Option(names = "--stop", description = "stop hydrating the export")
    boolean stop;

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        ControlClient c = new ControlClient(daemon.controlSocket());
        Long r = stop ? null : rate == null ? AgentConfig.DEFAULT_HYDRATE_RATE : AgentConfig.parseSize(rate);
        ExportStatus s = c.hydrate(export, r);
        System.out.println(stop ? "hydration of " + export + " stopped"
                : "hydrating " + export + " at " + StatusCommand.human(r) + "/s: " + StatusCommand.hydration(s));
        return 0;
    }
}
