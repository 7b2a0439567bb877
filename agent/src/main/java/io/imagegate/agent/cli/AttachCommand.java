package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.AgentConfig;
import io.imagegate.agent.daemon.AttachRequest;
import io.imagegate.agent.daemon.AttachResult;
import io.imagegate.agent.daemon.ControlClient;
import io.imagegate.tls.CaBundle;
import io.imagegate.tls.TlsFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/** {@code attach}: serve an image version as an NBD export, starting the agent first if none runs. */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = "Serve s3://BUCKET/KEY[?versionId=V] as an NBD export (starts the agent if none runs).")
final class AttachCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "s3://BUCKET/KEY[?versionId=V]")
    String object;

    @Option(names = "--endpoint", paramLabel = "URL", description = "the S3 endpoint, e.g. http://gateway:9000 (default: AWS)")
    String endpoint;

    @Option(names = "--ca-bundle", paramLabel = "FILE", description = "PEM bundle of the certificate authorities an "
            + "https endpoint is trusted by, as aws-cli's --ca-bundle (default: $AWS_CA_BUNDLE; unset: the JDK's)")
    Path caBundle;

    @Option(names = "--region", description = "signing region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
    String region;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "NBD over TCP (default 127.0.0.1:10809)")
    String listen;

    @Option(names = "--socket", paramLabel = "PATH", description = "NBD over a unix socket instead of TCP")
    String socket;

    @Option(names = "--tls", paramLabel = "MODE", defaultValue = "auto", description = "NBD TLS of the listener, as "
            + "qemu-nbd/nbdkit: off, on (offered), require; auto (default): require on an address other than loopback, "
            + "on for loopback when the agent has --tls-cert, off for unix sockets. Clients then use nbds://")
    String tls;

    @Option(names = "--export", paramLabel = "NAME", description = "the export name (default: the key's last segment)")
    String export;

    @Option(names = "--read-only", description = "refuse writes")
    boolean readOnly;

    @Option(names = "--mode", description = "auto (default): use imagegate's manifest extension when the store has it; "
            + "manifest; plain (range GETs and multipart snapshots only)")
    String mode = "auto";

    @Option(names = "--profile", description = "auto (default): prefetch from KEY.profile when present, else record it; "
            + "record: record and replace it; off")
    String profile = "auto";

    @Option(names = "--hydrate", description = "then fetch the whole version into the node cache in the background "
            + "(after the boot profile, giving way to the guest's reads), so that the guest stops depending on the store")
    boolean hydrate;

    @Option(names = "--rate", paramLabel = "SIZE", description = "with --hydrate: bytes a second at most (default 200M)")
    String rate;

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        ControlClient client = Daemon.ensureRunning(daemon);
        var running = client.ping();
        if (daemon.cache != null && !daemon.cache.toAbsolutePath().toString().equals(running.path("cache").asText())) {
            throw new IllegalArgumentException("the running agent (pid " + running.path("pid").asText() + ") uses the cache "
                    + running.path("cache").asText() + ", not " + daemon.cache + "; stop it first, or give another --control");
        }
        String bundle = caBundle();
        if (rate != null && !hydrate) {
            throw new IllegalArgumentException("--rate goes with --hydrate");
        }
        Long hydrateRate = !hydrate ? null : rate == null ? AgentConfig.DEFAULT_HYDRATE_RATE : AgentConfig.parseSize(rate);
        AttachRequest req = new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile,
                null, null, null, false, bundle, tls, hydrateRate);
        AwsCredentials keys = clientKeys();
        if (keys != null) {
            req = req.withKeys(keys.accessKeyId(), keys.secretAccessKey(),
                    keys instanceof AwsSessionCredentials s ? s.sessionToken() : null);
        }
        AttachResult r = client.attach(req);
        System.out.println(r.url());
        System.err.println((r.resumed() ? "resumed " : "attached ") + r.object() + " version " + r.versionId() + " ("
                + r.size() + " bytes, " + r.mode() + ") as export " + r.export());
        return 0;
    }

    /** The CA bundle as aws-cli finds it (flag, else $AWS_CA_BUNDLE), checked here so a bad file is named at once. */
    private String caBundle() {
        try {
            return CaBundle.resolve(caBundle, System.getenv()).map(b -> b.file().toAbsolutePath().toString()).orElse(null);
        } catch (TlsFileException e) {
            throw new IllegalArgumentException((caBundle != null ? "--ca-bundle " : "$" + CaBundle.ENV + " ") + e.getMessage(), e);
        }
    }

    /** Keys as the AWS CLI finds them, resolved here so the agent uses the caller's identity. */
    private static AwsCredentials clientKeys() {
        try (DefaultCredentialsProvider p = DefaultCredentialsProvider.builder().build()) {
            return p.resolveCredentials();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Finds the running agent, or starts one in the background and waits until it answers. */
    static final class Daemon {

        private Daemon() {}

        static ControlClient ensureRunning(DaemonOptions opts) throws IOException, InterruptedException {
            Path socket = opts.controlSocket().toAbsolutePath();
            ControlClient client = new ControlClient(socket);
            if (ControlClient.answers(socket)) {
                return client;
            }
            Path data = opts.config().dataDir();
            Files.createDirectories(data);
            Path logFile = data.resolve("agent.log");
            List<String> cmd = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                cmd.add("/usr/bin/setsid"); // leave the terminal's session: the agent outlives the shell
            }
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            String opts2 = System.getenv("IMAGEGATE_AGENT_JAVA_OPTS");
            if (opts2 != null && !opts2.isBlank()) {
                cmd.addAll(List.of(opts2.trim().split("\\s+")));
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(AgentCommand.class.getName());
            cmd.add("run");
            cmd.addAll(opts.runArguments());
            new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (ControlClient.answers(socket)) {
                    System.err.println("started the agent (control " + socket + ", log " + logFile + ")");
                    return client;
                }
                Thread.sleep(100);
            }
            throw new IOException("the agent did not start; see " + logFile);
        }
    }

}
