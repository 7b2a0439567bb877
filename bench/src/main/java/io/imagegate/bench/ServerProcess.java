package io.imagegate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * One S3 server in a child JVM of its own, on loopback, storing under its own directory, its
 * output in a log file. Both servers get the same JVM options (heap, GC, logging level), so
 * the only difference between them is the server.
 */
public final class ServerProcess implements AutoCloseable {

    /** The servers the benchmark knows how to start. */
    public enum Kind {
        IMAGEGATE("imagegate"), S3PROXY("s3proxy");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        public static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown server " + label + " (imagegate, s3proxy)");
        }
    }

    /** Where the servers' code comes from, and how their JVMs are started. */
    public record Launch(Path java, String imagegateClasspath, String benchClasspath, Path logbackConfig, String heap,
                         List<String> extraJvmOptions, Path jfrDir) {}

    public static final String ACCESS_KEY = "benchAccessKey";
    public static final String SECRET_KEY = "benchSecretKey0123456789abcdefghijklmnop";

    public final Kind kind;
    public final Process process;
    public final URI endpoint;
    public final Path dataDir;
    public final Path log;
    public final List<String> command;

    private ServerProcess(Kind kind, Process process, URI endpoint, Path dataDir, Path log, List<String> command) {
        this.kind = kind;
        this.process = process;
        this.endpoint = endpoint;
        this.dataDir = dataDir;
        this.log = log;
        this.command = command;
    }

    public String name() {
        return kind.label;
    }

    public long pid() {
        return process.pid();
    }

    public static ServerProcess start(Kind kind, Launch launch, Path workDir) {
        return start(kind, launch, workDir, List.of());
    }

    /** As {@link #start(Kind, Launch, Path)}, with extra arguments for the server (imagegate: options of {@code serve}). */
    public static ServerProcess start(Kind kind, Launch launch, Path workDir, List<String> serverArgs) {
        try {
            Path dataDir = workDir.resolve(kind.label + "-data");
            deleteTree(dataDir);
            Files.createDirectories(dataDir);
            int port = freePort();
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            List<String> cmd = new ArrayList<>();
            cmd.add(launch.java().toString());
            cmd.add("-Xmx" + launch.heap());
            cmd.add("-XX:+UseG1GC");
            cmd.add("-Dlogback.configurationFile=" + launch.logbackConfig());
            cmd.addAll(launch.extraJvmOptions());
            if (launch.jfrDir() != null) {
                Files.createDirectories(launch.jfrDir());
                cmd.add("-XX:StartFlightRecording=filename=" + launch.jfrDir().resolve(kind.label + ".jfr")
                        + ",settings=profile,dumponexit=true");
            }
            switch (kind) {
                case IMAGEGATE -> {
                    cmd.addAll(List.of("-cp", launch.imagegateClasspath(),
                            "io.imagegate.gateway.cli.ImagegateCommand", "serve",
                            "--data", dataDir.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port)));
                    cmd.addAll(serverArgs);
                }
                case S3PROXY -> {
                    Path props = workDir.resolve("s3proxy.properties");
                    Files.writeString(props, String.join("\n",
                            "s3proxy.endpoint=" + endpoint,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem",
                            "jclouds.identity=" + ACCESS_KEY,
                            "jclouds.credential=" + SECRET_KEY,
                            "jclouds.filesystem.basedir=" + dataDir,
                            ""));
                    cmd.addAll(List.of("-cp", launch.benchClasspath(), "org.gaul.s3proxy.Main",
                            "--properties", props.toString()));
                }
            }
            Path log = workDir.resolve(kind.label + ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("IMAGEGATE_ACCESS_KEY", ACCESS_KEY);
            env.put("IMAGEGATE_SECRET_KEY", SECRET_KEY);
            Process p = pb.start();
            return new ServerProcess(kind, p, endpoint, dataDir, log, List.copyOf(cmd));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the server answers ListBuckets with the benchmark's keys. */
    void awaitReady(S3Workload client, Duration timeout) throws InterruptedException {
        awaitReady(client::ping, timeout);
    }

    /** Waits until {@code ping} (a signed request with the benchmark's keys) stops throwing. */
    public void awaitReady(Runnable ping, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name() + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                ping.run();
                return;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name() + " did not answer within " + timeout + "; see " + log, last);
    }

    /** Bytes in the files under the data directory (their lengths; packs, blobs and metadata alike), or -1. */
    public long storedBytes() {
        try {
            return apparentBytes(dataDir);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The sum of the lengths of the files under {@code dir}; files deleted while walking count 0. */
    public static long apparentBytes(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted while walking
                }
            }).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The client every benchmark gives every server (with these servers' keys): the AWS SDK v2 sync
     * client over the Apache HTTP client, path-style, SigV4 with the SDK's defaults for a plain-HTTP
     * endpoint, no client-side checksums (the benchmarks check bytes themselves), trusting
     * {@link BenchTls}'s CA bundle for https. Callers add their timeouts and interceptors.
     */
    @SuppressWarnings("deprecation") // the Apache 4 client, the one DEPENDENCIES.md names
    public static S3ClientBuilder clientBuilder(URI endpoint, int connections) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(BenchTls.trust(ApacheHttpClient.builder().maxConnections(connections)
                        .socketTimeout(Duration.ofMinutes(2))));
    }


    /** Writes the servers' logging configuration (warnings only, so no server logs per request) into {@code work}. */
    public static Path logbackConfig(Path work) throws IOException {
        Path p = work.resolve("server-logback.xml");
        try (var in = ServerProcess.class.getResourceAsStream("/server-logback.xml")) {
            if (in != null) {
                Files.write(p, in.readAllBytes());
            }
        }
        return p;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
