package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code stop}: end the agent process; attachments stay on disk and are served again at the next start. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop the agent (attachments stay on disk and come back with the next start).")
final class StopCommand implements Callable<Integer> {

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        new ControlClient(daemon.controlSocket()).shutdown();
        System.err.println("the agent is stopping");
        return 0;
    }
}
