package io.imagegate.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code imagegate-agent}: attach image versions as NBD exports, snapshot them, show and end them. */
@Command(name = "imagegate-agent", mixinStandardHelpOptions = true, version = "imagegate-agent 0.1.0",
        description = "Serves S3 image versions as NBD block devices, fetched on demand, snapshotted as new versions.",
        subcommands = {AttachCommand.class, SnapshotCommand.class, HydrateCommand.class, StatusCommand.class, DetachCommand.class,
                RunCommand.class, StopCommand.class})
public final class AgentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling, for the launcher and tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new AgentCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("imagegate-agent: " + e.getMessage());
            return 1;
        });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
