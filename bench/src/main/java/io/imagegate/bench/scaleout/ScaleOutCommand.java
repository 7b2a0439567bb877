package io.imagegate.bench.scaleout;

import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.RunFiles;
import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code bench/run scale-out}: 1, 2 and 4 gateways (child JVMs) over one 3-server ZooKeeper
 * ensemble (child JVMs) and one chunk store, all on this machine: aggregate small-object PUT rate,
 * range-GET throughput on a hot image and LIST page latency in a bucket of a million keys, with
 * scaling ratios, CPU per request, the ensemble's transactions, s3proxy on the same storage as the
 * peer, what the ensemble alone can do with a PUT's ZooKeeper traffic, and the largest znode and
 * child list against ZooKeeper's 1 MB limit.
 */
@Command(name = "scale-out", mixinStandardHelpOptions = true,
        description = "Gateways 1, 2, 4 over a 3-server ZooKeeper ensemble and one chunk store: PUT rate, "
                + "range GETs, LIST at a million keys, ZooKeeper limits.")
public final class ScaleOutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--gateways", split = ",", defaultValue = "1,2,4", description = "Gateway counts (default: ${DEFAULT-VALUE}).")
    List<Integer> gatewayCounts;

    @Option(names = "--backends", split = ",", defaultValue = "s3,local",
            description = "Chunk stores: s3 (s3proxy, filesystem backend, in a child JVM), local (one directory shared "
                    + "by all gateways). LIST is measured on the first only (it touches no chunk). Default: ${DEFAULT-VALUE}.")
    List<String> backends;

    @Option(names = "--phases", split = ",", defaultValue = "put,range,list",
            description = "Measurements per gateway count (default: ${DEFAULT-VALUE}).")
    List<String> phases;

    @Option(names = "--keys", defaultValue = "1000000", description = "Keys of the LIST bucket (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--dirs", defaultValue = "10000", description = "Directories those keys are spread over (default: ${DEFAULT-VALUE}).")
    int dirs;

    @Option(names = "--page-size", defaultValue = "1000", description = "max-keys of a LIST page (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--load-threads", defaultValue = "48", description = "Client threads loading the keys (default: ${DEFAULT-VALUE}).")
    int loadThreads;

    @Option(names = "--load-via", defaultValue = "metadata",
            description = "How the LIST bucket is loaded: metadata (the metadata store's publish call, from this process: "
                    + "the records a PUT makes, fast) or s3 (PUTs through the gateways) (default: ${DEFAULT-VALUE}).")
    String loadVia;

    @Option(names = "--load-size", defaultValue = "0",
            description = "Body bytes of each loaded key; 0 stores no chunk, only metadata (default: ${DEFAULT-VALUE}).")
    int loadSize;

    @Option(names = "--put-size", defaultValue = "4k", description = "Object size of the PUT phase (default: ${DEFAULT-VALUE}).")
    ByteSize putSize;

    @Option(names = "--put-threads", defaultValue = "32", description = "Client threads of the PUT phase (default: ${DEFAULT-VALUE}).")
    int putThreads;

    @Option(names = "--image-size", defaultValue = "128m", description = "The hot image (default: ${DEFAULT-VALUE}).")
    ByteSize imageSize;

    @Option(names = "--range-size", defaultValue = "64k", description = "Bytes per range GET, aligned (default: ${DEFAULT-VALUE}).")
    ByteSize rangeSize;

    @Option(names = "--get-threads", defaultValue = "32", description = "Client threads of the range phase (default: ${DEFAULT-VALUE}).")
    int getThreads;

    @Option(names = "--seconds", defaultValue = "15", description = "Length of each measured PUT or range run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "Length of the warm-up run before them (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured runs of each phase (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--list-repeats", defaultValue = "1",
            description = "Full walks of the whole bucket per gateway count; the smaller listings run 3 times as often (default: ${DEFAULT-VALUE}).")
    int listRepeats;

    @Option(names = "--ceiling-seconds", defaultValue = "10",
            description = "Length of each ZooKeeper-only run of a PUT's requests; 0 skips them (default: ${DEFAULT-VALUE}).")
    int ceilingSeconds;

    @Option(names = "--ceiling-in-flight", defaultValue = "64", description = "PUTs in flight in those runs (default: ${DEFAULT-VALUE}).")
    int ceilingInFlight;

    @Option(names = "--load-only", description = "Load the LIST bucket (or find it loaded, with --reuse), scan znode sizes, "
            + "report, and stop: the load is the longest step, and a later run with --reuse measures on its data.")
    boolean loadOnly;

    @Option(names = "--no-scan", description = "Skip the scan of znode sizes.")
    boolean noScan;

    @Option(names = "--no-s3proxy", description = "Skip the s3proxy baseline.")
    boolean noS3proxy;

    @Option(names = "--reuse", description = "Keep the ensemble's and s3proxy's data from an earlier run with the same --keys and "
            + "--dirs (skips the load); otherwise both start empty.")
    boolean reuse;

    @Option(names = "--zk-heap", defaultValue = "3g", description = "-Xmx of each ZooKeeper server (default: ${DEFAULT-VALUE}).")
    String zkHeap;

    @Option(names = "--snap-count", defaultValue = "1000000",
            description = "ZooKeeper transactions between snapshots (default: ${DEFAULT-VALUE}).")
    int snapCount;

    @Option(names = "--gateway-heap", defaultValue = "512m", description = "-Xmx of each gateway and of s3proxy (default: ${DEFAULT-VALUE}).")
    String gatewayHeap;

    @Option(names = "--chunks-cache-mb", defaultValue = "256", description = "Chunk cache of each gateway on the S3 store (default: ${DEFAULT-VALUE}).")
    long cacheMb;

    @Option(names = "--quiet-load", defaultValue = "2.5",
            description = "Before the first measurement, wait for the 1-minute load average to fall below this (default: ${DEFAULT-VALUE}).")
    double quietLoad;

    @Option(names = "--quiet-foreign", defaultValue = "0.5",
            description = "Before each measurement, wait until other work uses fewer cores than this (default: ${DEFAULT-VALUE}).")
    double quietForeign;

    @Option(names = "--quiet-wait", defaultValue = "600", description = "Longest single wait for quiet, seconds (default: ${DEFAULT-VALUE}).")
    int quietWait;

    @Option(names = "--quiet-budget", defaultValue = "900", description = "Longest total wait for quiet in a run, seconds (default: ${DEFAULT-VALUE}).")
    int quietBudget;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of data, key order and offsets.")
    long seed;

    @Mixin
    RunFiles files;

    static final String LIST_BUCKET = "scale-list";

    private Path work;
    private Path javaBin;
    private Path runJar;
    private Path logback;
    private Ensemble ensemble;
    private ChunkBackend.S3 s3;
    private ChunkBackend.Local local;
    private QuietGate gate;
    private final List<ChildJvm> running = new ArrayList<>();
    private final List<Measurement> measurements = new ArrayList<>();
    private final List<ScaleOutReport.ListRun> lists = new ArrayList<>();
    private final List<ScaleOutReport.Ceiling> ceilings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private byte[] image;

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        work = files.work();
        Path results = files.results();
        Path jar = files.existingImagegateJar();
        KeyLayout layout = new KeyLayout(keys, dirs);
        Files.createDirectories(work);
        Files.createDirectories(results);
        Instant started = Instant.now();
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        BuildInfo build = BuildInfo.of(root, jar);
        say("build: " + build.summary());
        // the servers run a private copy: a rebuild of the shared jar during the run must not change them
        runJar = work.resolve("imagegate.jar");
        Files.copy(jar, runJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        logback = ServerProcess.logbackConfig(work);
        String benchClasspath = System.getProperty("java.class.path");
        gate = new QuietGate(quietLoad, quietForeign, quietWait, quietBudget, () -> List.copyOf(running));
        image = new byte[Math.toIntExact(imageSize.bytes())];
        new SplittableRandom(seed).nextBytes(image);

        Path loaded = work.resolve("loaded-" + keys + "x" + dirs);
        boolean reusing = reuse && Files.exists(loaded);
        if (!reusing) {
            ServerProcess.deleteTree(work.resolve("zk"));
            ServerProcess.deleteTree(work.resolve("s3proxy-data"));
            ServerProcess.deleteTree(work.resolve("local-chunks"));
            try (var old = Files.list(work)) {
                for (Path p : old.filter(p -> p.getFileName().toString().startsWith("loaded-")).toList()) {
                    Files.delete(p);
                }
            }
        }
        try {
            say("ZooKeeper: starting 3 servers (" + zkHeap + " heap each)" + (reusing ? " on the data of an earlier run" : ""));
            ensemble = Ensemble.start(work.resolve("zk"), javaBin, benchClasspath, logback, zkHeap, snapCount);
            running.addAll(ensemble.processes());
            say("ZooKeeper: " + ensemble.connectString() + ", leader " + ensemble.stats().leader());
            s3 = ChunkBackend.S3.start(work, work.resolve("s3proxy-data"), javaBin, benchClasspath, logback, gatewayHeap,
                    cacheMb);
            running.addAll(s3.processes());
            local = ChunkBackend.Local.at(work.resolve("local-chunks"));
            try (S3Client direct = S3Clients.of(s3.endpoint(), 8)) {
                awaitS3proxy(direct);
                S3Clients.ensureBucket(direct, ChunkBackend.S3.BUCKET);
            }
            say("s3proxy: " + s3.endpoint() + " (filesystem under " + work.resolve("s3proxy-data") + ")");

            QuietGate.Wait first = gate.awaitLowLoad();
            say("load average %.2f after waiting %.0f s%s".formatted(first.load1(), first.seconds(),
                    first.quiet() ? "" : " (never fell below " + quietLoad + ")"));
            notes.add("first wait: load average %.2f after %.0f s (threshold %.1f)%s".formatted(first.load1(),
                    first.seconds(), quietLoad, first.quiet() ? "" : ", not reached"));

            int maxGateways = gatewayCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
            if (reusing) {
                say("load: reusing the " + keys + " keys loaded by an earlier run (" + loaded + ")");
                notes.add("the " + keys + " keys were loaded by an earlier run and reused (--reuse)");
            } else {
                load(layout, maxGateways, backend(backends.get(0)));
                Files.writeString(loaded, Instant.now() + "\n");
            }
            for (int bi = 0; bi < backends.size() && !loadOnly; bi++) {
                ChunkBackend backend = backend(backends.get(bi));
                for (int g : gatewayCounts) {
                    measureFleet(g, backend, bi == 0, layout);
                }
            }
            if (!noS3proxy && !loadOnly) {
                measureS3proxy();
            }
            if (ceilingSeconds > 0 && !loadOnly) {
                measureCeiling();
            }
            ZnodeScan.Result scan = null;
            if (!noScan) {
                say("scan: every znode under /imagegate, sizes against the 1 MB limit");
                scan = ZnodeScan.scan(ensemble.connectString(), "/imagegate");
                say("scan: %d znodes in %.0f s; largest data %d bytes (%s); largest child list %d bytes (%s, %d children)"
                        .formatted(scan.znodes(), scan.seconds(), scan.largestData().bytes(), scan.largestData().path(),
                                scan.largestChildList().bytes(), scan.largestChildList().path(),
                                scan.largestChildList().children()));
            }
            notes.add("ZooKeeper data on disk after the run: %.1f GiB (3 servers)"
                    .formatted(Ensemble.diskBytes(work.resolve("zk")) / (double) ByteSize.GIB));
            ScaleOutReport report = new ScaleOutReport(started, Instant.now(), machine, build, commandLine(), this,
                    measurements, lists, ceilings, scan, ensemble.stats(), notes);
            String base = files.resultName(started);
            report.write(results, base);
            System.out.println();
            System.out.println(report.markdown());
            say("results: " + results.resolve(base + ".md") + ", .json, .csv");
            return 0;
        } finally {
            if (s3 != null) {
                s3.close();
            }
            if (ensemble != null) {
                ensemble.close();
            }
        }
    }

    private ChunkBackend backend(String name) {
        return switch (name) {
            case "s3" -> s3;
            case "local" -> local;
            default -> throw new IllegalArgumentException("unknown backend " + name + " (s3, local)");
        };
    }

    /** Every key of the LIST bucket, PUT through all gateways at once; itself a PUT measurement. */
    private void load(KeyLayout layout, int gateways, ChunkBackend backend) throws Exception {
        try (GatewayFleet fleet = startFleet(gateways, backend)) {
            S3Clients.ensureBucket(fleet.clients().get(0), LIST_BUCKET);
            say("load: %d keys (%d directories), %d-byte bodies, %d threads, via %s"
                    .formatted(keys, dirs, loadSize, loadThreads, loadVia.equals("s3")
                            ? gateways + " gateways (" + backend.label() + " store)" : "the metadata store's publish call"));
            long t0 = System.nanoTime();
            java.util.function.Consumer<Long> progress = done -> say("load: %d of %d keys, %.0f PUT/s so far, load average %.2f"
                    .formatted(done, keys, done / ((System.nanoTime() - t0) / 1e9), CpuMeter.load1()));
            Measurement m = switch (loadVia) {
                case "s3" -> measure("load", "imagegate-" + backend.label(), gateways, 1,
                        () -> Workloads.load(fleet.clients(), LIST_BUCKET, layout, loadThreads, loadSize, seed, progress));
                case "metadata" -> {
                    if (loadSize != 0) {
                        throw new IllegalArgumentException("--load-via metadata loads empty objects only (--load-size 0)");
                    }
                    yield measure("load", "metadata-publish", gateways, 1, () -> Workloads.loadThroughMetadata(
                            ensemble.connectString(), LIST_BUCKET, layout, loadThreads, seed, progress));
                }
                default -> throw new IllegalArgumentException("--load-via is metadata or s3, not " + loadVia);
            };
            say("load: %d keys in %.0f s: %.0f PUT/s, %.2f ZooKeeper transactions per PUT, %d errors retried"
                    .formatted(m.requests(), m.seconds(), m.rate(), m.zkTransactionsPerRequest(), m.errors()));
        }
    }

    /** Starts {@code count} gateways, measures each phase, stops them. */
    private void measureFleet(int count, ChunkBackend backend, boolean listHere, KeyLayout layout) throws Exception {
        String target = "imagegate-" + backend.label();
        try (GatewayFleet fleet = startFleet(count, backend)) {
            if (phases.contains("put")) {
                String bucket = "scale-put-" + backend.label();
                S3Clients.ensureBucket(fleet.clients().get(0), bucket);
                for (int r = 0; r <= repeats; r++) {
                    String prefix = "g" + count + "/r" + r + "/" + System.currentTimeMillis() + "/";
                    int run = r;
                    measure("put", target, count, r, () -> Workloads.puts(fleet.clients(), bucket, prefix,
                            putThreads, (int) putSize.bytes(), Duration.ofSeconds(run == 0 ? warmupSeconds : seconds),
                            seed + run));
                }
            }
            if (phases.contains("range")) {
                String bucket = "scale-img-" + backend.label();
                prepareImage(fleet.clients(), bucket);
                say("range: warming the image through every gateway");
                Workloads.warm(fleet.clients(), bucket, "hot.raw", image.length, (int) rangeSize.bytes(), getThreads);
                for (int r = 0; r <= repeats; r++) {
                    int run = r;
                    measure("range", target, count, r, () -> Workloads.ranges(fleet.clients(), bucket, "hot.raw",
                            image, getThreads, (int) rangeSize.bytes(),
                            Duration.ofSeconds(run == 0 ? warmupSeconds : seconds), seed + 1000L * count + run));
                }
            }
            if (phases.contains("list") && listHere) {
                measureLists(fleet, layout);
            }
        }
    }

    /** Every listing of the layout, page by page through the gateways in turn, checked. */
    private void measureLists(GatewayFleet fleet, KeyLayout layout) throws Exception {
        ListClient client = new ListClient();
        for (KeyLayout.ListCase c : layout.cases()) {
            int walks = c.name().equals("all") ? listRepeats : 3 * listRepeats;
            // a first, unmeasured page warms connections and the gateways' partition-map caches
            client.list(fleet.endpoints().get(0), LIST_BUCKET, c.prefix(), c.delimiter(), pageSize, null);
            for (int w = 1; w <= walks; w++) {
                QuietGate.Wait wait = gate.awaitLittleForeignCpu();
                Ensemble.Stats zkA = ensemble.stats();
                CpuMeter.Sample a = CpuMeter.sample(List.copyOf(running));
                ListWalk.Result r = ListWalk.walk(client, fleet.endpoints(), LIST_BUCKET, c, pageSize,
                        Math.max(10, c.expected() / Math.max(1, pageSize) * 2 + 10));
                CpuMeter.Use cpu = CpuMeter.between(a, CpuMeter.sample(List.copyOf(running)));
                Ensemble.Stats zkB = ensemble.stats();
                Measurement.ZkDelta zk = Measurement.ZkDelta.between(zkA, zkB, cpu);
                lists.add(new ScaleOutReport.ListRun(r, w, cpu, zk, wait));
                say(("list %-16s %d gw, walk %d: %d pages, %d entries, %s; page p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                        + "%.1f ZooKeeper requests per page; load %.2f→%.2f")
                        .formatted(c.name(), fleet.size(), w, r.pages(), r.entries(),
                                r.correct() ? "correct" : "WRONG: " + r.problem(), r.pageLatency().p50(),
                                r.pageLatency().p99(), r.pageLatency().max(), zk.requestsReceived() / r.pages(),
                                cpu.loadStart(), cpu.loadEnd()));
            }
        }
    }

    /** s3proxy alone, on the same filesystem storage, driven by the same client: the peer. */
    private void measureS3proxy() throws Exception {
        try (S3Client direct = S3Clients.of(s3.endpoint(), Math.max(putThreads, getThreads) + 4)) {
            List<S3Client> clients = List.of(direct);
            if (phases.contains("put")) {
                S3Clients.ensureBucket(direct, "baseline-put");
                for (int r = 0; r <= repeats; r++) {
                    int run = r;
                    String prefix = "r" + r + "/" + System.currentTimeMillis() + "/";
                    measure("put", "s3proxy", 0, r, () -> Workloads.puts(clients, "baseline-put", prefix,
                            putThreads, (int) putSize.bytes(), Duration.ofSeconds(run == 0 ? warmupSeconds : seconds),
                            seed + run));
                }
            }
            if (phases.contains("range")) {
                S3Clients.ensureBucket(direct, "baseline-img");
                direct.putObject(b -> b.bucket("baseline-img").key("hot.raw"), RequestBody.fromBytes(image));
                Workloads.warm(clients, "baseline-img", "hot.raw", image.length, (int) rangeSize.bytes(), getThreads);
                for (int r = 0; r <= repeats; r++) {
                    int run = r;
                    measure("range", "s3proxy", 0, r, () -> Workloads.ranges(clients, "baseline-img", "hot.raw",
                            image, getThreads, (int) rangeSize.bytes(),
                            Duration.ofSeconds(run == 0 ? warmupSeconds : seconds), seed + run));
                }
            }
        }
    }

    /** The ensemble alone with a PUT's ZooKeeper requests, in today's shape and two cheaper ones. */
    private void measureCeiling() throws Exception {
        ZkWriteCeiling ceiling = ZkWriteCeiling.connect(ensemble.connectString(), 4);
        try {
            ceiling.run(ZkWriteCeiling.Shape.TODAY, ceilingInFlight, 3); // warm-up
            for (ZkWriteCeiling.Shape shape : ZkWriteCeiling.Shape.values()) {
                QuietGate.Wait wait = gate.awaitLittleForeignCpu();
                Ensemble.Stats zkA = ensemble.stats();
                CpuMeter.Sample a = CpuMeter.sample(List.copyOf(running));
                ZkWriteCeiling.Result r = ceiling.run(shape, ceilingInFlight, ceilingSeconds);
                CpuMeter.Use cpu = CpuMeter.between(a, CpuMeter.sample(List.copyOf(running)));
                Measurement.ZkDelta zk = Measurement.ZkDelta.between(zkA, ensemble.stats(), cpu);
                ceilings.add(new ScaleOutReport.Ceiling(r, cpu, zk, wait));
                say(("ZooKeeper alone, %s: %.0f PUTs/s (%.0f transactions/s), p50 %.1f ms, ZooKeeper CPU %.2f ms per PUT, "
                        + "client CPU %.2f ms per PUT, %d errors; load %.2f→%.2f")
                        .formatted(shape.label, r.rate(), zk.transactions() / r.seconds(), r.latency().p50(),
                                cpu.zookeeper() * 1000 / r.puts(), cpu.client() * 1000 / r.puts(), r.errors(),
                                cpu.loadStart(), cpu.loadEnd()));
                ceiling.cleanUp();
            }
        } finally {
            ceiling.close();
        }
    }

    /** One run: waits for quiet (measured runs only), then counts what every process and the ensemble did. */
    private Measurement measure(String phase, String target, int gateways, int repeat,
                                Callable<Workloads.Outcome> work) throws Exception {
        QuietGate.Wait wait = repeat == 0 ? new QuietGate.Wait(0, CpuMeter.load1(), Double.NaN, true)
                : gate.awaitLittleForeignCpu();
        Ensemble.Stats zkA = ensemble.stats();
        CpuMeter.Sample a = CpuMeter.sample(List.copyOf(running));
        Workloads.Outcome o = work.call();
        CpuMeter.Use cpu = CpuMeter.between(a, CpuMeter.sample(List.copyOf(running)));
        Ensemble.Stats zkB = ensemble.stats();
        Measurement m = new Measurement(phase, target, gateways, repeat, o.requests(), o.errors(), o.bytes(),
                o.seconds(), o.latency(), cpu, Measurement.ZkDelta.between(zkA, zkB, cpu), wait, o.firstError());
        measurements.add(m);
        say(("%s %-5s %-16s %d gw: %.0f req/s%s, p50 %.1f ms, p99 %.1f ms; CPU s: gw %.1f zk %.1f backend %.1f client %.1f "
                + "other %.1f; ZooKeeper %.0f tx/s (%.2f per req); load %.2f→%.2f%s")
                .formatted(repeat == 0 ? "warm-up" : "run " + repeat, phase, target, gateways, m.rate(),
                        phase.equals("range") ? " (%.0f MiB/s)".formatted(m.mibPerSecond()) : "",
                        o.latency().p50(), o.latency().p99(), cpu.gateways(), cpu.zookeeper(), cpu.backend(),
                        cpu.client(), cpu.foreign(), m.zkTransactionsPerSecond(), m.zkTransactionsPerRequest(),
                        cpu.loadStart(), cpu.loadEnd(),
                        o.errors() > 0 ? "; " + o.errors() + " errors, first: " + o.firstError() : ""));
        return m;
    }

    private GatewayFleet startFleet(int count, ChunkBackend backend) throws IOException, InterruptedException {
        say("gateways: starting " + count + " on the " + backend.label() + " chunk store");
        GatewayFleet fleet = GatewayFleet.start(count, ensemble.connectString(), backend, work.resolve("gateways"), javaBin,
                runJar, logback, gatewayHeap, Math.max(putThreads, Math.max(getThreads, loadThreads)) + 4);
        running.addAll(fleet.processes());
        return fleet.onClose(() -> running.removeAll(fleet.processes()));
    }

    /** PUTs the hot image once per store (a reused run finds it already there). */
    private void prepareImage(List<S3Client> clients, String bucket) {
        S3Client s3c = clients.get(0);
        S3Clients.ensureBucket(s3c, bucket);
        try {
            long size = s3c.headObject(b -> b.bucket(bucket).key("hot.raw")).contentLength();
            if (size == image.length) {
                return;
            }
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
        }
        say("range: uploading the " + imageSize + " image to " + bucket);
        s3c.putObject(b -> b.bucket(bucket).key("hot.raw"), RequestBody.fromBytes(image));
    }

    private static void awaitS3proxy(S3Client s3) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                s3.listBuckets();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(250);
            }
        }
    }

    private String commandLine() {
        return "bench/run scale-out" + (spec == null ? ""
                : " " + String.join(" ", spec.commandLine().getParseResult().originalArgs())).stripTrailing();
    }

    static void say(String line) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + line);
        System.out.flush();
    }
}
