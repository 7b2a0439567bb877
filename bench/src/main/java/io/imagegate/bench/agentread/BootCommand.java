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
import java.net.ServerSocket;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * {@code bench/run boot}: a real guest boot through the agent against one through nbdkit curl + cow +
 * cache, from one gateway (issue 14's last target). The Debian image {@code bench/build-boot-image
 * --build} makes is uploaded once to an embedded gateway ({@code imagegate serve}, a child JVM); each
 * boot is qemu (TCG, direct kernel boot, virtio-blk over {@code nbd://127.0.0.1}) on a fresh node:
 * a new {@code imagegate-agent run} process with an empty node cache ({@code attach --profile off},
 * or with the image's boot profile stored beside it, the agent's default once one exists), or a new
 * nbdkit. Measured per boot: qemu's start to the marker the guest prints once multi-user.target is
 * reached, the bytes and requests the gateway served, and the CPU of the node's server process, of
 * the gateway and of qemu. Methods alternate in order; ratios are taken within each repeat.
 */
@Command(name = "boot", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Issue 14: a real Debian guest boot under qemu (TCG) through the agent (cold node cache, with and "
                + "without the boot profile) against nbdkit curl+cow+cache, one gateway; boot time, bytes, CPU.")
public final class BootCommand implements Callable<Integer> {

    @Option(names = "--image-dir", description = "What bench/build-boot-image --build made: disk.raw, vmlinuz, initrd.img "
            + "(default: bench/target/boot-image).")
    Path imageDir;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--methods", split = ",", defaultValue = "agent,agent-prefetch,nbdkit",
            description = "agent (attach --profile off: lazy), agent-prefetch (the boot profile stored by an untimed "
                    + "recording boot first, attach --profile auto), nbdkit (curl + cow + cache) (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--cpus", defaultValue = "2", description = "The guest's vCPUs, qemu -smp (default: ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--memory", defaultValue = "1024", description = "The guest's memory, qemu -m (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--boot-timeout", defaultValue = "900", description = "Longest boot, seconds (default: ${DEFAULT-VALUE}).")
    int bootTimeout;

    @Option(names = "--warm-up-size", defaultValue = "256m",
            description = "A random image each new agent process reads (cold, then warm) before its boot, so that its "
                    + "code is compiled as in a long-running daemon; 0: none (default: ${DEFAULT-VALUE}).")
    String warmUpSize;

    @Option(names = "--warm-up-requests", defaultValue = "4096",
            description = "Then that many random 4 KiB reads of another image, a GET each (default: ${DEFAULT-VALUE}; 0: none).")
    int warmUpRequests;

    @Option(names = "--parallel", defaultValue = "16", description = "The agent's --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--agent-heap", defaultValue = "1g", description = "-Xmx of the agent, as its launcher gives it (default: ${DEFAULT-VALUE}).")
    String agentHeap;

    @Option(names = "--agent-jvm-option", description = "Extra JVM option of the agent (repeatable).")
    List<String> agentJvmOptions = new ArrayList<>();

    @Option(names = "--nbdkit-arg", description = "Extra nbdkit plugin or filter parameter, e.g. cache-min-block-size=1M (repeatable).")
    List<String> nbdkitArgs = new ArrayList<>();

    @Option(names = "--gateway-heap", defaultValue = "2g", description = "-Xmx of the gateway (default: ${DEFAULT-VALUE}).")
    String gatewayHeap;

    @Option(names = "--jfr", description = "Record a JFR profile of the agent and of the gateway during each agent boot "
            + "and of the gateway during nbdkit's (through jcmd; profiling slows them: for finding where time goes).")
    boolean jfr;

    @Option(names = "--nbd-trace", description = "Log every NBD request of each boot: the agent's request trace "
            + "(-Dimagegate.agent.trace) and nbdkit's log filter, under the work dir's boots/ (slows both a little).")
    boolean nbdTrace;

    @Option(names = "--max-load", defaultValue = "2.5",
            description = "Before each boot wait until the 1-minute load average is below this (default: ${DEFAULT-VALUE}).")
    double maxLoad;

    @Option(names = "--load-wait", defaultValue = "300",
            description = "Longest wait for the load, all boots of a repeat together, seconds (default: ${DEFAULT-VALUE}).")
    int loadWait;

    @Mixin
    RunFiles files;

    @Option(names = "--agent-jar", description = "The agent's shaded jar (default: agent/target/imagegate-agent.jar).")
    Path agentJar;

    static final String BUCKET = "images";
    static final String KEY = "debian12-boot.raw";
    static final String EXPORT = "boot";
    private static final String WARM_UP_KEY = "warm-up/";
    private static final long TIMEOUT = 1800;
    private static final String[] JIT_THREADS = {"C1 CompilerThre", "C2 CompilerThre"};

    private Path work;
    private Path images;
    private ServerProcess gateway;
    private Path javaBin;
    private Path runAgJar;
    private List<TestImage> warmImages = List.of();
    private Jfr profiler;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> notes = new ArrayList<>();

    static void say(String s) {
        System.out.println("[boot " + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        work = files.work().toAbsolutePath();
        images = imageDir != null ? imageDir.toAbsolutePath() : root.resolve("bench/target/boot-image");
        Path results = files.results();
        for (String f : List.of("disk.raw", "vmlinuz", "initrd.img")) {
            if (!Files.isRegularFile(images.resolve(f))) {
                throw new IllegalStateException("no " + images.resolve(f) + ": run bench/build-boot-image --build first "
                        + "(Debian: debootstrap, root)");
            }
        }
        if (!QemuGuest.available()) {
            throw new IllegalStateException("qemu-system-x86_64 is needed (Debian: qemu-system-x86)");
        }
        List<String> order = new ArrayList<>(methods.stream().map(String::trim).toList());
        for (String m : order) {
            if (!List.of("agent", "agent-prefetch", "nbdkit").contains(m)) {
                throw new IllegalArgumentException("unknown method " + m);
            }
        }
        if (order.contains("nbdkit") && !NbdkitServer.available()) {
            throw new IllegalStateException("nbdkit is needed for the comparison (Debian: nbdkit)");
        }
        Files.createDirectories(work);
        Instant started = Instant.now();
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        Path gwJar = files.existingImagegateJar();
        Path agJar = agentJar != null ? agentJar : root.resolve("agent/target/imagegate-agent.jar");
        BuildInfo build = BuildInfo.of(root, gwJar, files.ownImagegateJar());
        // private copies: someone rebuilding the shared jars during the run must not change what is measured
        Path runGwJar = work.resolve("imagegate.jar");
        runAgJar = work.resolve("imagegate-agent.jar");
        Files.copy(gwJar, runGwJar, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(agJar, runAgJar, StandardCopyOption.REPLACE_EXISTING);
        List<TestImage> warm = new ArrayList<>();
        if (!warmUpSize.equals("0")) {
            warm.add(TestImage.create("warm-up", work.resolve("images"), ByteSize.parse(warmUpSize).bytes(), 0, 15));
        }
        if (warmUpRequests > 0) {
            warm.add(TestImage.create("warm-up-random", work.resolve("images"), warmUpRequests * 65536L, 0, 114));
        }
        warmImages = warm;
        javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        if (jfr) {
            profiler = new Jfr(Path.of(System.getProperty("java.home")), work.resolve("jfr-" + RunFiles.stamp(started)));
        }
        Path disk = images.resolve("disk.raw");
        String imageText = describeImage(disk);
        say("image: " + imageText);
        ServerProcess.Launch launch = new ServerProcess.Launch(javaBin, runGwJar.toString(),
                System.getProperty("java.class.path"), ServerProcess.logbackConfig(work), gatewayHeap, List.of(), null);
        List<BootRun> all = new ArrayList<>();
        List<JfrSummary> profiles = new ArrayList<>();
        BootReport report = null;
        try (ServerProcess server = ServerProcess.start(ServerProcess.Kind.IMAGEGATE, launch, work, List.of("--no-gc"))) {
            gateway = server;
            upload(disk);
            say("gateway %s (pid %d): s3://%s/%s".formatted(server.endpoint, server.pid(), BUCKET, KEY));
            if (order.contains("agent-prefetch")) {
                // the agent's default path for an image without a profile: this boot records it (untimed for the ratios)
                BootRun rec = agentBoot("agent-record", -1, -1);
                all.add(rec);
                log(rec);
            }
            for (int r = 0; r < repeats; r++) {
                LoadGate gate = new LoadGate(maxLoad, Duration.ofSeconds(loadWait), BootCommand::say);
                for (int k = 0; k < order.size(); k++) {
                    String m = order.get((k + r) % order.size()); // a different method goes first in each repeat
                    gate.await();
                    BootRun run = m.equals("nbdkit") ? nbdkitBoot(r, k) : agentBoot(m, r, k);
                    all.add(run);
                    log(run);
                    for (String p : run.profiles()) {
                        profiles.add(JfrSummary.of(Path.of(p)));
                    }
                }
                report = new BootReport(started, machine, build, commandLine(), imageText, maxLoad, ProcStat.load1(),
                        all, profiles, notes);
                String base = files.resultName(started);
                report.write(results, base);
                say("results: " + results.resolve(base + ".md") + " (.csv, .json)");
            }
        }
        if (report != null) {
            System.out.println(report.markdown());
        }
        return 0;
    }

    private static void log(BootRun r) {
        say(("repeat %d %-14s boot %6.2f s (guest %5.2f s), attach %5.2f s; gateway sent %s in %d requests %s; "
                + "node CPU %5.2f s (JIT %4.2f), gateway %5.2f s, qemu %5.2f s%s; load %.2f -> %.2f").formatted(
                r.repeat() + 1, r.method(), r.bootSeconds(), r.guestUptime(), r.attachSeconds(),
                AgentReadCommand.mib(r.gatewayBytesOut()), r.gatewayRequests(), r.requestsByOperation(), r.nodeCpu(),
                r.nodeJitCpu(), r.gatewayCpu(), r.qemuCpu(),
                r.agentFetched() >= 0 ? "; agent fetched %s in %d GETs (guest read %s, read-ahead %d chunks, prefetched %d of %d)"
                        .formatted(AgentReadCommand.mib(r.agentFetched()), r.agentRequests(),
                                AgentReadCommand.mib(r.guestReadBytes()), r.readAheadChunks(), r.prefetchDone(),
                                r.prefetchTotal()) : "",
                r.loadBefore(), r.loadAfter()));
    }

    private String commandLine() {
        return "bench/run boot --repeats " + repeats + " --methods " + String.join(",", methods) + " --cpus " + cpus
                + " --memory " + memory + " --warm-up-size " + warmUpSize + " --warm-up-requests " + warmUpRequests
                + " --parallel " + parallel + (nbdkitArgs.isEmpty() ? "" : " --nbdkit-arg " + String.join(" --nbdkit-arg ", nbdkitArgs))
                + (jfr ? " --jfr" : "") + (nbdTrace ? " --nbd-trace" : "") + " --max-load " + maxLoad;
    }

    private String describeImage(Path disk) throws IOException {
        String v = "";
        Path version = images.resolve("rootfs/etc/debian_version");
        if (Files.isReadable(version)) {
            v = "Debian " + Files.readString(version).strip() + ", ";
        }
        long size = Files.size(disk);
        long allocated = -1; // as du counts it: the file is sparse
        try {
            Process du = new ProcessBuilder("du", "-B1", disk.toString()).redirectErrorStream(true).start();
            String out = new String(du.getInputStream().readAllBytes()).trim();
            if (du.waitFor() == 0) {
                allocated = Long.parseLong(out.split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            // left unknown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return v + "partitionless ext4 %d MiB raw (%d MiB allocated), bench/build-boot-image; qemu %s, %d vCPUs, %s MiB"
                .formatted(size / ByteSize.MIB, allocated / ByteSize.MIB, String.join(" ",
                        QemuGuest.command(images.resolve("vmlinuz"), images.resolve("initrd.img"), "URL", cpus, memory,
                                List.of())).replace(images.toString() + "/", ""), cpus, memory);
    }

    // ---- the boots

    @FunctionalInterface
    private interface Attach {
        String url() throws Exception;
    }

    @FunctionalInterface
    private interface Counters {
        ExportStatus get() throws IOException, AgentException;
    }

    private BootRun agentBoot(String method, int repeat, int order) throws Exception {
        String name = method + (repeat < 0 ? "" : "-r" + (repeat + 1));
        Path dir = work.resolve("boots").resolve(name);
        ServerProcess.deleteTree(dir);
        Files.createDirectories(dir);
        List<String> jvm = new ArrayList<>(agentJvmOptions);
        if (nbdTrace) {
            jvm.add("-D" + io.imagegate.agent.nbd.RequestTrace.PROPERTY + "=" + dir.resolve("trace"));
        }
        String profile = switch (method) {
            case "agent-record" -> "record";
            case "agent-prefetch" -> "auto";
            default -> "off";
        };
        try (AgentDaemon agent = AgentDaemon.start(javaBin, runAgJar, work.resolve("node/agent"), agentHeap, jvm, parallel)) {
            warmUp(agent);
            String listen = "127.0.0.1:" + freePort();
            BootRun run = boot(method, repeat, order, dir, agent.pid(),
                    () -> agent.attachTcp(gateway.endpoint, BUCKET, KEY, EXPORT, profile, listen),
                    () -> agent.status(EXPORT));
            agent.detach(EXPORT); // with --profile record: stores the profile
            if (method.equals("agent-record")) {
                String line = agentStatusProfile(agent);
                say("boot profile: " + line);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("chunks=(\\d+)").matcher(line);
                long chunks = m.find() ? Long.parseLong(m.group(1)) : 0;
                if (chunks * 2 < run.guestReadBytes() / 65536) {
                    // the agent records the chunks first touched in the 120 s after attach: a boot slower than that
                    // (a loaded machine) leaves a profile of its first part only, and agent-prefetch then means little
                    notes.add("the boot profile holds " + chunks + " chunks while the recording boot read "
                            + AgentReadCommand.mib(run.guestReadBytes()) + ": it outlasted the agent's 120 s recording "
                            + "window, so agent-prefetch prefetched only that part");
                    say("WARNING: " + notes.getLast());
                }
            }
            return run;
        }
    }

    private static String agentStatusProfile(AgentDaemon agent) {
        try {
            return Files.readAllLines(agent.log()).stream().filter(l -> l.contains("boot profile")).reduce((a, b) -> b)
                    .orElse("(nothing in the agent's log)");
        } catch (IOException e) {
            return e.toString();
        }
    }

    private BootRun nbdkitBoot(int repeat, int order) throws Exception {
        String name = "nbdkit-r" + (repeat + 1);
        Path dir = work.resolve("boots").resolve(name);
        ServerProcess.deleteTree(dir);
        Files.createDirectories(dir);
        List<String> before = new ArrayList<>();
        List<String> params = new ArrayList<>(nbdkitArgs);
        if (nbdTrace) {
            before.add("log");
            params.add("logfile=" + dir.resolve("nbdkit-requests.log"));
        }
        NbdkitServer[] server = new NbdkitServer[1];
        try {
            return boot("nbdkit", repeat, order, dir, -1, () -> {
                server[0] = NbdkitServer.startTcp(dir.resolve("node"), publicUrl(), freePort(), before, params);
                return server[0].uri();
            }, null);
        } finally {
            if (server[0] != null) {
                server[0].close();
            }
        }
    }

    /**
     * One boot: an untimed whole GET of the object, then (measured from here) the attach, then qemu until the marker.
     * {@code serverPid} is the agent's process, -1 when {@code attach} starts the server itself (nbdkit: a new process,
     * so its CPU at the marker is all of it).
     */
    private BootRun boot(String method, int repeat, int order, Path dir, long serverPid, Attach attach, Counters agent)
            throws Exception {
        // the gateway remembers for 60 s which chunks it has hashed: every boot starts right after a whole GET, so that
        // none pays or skips that work because of the boot before it (as agent-read does before each cold read)
        ClientRun.run(work, List.of("curl", "-sS", "-o", "/dev/null", "--fail", publicUrl()), TIMEOUT);
        String name = method + (repeat < 0 ? "" : "-r" + (repeat + 1));
        boolean profile = profiler != null;
        if (profile) {
            if (serverPid > 0) {
                profiler.start(serverPid, "agent-boot-" + name);
            }
            profiler.start(gateway.pid(), "gateway-boot-" + name);
        }
        ExportStatus a0 = null;
        Map<String, Double> ops0 = null;
        double load0 = ProcStat.load1();
        String m0 = metrics();
        ProcStat.Cpu s0 = serverPid > 0 ? ProcStat.cpu(serverPid) : new ProcStat.Cpu(0, 0);
        double jit0 = serverPid > 0 ? ProcStat.threadsCpu(serverPid, JIT_THREADS) : Double.NaN;
        ProcStat.Cpu g0 = ProcStat.cpu(gateway.pid());
        long t0 = System.nanoTime();
        String url = attach.url();
        long t1 = System.nanoTime();
        long pid = serverPid > 0 ? serverPid : nbdkitPid(dir);
        if (agent != null) {
            a0 = agent.get();
        }
        String m1 = metrics();
        List<String> cmd = QemuGuest.command(images.resolve("vmlinuz"), images.resolve("initrd.img"), url, cpus, memory,
                List.of());
        long tq;
        QemuGuest.Marker marker;
        ProcStat.Cpu s1;
        double jit1;
        ProcStat.Cpu g1;
        ProcStat.Cpu q;
        String m2;
        ExportStatus a1 = null;
        double load1;
        try (QemuGuest guest = QemuGuest.start(cmd, dir)) {
            tq = System.nanoTime();
            marker = guest.awaitMarker(Duration.ofSeconds(bootTimeout));
            s1 = ProcStat.cpu(pid);
            jit1 = serverPid > 0 ? ProcStat.threadsCpu(serverPid, JIT_THREADS) : Double.NaN;
            g1 = ProcStat.cpu(gateway.pid());
            q = ProcStat.cpu(guest.pid());
            m2 = metrics();
            load1 = ProcStat.load1();
            if (agent != null) {
                a1 = agent.get();
            }
        }
        List<String> files = new ArrayList<>();
        if (profile) {
            if (serverPid > 0) {
                files.add(profiler.stop(serverPid, "agent-boot-" + name).toString());
            }
            files.add(profiler.stop(gateway.pid(), "gateway-boot-" + name).toString());
        }
        Map<String, Long> ops = new LinkedHashMap<>();
        Map<String, Double> before = PromText.byLabel(m0, "imagegate_s3_requests_seconds_count", "operation");
        PromText.byLabel(m2, "imagegate_s3_requests_seconds_count", "operation").forEach((op, v) -> {
            long d = Math.round(v - before.getOrDefault(op, 0.0));
            if (d > 0) {
                ops.put(op, d);
            }
        });
        ProcStat.Cpu s = s1.minus(s0);
        ProcStat.Cpu g = g1.minus(g0);
        return new BootRun(method, repeat, order, (t1 - t0) / 1e9, (marker.nanoTime() - tq) / 1e9, marker.guestUptime(),
                delta(m0, m2, "imagegate_s3_bytes_out_total"), delta(m1, m2, "imagegate_s3_bytes_out_total"),
                ops.values().stream().mapToLong(Long::longValue).sum(), ops, s.user(), s.system(), jit1 - jit0,
                g.user(), g.system(), q.total(),
                a1 == null ? -1 : a1.fetchedBytes() - a0.fetchedBytes(),
                a1 == null ? -1 : a1.fetchRequests() - a0.fetchRequests(),
                a1 == null ? -1 : a1.guestReadBytes() - a0.guestReadBytes(),
                a1 == null ? -1 : a1.readAheadChunks() - a0.readAheadChunks(),
                a1 == null ? 0 : a1.prefetchDone(), a1 == null ? 0 : a1.prefetchTotal(), load0, load1, files);
    }

    private static long nbdkitPid(Path dir) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve("node/nbdkit.pid")).strip());
    }

    private static long delta(String before, String after, String metric) throws IOException {
        double a = PromText.sum(before, metric);
        double b = PromText.sum(after, metric);
        if (Double.isNaN(a) || Double.isNaN(b)) {
            throw new IOException("the gateway's /metrics has no " + metric);
        }
        return Math.round(b - a);
    }

    /** As agent-read warms each agent process: a random image read cold and warm, then random 4 KiB reads (a GET each). */
    private void warmUp(AgentDaemon agent) throws Exception {
        for (TestImage w : warmImages) {
            String u = agent.attach(gateway.endpoint, BUCKET, WARM_UP_KEY + w.file().getFileName(), "warm-up");
            if (w.name().equals("warm-up-random")) {
                AgentReadCommand.randomReads(agent.socket("warm-up"), w.size());
            } else {
                ClientRun.run(work, List.of("nbdcopy", u, "null:"), TIMEOUT);
                ClientRun.run(work, List.of("nbdcopy", u, "null:"), TIMEOUT);
            }
            agent.detach("warm-up");
        }
    }

    private String publicUrl() {
        return gateway.endpoint + "/" + BUCKET + "/" + KEY;
    }

    private String metrics() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.endpoint + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private void upload(Path disk) throws InterruptedException {
        try (S3Client s3 = ServerProcess.clientBuilder(gateway.endpoint, 4).build()) {
            gateway.awaitReady(s3::listBuckets, Duration.ofSeconds(120));
            s3.createBucket(b -> b.bucket(BUCKET));
            // public-read: nbdkit's curl plugin reads it by plain URL (nbdkit 1.32 sends HEAD, which a presigned GET
            // does not allow); the agent signs its requests all the same
            s3.putObject(b -> b.bucket(BUCKET).key(KEY).acl(ObjectCannedACL.PUBLIC_READ), RequestBody.fromFile(disk));
            for (TestImage w : warmImages) {
                s3.putObject(b -> b.bucket(BUCKET).key(WARM_UP_KEY + w.file().getFileName()), RequestBody.fromFile(w.file()));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
