package io.imagegate.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bench/run}: the benchmarks, one subcommand each. */
@Command(name = "bench/run", mixinStandardHelpOptions = true,
        description = "Reproducible benchmarks of imagegate against peer S3 servers.",
        subcommands = {S3ThroughputCommand.class, io.imagegate.bench.snapshots.MultisnapshotCommand.class,
                io.imagegate.bench.scaleout.ScaleOutCommand.class, io.imagegate.bench.deploy.MultideploymentCommand.class,
                io.imagegate.bench.agentread.AgentReadCommand.class, io.imagegate.bench.agentread.BootCommand.class,
                io.imagegate.bench.chaos.ChaosCommand.class,
                CommandLine.HelpCommand.class})
public final class BenchCommand {

    @CommandLine.Option(names = "--ca-bundle", paramLabel = "FILE",
            description = "PEM bundle of the CA authorities https endpoints are trusted by (default: $AWS_CA_BUNDLE).")
    void caBundle(java.nio.file.Path file) {
        BenchTls.use(file);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line of {@code bench/run}, with every benchmark and the converters their options need. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.registerConverter(ByteSize.class, ByteSize::parse);
        return cli;
    }
}
