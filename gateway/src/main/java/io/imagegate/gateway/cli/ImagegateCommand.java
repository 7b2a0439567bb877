package io.imagegate.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code imagegate} command: the gateway and its administration. */
@Command(name = "imagegate", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "S3-compatible object gateway for virtual-machine and disk images.",
        subcommands = {ServeCommand.class, UserCommand.class, GcCommand.class, StatsCommand.class, LifecycleCommand.class,
                CommandLine.HelpCommand.class})
public final class ImagegateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new ImagegateCommand())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("imagegate: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                    return 1;
                })
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
