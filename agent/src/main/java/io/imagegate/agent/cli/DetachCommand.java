package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code detach}: stop serving an export and delete its overlay. */
@Command(name = "detach", mixinStandardHelpOptions = true,
        description = "Stop serving the export and delete its overlay (refused while it holds unsnapshotted writes).")
final class DetachCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EXPORT")
    String export;

    @Option(names = "--discard", description = "detach even though writes not in any version would be lost")
    boolean discard;

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        new ControlClient(daemon.controlSocket()).detach(export, discard);
        System.err.println("detached " + export);
        return 0;
    }
}
