package io.imagegate.bench.agentread;

import io.imagegate.agent.daemon.AgentException;
import io.imagegate.agent.daemon.ExportStatus;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.LoadGate;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.RunFiles;
import io.imagegate.bench.ServerProcess;
import io.imagegate.bench.TestImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * {@code bench/run agent-read}: the agent's data path against nbdkit's (issue 14). One random image
 * in a gateway ({@code imagegate serve}, a child JVM), read whole with {@code nbdcopy URI null:}
 * through the agent (a real {@code imagegate-agent run} process) cold and warm, {@code qemu-img
 * convert} through the warm agent, {@code nbdkit curl} cold, and {@code nbdkit curl} with the cow
 * and cache filters cold and warm; a plain {@code curl} of the object is the floor. Wall time, the
 * CPU of the serving process and of the gateway (from /proc), and the bytes the gateway sent, per
 * read; ratios are taken within each repeat.
 */
@Command(name = "agent-read", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Issue 14: full reads of one image through the agent (cold, warm, qemu-img) against nbdkit curl "
                + "(plain, and with cow+cache cold and warm) and a plain curl; wall time, CPU, bytes.")
public final class AgentReadCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "512m", description = "The image (random bytes) (default: ${DEFAULT-VALUE}).")
    ByteSize size;

    @Option(names = "--warm-up-size", defaultValue = "256m",
            description = "Other images each new agent process reads (cold, warm, and with qemu-img) before anything "
                    + "is timed, so that its code is compiled as in a long-running daemon; 0: none (default: ${DEFAULT-VALUE}).")
    String warmUpSize;

    @Option(names = "--warm-up-rounds", defaultValue = "2",
            description = "How many such images, one after the other (default: ${DEFAULT-VALUE}).")
    int warmUpRounds;

    @Option(names = "--warm-up-requests", defaultValue = "4096",
            description = "Then that many random 4 KiB reads of one more image, each a GET of its own, so that the code "
                    + "of a request is compiled too (default: ${DEFAULT-VALUE}; 0: none).")
    int warmUpRequests;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--methods", split = ",", defaultValue = "curl,agent,nbdkit-curl,nbdkit-cached",
            description = "Groups of reads: curl (the floor), agent (cold, warm, and qemu-img convert warm), "
                    + "nbdkit-curl (cold), nbdkit-cached (cow+cache, cold and warm) (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--parallel", defaultValue = "16", description = "The agent's --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--agent-heap", defaultValue = "1g", description = "-Xmx of the agent, as its launcher gives it (default: ${DEFAULT-VALUE}).")
    String agentHeap;

    @Option(names = "--agent-jvm-option", description = "Extra JVM option of the agent (repeatable), e.g. -XX:+PrintCompilation.")
    List<String> agentJvmOptions = new ArrayList<>();

    @Option(names = "--gateway-heap", defaultValue = "2g", description = "-Xmx of the gateway (default: ${DEFAULT-VALUE}).")
    String gatewayHeap;

    @Option(names = "--jfr", description = "Record a JFR profile of the agent and the gateway during each timed agent "
            + "read and nbdkit's cold read (through jcmd, outside the timed part; profiling slows them, so these "
            + "runs are for finding where time goes, not for the record).")
    boolean jfr;

    @Option(names = "--perf", description = "Record the agent and nbdkit with Linux perf during each timed read "
            + "(kernel and native time by symbol; for finding where time goes, not for the record).")
    boolean perf;

    @Option(names = "--verify", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "After each group's timed reads, read the image once more (untimed) and compare it byte for "
                    + "byte with the file (default: on; --no-verify skips it).")
    boolean verify;

    @Option(names = "--max-load", defaultValue = "2.5",
            description = "Before each group wait until the 1-minute load average is below this (default: ${DEFAULT-VALUE}).")
    double maxLoad;

    @Option(names = "--load-wait", defaultValue = "300",
            description = "Longest wait for the load, all groups of a repeat together, seconds (default: ${DEFAULT-VALUE}).")
    int loadWait;

    @Mixin
    RunFiles files;

    @Option(names = "--agent-jar", description = "The agent's shaded jar (default: agent/target/imagegate-agent.jar).")
    Path agentJar;

    static final String BUCKET = "images";
    static final String KEY = "image.raw";
    static final String WARM_UP_KEY = "warm-up/";
    private static final long TIMEOUT = 1800;
    private static final String[] JIT_THREADS = {"C1 CompilerThre", "C2 CompilerThre"};

    private Path work;
    private Path nodeDir;
    private ServerProcess gateway;
    private TestImage image;
    private Jfr profiler;
    private Perf perfRecorder;
    private final HttpClient http = HttpClient.newHttpClient();

    static void say(String s) {
        System.out.println("[agent-read " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        work = files.work().toAbsolutePath();
        nodeDir = work.resolve("node");
        Path results = files.results();
        Files.createDirectories(work);
        for (String tool : List.of("nbdcopy")) {
            if (!onPath(tool)) {
                throw new IllegalStateException(tool + " is needed (Debian: libnbd-bin)");
            }
        }
        List<String> groups = new ArrayList<>(methods.stream().map(String::trim).toList());
        if (!NbdkitServer.available() && groups.removeIf(g -> g.startsWith("nbdkit"))) {
            say("nbdkit is not installed (Debian: nbdkit): its reads are left out");
        }
        boolean qemu = onPath("qemu-img");
        if (!qemu) {
            say("qemu-img is not installed (Debian: qemu-utils): qemu-img convert is left out");
        }
        Instant started = Instant.now();
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        Path gwJar = files.imagegateJar();
        Path agJar = agentJar != null ? agentJar : root.resolve("agent/target/imagegate-agent.jar");
        BuildInfo build = BuildInfo.of(root, gwJar, files.ownImagegateJar());
        // private copies: someone rebuilding the shared jars during the run must not change what is measured
        Path runGwJar = work.resolve("imagegate.jar");
        Path runAgJar = work.resolve("imagegate-agent.jar");
        Files.copy(gwJar, runGwJar, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(agJar, runAgJar, StandardCopyOption.REPLACE_EXISTING);
        image = TestImage.create("random", work.resolve("images"), size.bytes(), 0, 14);
        List<TestImage> warmImages = new ArrayList<>();
        for (int w = 0; w < warmUpRounds && !warmUpSize.equals("0"); w++) {
            warmImages.add(TestImage.create("warm-up", work.resolve("images"), ByteSize.parse(warmUpSize).bytes(), 0,
                    15 + w));
        }
        TestImage randomImage = warmUpRequests <= 0 ? null
                : TestImage.create("warm-up-random", work.resolve("images"), warmUpRequests * 65536L, 0, 14 + 100);
        if (randomImage != null) {
            warmImages.add(randomImage);
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (perf && Perf.available()) {
            perfRecorder = new Perf(work.resolve("perf-" + RunFiles.stamp(started)));
        }
        if (jfr) {
            profiler = new Jfr(Path.of(System.getProperty("java.home")), work.resolve("jfr-" + RunFiles.stamp(started)));
        }
        ServerProcess.Launch launch = new ServerProcess.Launch(java, runGwJar.toString(),
                System.getProperty("java.class.path"), ServerProcess.logbackConfig(work), gatewayHeap, List.of(), null);
        List<Measurement> all = new ArrayList<>();
        List<JfrSummary> profiles = new ArrayList<>();
        AgentReadReport report = null;
        try (ServerProcess server = ServerProcess.start(ServerProcess.Kind.IMAGEGATE, launch, work, List.of("--no-gc"))) {
            gateway = server;
            upload(warmImages);
            say("gateway %s (pid %d): s3://%s/%s, %s of random bytes".formatted(server.endpoint, server.pid(), BUCKET, KEY,
                    size));
            // the gateway's own warm-up: one whole GET (page cache, its code compiled), not timed
            ClientRun.run(work, curl(), TIMEOUT);
            for (int r = 0; r < repeats; r++) {
                LoadGate gate = new LoadGate(maxLoad, Duration.ofSeconds(loadWait), AgentReadCommand::say);
                for (int k = 0; k < groups.size(); k++) {
                    String g = groups.get((k + r) % groups.size()); // a different group goes first in each repeat
                    gate.await();
                    List<Measurement> ms = switch (g) {
                        case "curl" -> List.of(measure("curl", "-", r, -1, curl(), null));
                        case "agent" -> agentGroup(java, runAgJar, warmImages, r, qemu);
                        case "nbdkit-curl" -> nbdkitGroup(false, r);
                        case "nbdkit-cached" -> nbdkitGroup(true, r);
                        default -> throw new IllegalArgumentException("unknown method group " + g);
                    };
                    all.addAll(ms);
                    for (Measurement m : ms) {
                        say("repeat %d %-13s %-5s %6.2f s %7.0f MiB/s  CPU: %-8s %5.2f s (sys %4.2f, JIT %4.2f), gateway %5.2f s, client %5.2f s; gateway sent %s%s; load %.2f"
                                .formatted(r + 1, m.method(), m.phase(), m.seconds(), m.bytesPerSecond() / (1 << 20),
                                        m.method().equals("qemu-img") ? "agent" : m.method(), m.serverCpu(),
                                        m.serverCpuSystem(), m.serverJitCpu(), m.gatewayCpu(), m.clientCpu(), mib(m.gatewayBytesOut()),
                                        m.agentFetched() >= 0 ? ", agent fetched " + mib(m.agentFetched()) + " in "
                                                + m.agentRequests() + " GETs" : "", m.loadBefore()));
                        for (String p : m.profiles()) {
                            profiles.add(JfrSummary.of(Path.of(p)));
                        }
                    }
                }
                report = write(started, machine, build, all, profiles, results);
            }
        }
        if (report != null) {
            System.out.println(report.markdown());
        }
        return 0;
    }

    private AgentReadReport write(Instant started, Machine machine, BuildInfo build, List<Measurement> all,
                                  List<JfrSummary> profiles, Path results) throws IOException {
        AgentReadReport report = new AgentReadReport(started, machine, build, commandLine(), image, warmUpSize, maxLoad,
                ProcStat.load1(), all, profiles);
        String base = files.resultName(started);
        report.write(results, base);
        say("results: " + results.resolve(base + ".md") + " (.csv, .json)");
        return report;
    }

    private String commandLine() {
        return "bench/run agent-read --size " + size.bytes() / ByteSize.MIB + "m --warm-up-size " + warmUpSize
                + " --warm-up-rounds " + warmUpRounds + " --warm-up-requests " + warmUpRequests + " --repeats " + repeats + " --methods " + String.join(",", methods) + " --parallel " + parallel
                + (jfr ? " --jfr" : "") + (perf ? " --perf" : "") + (verify ? "" : " --no-verify");
    }

    // ---- the groups

    private List<Measurement> agentGroup(Path java, Path jar, List<TestImage> warmImages, int r, boolean qemu)
            throws Exception {
        List<Measurement> out = new ArrayList<>();
        try (AgentDaemon agent = AgentDaemon.start(java, jar, nodeDir.resolve("agent"), agentHeap, agentJvmOptions, parallel)) {
            for (TestImage w : warmImages) {
                String u = agent.attach(gateway.endpoint, BUCKET, WARM_UP_KEY + w.file().getFileName(), "warm-up");
                if (w.name().equals("warm-up-random")) {
                    randomReads(agent.socket("warm-up"), w.size());
                } else {
                    ClientRun.run(work, nbdcopy(u), TIMEOUT);
                    ClientRun.run(work, nbdcopy(u), TIMEOUT);
                    if (qemu) {
                        ClientRun.run(work, qemuConvert(u), TIMEOUT);
                    }
                }
                agent.detach("warm-up");
            }
            String uri = agent.attach(gateway.endpoint, BUCKET, KEY, "image");
            out.add(measure("agent", "cold", r, agent.pid(), nbdcopy(uri), () -> agent.status("image")));
            out.add(measure("agent", "warm", r, agent.pid(), nbdcopy(uri), () -> agent.status("image")));
            if (qemu) {
                out.add(measure("qemu-img", "warm", r, agent.pid(), qemuConvert(uri), () -> agent.status("image")));
            }
            check("agent", uri);
        }
        return out;
    }

    private List<Measurement> nbdkitGroup(boolean filters, int r) throws Exception {
        String name = filters ? "nbdkit-cached" : "nbdkit-curl";
        List<Measurement> out = new ArrayList<>();
        try (NbdkitServer n = NbdkitServer.start(nodeDir.resolve(name), publicUrl(), filters)) {
            out.add(measure(name, "cold", r, n.pid(), nbdcopy(n.uri()), null));
            if (filters) {
                out.add(measure(name, "warm", r, n.pid(), nbdcopy(n.uri()), null));
            }
            check(name, n.uri());
        }
        return out;
    }

    /** One 4 KiB read in each 64 KiB chunk of the export, in random order, 16 at a time: a GET each. */
    static void randomReads(Path socket, long size) throws Exception {
        List<Long> offsets = new ArrayList<>();
        for (long at = 0; at + 4096 <= size; at += 65536) {
            offsets.add(at);
        }
        java.util.Collections.shuffle(offsets, new java.util.Random(14));
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(16);
        try (io.imagegate.bench.deploy.NbdClient c = io.imagegate.bench.deploy.NbdClient.unix(socket, "warm-up")) {
            List<java.util.concurrent.CompletableFuture<Void>> all = new ArrayList<>();
            for (long at : offsets) {
                window.acquire();
                all.add(c.submit(io.imagegate.bench.deploy.NbdClient.CMD_READ, at, 4096)
                        .whenComplete((v, e) -> window.release()));
            }
            java.util.concurrent.CompletableFuture.allOf(all.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        }
    }

    /** An untimed read compared with the file: a fast wrong answer must not pass for a result. */
    private void check(String who, String uri) throws IOException, InterruptedException {
        if (!verify) {
            return;
        }
        ClientRun c = ClientRun.run(work, List.of("/bin/sh", "-c", "nbdcopy \"$1\" - | cmp - \"$2\"", "sh", uri,
                image.file().toString()), TIMEOUT);
        if (!c.output().isBlank()) {
            throw new IOException(who + " served other bytes than the image: " + c.output());
        }
    }

    @FunctionalInterface
    private interface AgentCounters {
        ExportStatus get() throws IOException, AgentException;
    }

    private Measurement measure(String method, String phase, int repeat, long serverPid, List<String> cmd,
                                AgentCounters agent) throws Exception {
        String name = method + "-" + phase + "-r" + (repeat + 1);
        boolean profile = profiler != null && (method.equals("agent") || method.equals("qemu-img")
                || phase.equals("cold") && method.startsWith("nbdkit"));
        if (profile) {
            if (serverPid > 0 && !method.startsWith("nbdkit")) {
                profiler.start(serverPid, "agent-" + name);
            }
            profiler.start(gateway.pid(), "gateway-" + name);
        }
        if (!phase.equals("warm")) {
            // the gateway remembers for 60 s which chunks it has hashed: every read that fetches from it starts
            // right after a whole GET, so that none pays or skips that work because of the read before it
            ClientRun.run(work, curl(), TIMEOUT);
        }
        Perf.Recording rec = perfRecorder != null && serverPid > 0 ? perfRecorder.start(serverPid, name) : null;
        ExportStatus a0 = agent == null ? null : agent.get();
        long[] gw0 = gatewayCounters();
        ProcStat.Cpu s0 = serverPid > 0 ? ProcStat.cpu(serverPid) : ProcStat.Cpu.NONE;
        double jit0 = serverPid > 0 ? ProcStat.threadsCpu(serverPid, JIT_THREADS) : Double.NaN;
        ProcStat.Cpu g0 = ProcStat.cpu(gateway.pid());
        double load0 = ProcStat.load1();
        ClientRun run = ClientRun.run(work, cmd, TIMEOUT);
        ProcStat.Cpu s1 = serverPid > 0 ? ProcStat.cpu(serverPid) : ProcStat.Cpu.NONE;
        double jit1 = serverPid > 0 ? ProcStat.threadsCpu(serverPid, JIT_THREADS) : Double.NaN;
        ProcStat.Cpu g1 = ProcStat.cpu(gateway.pid());
        double load1 = ProcStat.load1();
        long[] gw1 = gatewayCounters();
        ExportStatus a1 = agent == null ? null : agent.get();
        List<String> files = new ArrayList<>();
        if (rec != null) {
            say("perf report: " + rec.stop());
        }
        if (profile) {
            if (serverPid > 0 && !method.startsWith("nbdkit")) {
                files.add(profiler.stop(serverPid, "agent-" + name).toString());
            }
            files.add(profiler.stop(gateway.pid(), "gateway-" + name).toString());
        }
        ProcStat.Cpu s = s1.minus(s0);
        ProcStat.Cpu g = g1.minus(g0);
        return new Measurement(method, phase, repeat, run.wallSeconds(), image.size(), run.cpu().total(), s.user(),
                s.system(), jit1 - jit0, g.user(), g.system(), gw1[0] - gw0[0], gw1[1] - gw0[1],
                a1 == null ? -1 : a1.fetchedBytes() - a0.fetchedBytes(),
                a1 == null ? -1 : a1.fetchRequests() - a0.fetchRequests(), load0, load1, files);
    }

    /** qemu-img convert of the whole export to a null target (1 TiB, so any image fits; -n: written as it is). */
    private List<String> qemuConvert(String uri) {
        return List.of("qemu-img", "convert", "-n", "-f", "raw", uri, "--target-image-opts",
                "driver=null-co,size=" + (1L << 40));
    }

    private List<String> nbdcopy(String uri) {
        return List.of("nbdcopy", uri, "null:");
    }

    private List<String> curl() {
        return List.of("curl", "-sS", "-o", "/dev/null", "--fail", publicUrl());
    }

    private String publicUrl() {
        return gateway.endpoint + "/" + BUCKET + "/" + KEY;
    }

    /** The gateway's response bytes and S3 requests answered so far, from its Prometheus endpoint. */
    private long[] gatewayCounters() throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create(gateway.endpoint + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long bytes = -1;
        long requests = 0;
        for (String line : text.lines().toList()) {
            double v = line.startsWith("#") ? 0 : Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("imagegate_s3_bytes_out_total")) {
                bytes = (long) v;
            } else if (line.startsWith("imagegate_s3_requests_seconds_count")) {
                requests += (long) v;
            }
        }
        if (bytes < 0) {
            throw new IOException("the gateway's /metrics has no imagegate_s3_bytes_out_total");
        }
        return new long[] {bytes, requests};
    }

    private void upload(List<TestImage> warmImages) throws InterruptedException {
        try (S3Client s3 = ServerProcess.clientBuilder(gateway.endpoint, 4).build()) {
            gateway.awaitReady(s3::listBuckets, Duration.ofSeconds(120));
            s3.createBucket(b -> b.bucket(BUCKET));
            // public-read: nbdkit's curl plugin and curl read it by plain URL (nbdkit sends HEAD, which a presigned GET does not allow)
            s3.putObject(b -> b.bucket(BUCKET).key(KEY).acl(ObjectCannedACL.PUBLIC_READ), RequestBody.fromFile(image.file()));
            for (int w = 0; w < warmImages.size(); w++) {
                TestImage wi = warmImages.get(w);
                s3.putObject(b -> b.bucket(BUCKET).key(WARM_UP_KEY + wi.file().getFileName()), RequestBody.fromFile(wi.file()));
            }
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    static String mib(long bytes) {
        return "%.1f MiB".formatted(bytes / (double) ByteSize.MIB);
    }
}
