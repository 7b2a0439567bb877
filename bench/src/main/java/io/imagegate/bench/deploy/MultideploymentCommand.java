package io.imagegate.bench.deploy;

import io.imagegate.agent.prefetch.BootProfile;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.LoadGate;
import io.imagegate.bench.Machine;
import io.imagegate.bench.PlotFiles;
import io.imagegate.bench.RunFiles;
import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * {@code bench/run multideployment}: the multideployment experiment of issue 4. A recorded boot trace
 * of a real Debian guest is replayed by N simulated nodes at once, each with its own link (bandwidth
 * shaped per node and at the gateway), cache and fetch path, against one gateway; prepropagation,
 * the agent (lazy and with prefetch) and nbdkit's curl plugin are compared on time until all N have
 * booted and bytes moved.
 */
@Command(name = "multideployment", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Issue 4's multideployment experiment: N nodes boot one image at once from one gateway; "
                + "prepropagation vs the agent (lazy, prefetch) vs nbdkit curl+cow+cache; time and bytes.")
public final class MultideploymentCommand implements Callable<Integer> {

    @Option(names = "--nodes", split = ",", defaultValue = "1,8,32,64",
            description = "Node counts (default: ${DEFAULT-VALUE}).")
    List<Integer> nodeCounts;

    @Option(names = "--node-bandwidth", defaultValue = "1gbit",
            description = "Each node's link, each direction (default: ${DEFAULT-VALUE}; 0: unlimited).")
    String nodeBandwidth;

    @Option(names = "--gateway-bandwidth", defaultValue = "10gbit",
            description = "The gateway's link, shared by all nodes, each direction (default: ${DEFAULT-VALUE}).")
    String gatewayBandwidth;

    @Option(names = "--trace", defaultValue = "bench/traces/debian12-boot.csv",
            description = "The boot trace (default: ${DEFAULT-VALUE}); its zero-chunk map NAME.chunks lies beside it.")
    Path trace;

    @Option(names = "--image", description = "The traced image itself (default: bench/target/boot-image/disk.raw "
            + "when present and of the trace's size, else a stand-in with the same zero layout).")
    Path image;

    @Option(names = "--methods", split = ",", defaultValue = "prepropagation,agent,agent-prefetch,nbdkit",
            description = "What to compare (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs of every (method, N) (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--max-load", defaultValue = "2.5",
            description = "Wait before each run until the 1-minute load average is below this (default: ${DEFAULT-VALUE}).")
    double maxLoad;

    @Option(names = "--load-wait", defaultValue = "600",
            description = "Longest wait for the load, all runs together, seconds (default: ${DEFAULT-VALUE}); "
                    + "once spent, runs go on at once, flagged.")
    int loadWait;

    @Option(names = "--parallel", defaultValue = "16", description = "Agent: range GETs in flight per node (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-run", description = "Agent: the largest range GET adjacent chunks may join into "
            + "(default: the agent's own, 4m).")
    ByteSize maxRun;

    @Option(names = "--read-ahead", description = "Agent: how far read-ahead runs in front of sequential reads, "
            + "0: off (default: the agent's own, 4m).")
    String readAhead;

    @Option(names = "--nbdkit-arg", description = "Extra nbdkit parameter, e.g. cache-min-block-size=1M (repeatable).")
    List<String> nbdkitArgs = new ArrayList<>();

    @Option(names = "--heap", defaultValue = "6g",
            description = "Heap of the benchmark JVM, which hosts all nodes (default: ${DEFAULT-VALUE}); restarts itself with it.")
    ByteSize heap;

    @Option(names = "--gateway-heap", defaultValue = "2g", description = "-Xmx of the gateway (default: ${DEFAULT-VALUE}).")
    String gatewayHeap;

    @Option(names = "--node-dir", description = "Where the nodes' caches, overlays and nbdkit files live (default: "
            + "/dev/shm/imagegate-multideployment, a RAM disk: each simulated node stands for a machine with a disk "
            + "of its own, and N nodes sharing this machine's one disk would measure that disk).")
    Path nodeDir;

    @Mixin
    RunFiles files;

    @Mixin
    PlotFiles plots;

    static void say(String s) {
        System.out.println("[multideployment " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    @Override
    public Integer call() throws Exception {
        if (Runtime.getRuntime().maxMemory() < heap.bytes() * 0.9 && System.getProperty("imagegate.deploy.child") == null) {
            return restartWithHeap();
        }
        Path root = RunFiles.root();
        Path work = files.work();
        Path results = files.results();
        Path plotDir = plots.dir();
        Path jar = files.imagegateJar();
        Path traceFile = trace.isAbsolute() ? trace : root.resolve(trace);
        List<Method> ms = methods.stream().map(Method::of).toList();
        Bandwidth nodeLink = Bandwidth.parse(nodeBandwidth);
        Bandwidth gatewayLink = Bandwidth.parse(gatewayBandwidth);
        Files.createDirectories(work);
        Instant started = Instant.now();

        BootTrace boot = BootTrace.read(traceFile);
        ChunkMap zeros = ChunkMap.read(sibling(traceFile, ".chunks"));
        say("trace %s: %d requests (%d reads, %s; %d writes), recorded over %.0f s, queue depth up to %d; image %s"
                .formatted(traceFile.getFileName(), boot.requests().size(), boot.count('R'), mib(boot.bytes('R')),
                        boot.count('W'), boot.recordedSeconds(), boot.maxDepth(), mib(boot.imageSize())));
        Path localImage = chooseImage(root, work, boot, zeros);
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        BuildInfo build = BuildInfo.of(root, jar);
        Path runJar = work.resolve("imagegate.jar");
        Files.copy(jar, runJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ServerProcess.Launch launch = new ServerProcess.Launch(Path.of(System.getProperty("java.home"), "bin", "java"),
                runJar.toString(), System.getProperty("java.class.path"), ServerProcess.logbackConfig(work), gatewayHeap, List.of(), null);
        List<DeploymentRun.Result> all = new ArrayList<>();
        try (ServerProcess server = ServerProcess.start(ServerProcess.Kind.IMAGEGATE, launch, work, List.of("--no-gc"))) {
            Gateway gateway = upload(server, localImage, boot);
            say("gateway %s: s3://%s/%s (%s) and its boot profile (%d chunks, first-touch order of the trace)"
                    .formatted(server.endpoint, gateway.bucket(), gateway.key(), mib(gateway.imageSize()),
                            boot.firstTouch(65536).length));
            DeploymentRun.Setup setup = new DeploymentRun.Setup(gateway, server, new TraceReplay(boot), localImage,
                    nodeLink, gatewayLink, new AgentNode.Settings(parallel,
                            maxRun != null ? (int) maxRun.bytes()
                                    : io.imagegate.agent.daemon.AgentConfig.defaults().maxRunBytes(),
                            readAhead != null ? (readAhead.equals("0") ? 0 : (int) ByteSize.parse(readAhead).bytes())
                                    : io.imagegate.agent.daemon.AgentConfig.defaults().readAheadBytes()),
                    nbdkitArgs, nodesDir(work));
            DeploymentRun runner = new DeploymentRun(setup);
            warmUp(runner, ms);
            LoadGate gate = new LoadGate(maxLoad, Duration.ofSeconds(loadWait), MultideploymentCommand::say);
            for (int r = 0; r < repeats; r++) {
                for (int n : nodeCounts) {
                    for (int k = 0; k < ms.size(); k++) {
                        Method m = ms.get((k + r) % ms.size()); // a different method goes first in each repeat
                        LoadGate.Wait w = gate.await();
                        DeploymentRun.Result res = runner.run(m, n, r, w);
                        all.add(res);
                        say("repeat %d, N=%d, %-15s %8.2f s (median node %.2f s), %s moved, CPU gateway %.1f s, nodes %.1f s, load %.2f -> %.2f%s"
                                .formatted(r + 1, n, m.label, res.seconds(), res.medianNodeSeconds(), mib(res.wireBytes()),
                                        res.gatewayCpuMillis() / 1000.0, res.nodeCpuMillis() / 1000.0, res.loadBefore(), res.loadAfter(),
                                        res.ok() ? "" : " FAILED: " + res.error()));
                    }
                }
                // a partial report after each repeat: a long run interrupted keeps what it measured
                writeReport(started, machine, build, boot, zeros, localImage, nodeLink, gatewayLink, all, results, plotDir);
            }
        }
        writeReport(started, machine, build, boot, zeros, localImage, nodeLink, gatewayLink, all, results, plotDir);
        return 0;
    }

    private void writeReport(Instant started, Machine machine, BuildInfo build, BootTrace boot, ChunkMap zeros,
                             Path localImage, Bandwidth nodeLink, Bandwidth gatewayLink,
                             List<DeploymentRun.Result> all, Path results, Path plots) throws IOException {
        DeployReport report = new DeployReport(started, machine, build, boot, zeros, localImage, nodeLink, gatewayLink,
                maxLoad, commandLine(), all);
        String base = files.resultName(started);
        Files.createDirectories(results);
        report.write(results, base);
        List<Path> pngs = new DeployCharts(report).write(plots);
        say("results: " + results.resolve(base + ".md") + " (.csv, .json); plots: " + pngs);
        System.out.println(report.markdown());
    }

    private String commandLine() {
        return "bench/run multideployment --nodes " + nodeCounts.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(",")) + " --node-bandwidth " + nodeBandwidth
                + " --gateway-bandwidth " + gatewayBandwidth + " --trace " + trace + " --methods "
                + String.join(",", methods) + " --repeats " + repeats
                + (maxRun == null ? "" : " --max-run " + maxRun.bytes()) + (readAhead == null ? "" : " --read-ahead " + readAhead)
                + (nbdkitArgs.isEmpty() ? "" : nbdkitArgs.stream().map(a -> " --nbdkit-arg " + a)
                .collect(java.util.stream.Collectors.joining()));
    }

    /**
     * Unmeasured runs first: one full copy of the image (the gateway's caches and the page cache), then
     * every lazy method at a few nodes, so that the agent's code is compiled, as in a long-running
     * agent daemon, before anything is timed.
     */
    private void warmUp(DeploymentRun runner, List<Method> ms) throws Exception {
        say("warm-up (not measured): one node copies the whole image, then each lazy method boots 4 nodes");
        DeploymentRun.Result w = runner.run(Method.PREPROPAGATION, 1, -1, new LoadGate.Wait(0, LoadGate.load1(), 0, true));
        say("warm-up copy took %.1f s%s".formatted(w.seconds(), w.ok() ? "" : " and failed: " + w.error()));
        for (Method m : ms) {
            if (m == Method.PREPROPAGATION) {
                continue;
            }
            for (int i = 0; i < 2; i++) {
                w = runner.run(m, 4, -1, new LoadGate.Wait(0, LoadGate.load1(), 0, true));
                say("warm-up %s: %.1f s%s".formatted(m.label, w.seconds(), w.ok() ? "" : " and failed: " + w.error()));
            }
        }
    }

    private Gateway upload(ServerProcess server, Path localImage, BootTrace boot) throws Exception {
        S3Client s3 = ServerProcess.clientBuilder(server.endpoint, 4).region(Region.of(Gateway.REGION)).build();
        try (s3) {
            server.awaitReady(s3::listBuckets, Duration.ofSeconds(120));
            String bucket = "images";
            String key = "debian12.raw";
            s3.createBucket(b -> b.bucket(bucket));
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(localImage));
            // nbdkit's curl plugin cannot open a presigned URL (it sends HEAD): it reads the object by plain URL
            s3.putObjectAcl(b -> b.bucket(bucket).key(key).acl(ObjectCannedACL.PUBLIC_READ));
            BootProfile profile = new BootProfile("s3://" + bucket + "/" + key, null, Instant.now(), 65536,
                    boot.firstTouch(65536));
            s3.putObject(b -> b.bucket(bucket).key(BootProfile.keyFor(key)).contentType("application/json"),
                    RequestBody.fromBytes(profile.toJson()));
            return new Gateway(server.endpoint, bucket, key, ServerProcess.ACCESS_KEY, ServerProcess.SECRET_KEY,
                    Files.size(localImage));
        }
    }

    private Path nodesDir(Path work) {
        if (nodeDir != null) {
            return nodeDir;
        }
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm.resolve("imagegate-multideployment") : work.resolve("nodes");
    }

    private Path chooseImage(Path root, Path work, BootTrace boot, ChunkMap zeros) throws IOException {
        Path real = image != null ? image : root.resolve("bench/target/boot-image/disk.raw");
        if (Files.exists(real) && Files.size(real) == boot.imageSize()) {
            say("image: the traced image itself, " + real);
            return real;
        }
        if (image != null) {
            throw new IOException(image + " is not the traced image (" + boot.imageSize() + " bytes)");
        }
        Path standIn = work.resolve("stand-in.raw");
        say("image: a stand-in of the traced one (same size, same zero chunks, random data: %s of %s) at %s"
                .formatted(mib(zeros.dataBytes()), mib(zeros.size()), standIn));
        zeros.synthesize(standIn, 42);
        return standIn;
    }

    /**
     * Starts the measuring JVM with the heap all nodes need, on private copies of this build's own jars:
     * a rebuild of the shared ones by someone else during a long run must not change (or break) it.
     */
    private int restartWithHeap() throws IOException, InterruptedException {
        Path root = RunFiles.root();
        Path jars = files.work().resolve("jars");
        Files.createDirectories(jars);
        List<String> classpath = new ArrayList<>();
        int k = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p) && (p.toAbsolutePath().startsWith(root) || entry.contains("SNAPSHOT"))) {
                Path copy = jars.resolve((k++) + "-" + p.getFileName());
                Files.copy(p, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                classpath.add(copy.toString());
            } else {
                classpath.add(entry);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap.flag(), "-Dimagegate.deploy.child=1",
                "-Dimagegate.root=" + System.getProperty("imagegate.root", "."), "-Dlogback.configurationFile=logback.xml",
                "-cp", String.join(java.io.File.pathSeparator, classpath), "io.imagegate.bench.BenchCommand",
                "multideployment"));
        cmd.addAll(originalArgs());
        say("restarting with -Xmx" + heap.flag() + " (all nodes live in this JVM) on private copies of the jars in " + jars);
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /** The arguments this command was given (picocli keeps them on the spec). */
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private List<String> originalArgs() {
        return spec.commandLine().getParseResult().originalArgs().stream()
                .dropWhile(a -> !a.equals("multideployment")).skip(1).toList();
    }

    private static Path sibling(Path file, String suffix) {
        String n = file.getFileName().toString();
        return file.resolveSibling((n.endsWith(".csv") ? n.substring(0, n.length() - 4) : n) + suffix);
    }

    static String mib(long bytes) {
        return "%.1f MiB".formatted(bytes / (double) ByteSize.MIB);
    }
}
