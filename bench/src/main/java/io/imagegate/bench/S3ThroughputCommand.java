package io.imagegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench/run s3-throughput}: PUT of one large object, a full GET of it, and many random
 * range GETs at a fixed concurrency, against imagegate and s3proxy in child JVMs of their own,
 * with the same data, the same client and the same order; one warm-up pass, then measured
 * passes with the servers' order alternating; medians, spread and imagegate/s3proxy ratios.
 */
@Command(name = "s3-throughput", mixinStandardHelpOptions = true,
        description = "PUT, full GET and random range GETs: imagegate against s3proxy (filesystem backend).")
final class S3ThroughputCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "1g", description = "Object size (default: ${DEFAULT-VALUE}).")
    ByteSize size;

    @Option(names = "--ranges", defaultValue = "10000", description = "Range GETs per pass (default: ${DEFAULT-VALUE}).")
    int ranges;

    @Option(names = "--range-size", defaultValue = "64k", description = "Bytes per range GET (default: ${DEFAULT-VALUE}).")
    ByteSize rangeSize;

    @Option(names = "--range-align", split = ",", defaultValue = "4k,64k",
            description = "Alignment of range offsets; one range phase per value (default: ${DEFAULT-VALUE}). "
                    + "4k: offsets as a guest's block reads, most ranges straddle two 64 KiB chunks; "
                    + "64k: chunk-aligned.")
    List<ByteSize> rangeAlign;

    @Option(names = "--concurrency", defaultValue = "16", description = "Concurrent range GETs (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured passes after the warm-up (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--heap", defaultValue = "512m", description = "-Xmx of every server JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--data", split = ",", defaultValue = "image,random",
            description = "Data sets: image (random with zero runs, see --zero-fraction), random (no zeros) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> datasets;

    @Option(names = "--zero-fraction", defaultValue = "0.10",
            description = "Share of zeros in the image data set (default: ${DEFAULT-VALUE}).")
    double zeroFraction;

    @Option(names = "--servers", split = ",", defaultValue = "imagegate,s3proxy",
            description = "Servers to compare (default: ${DEFAULT-VALUE}).")
    List<String> servers;

    @Option(names = "--phases", split = ",", defaultValue = "put,get,range",
            description = "Operations to time (default: ${DEFAULT-VALUE}); the object is always PUT once.")
    List<String> phases;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data and of the range offsets.")
    long seed;

    @Option(names = "--jfr", description = "Record a JFR profile (settings=profile) in every server JVM, into the work dir.")
    boolean jfr;

    @Option(names = "--jvm-option", description = "Extra JVM option for every server (repeatable).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--keep-server-data", description = "Leave the servers' data directories in the work dir after the run.")
    boolean keepServerData;

    @Mixin
    RunFiles files;

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        Path work = files.work();
        Path results = files.results();
        Files.createDirectories(work);
        Files.createDirectories(results);
        Path jar = files.existingImagegateJar();
        Instant started = Instant.now();
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        BuildInfo build = BuildInfo.of(root, jar, files.ownImagegateJar());
        say("build: " + build.summary());

        List<TestImage> images = new ArrayList<>();
        for (String d : datasets) {
            double zeros = switch (d) {
                case "image" -> zeroFraction;
                case "random" -> 0.0;
                default -> throw new IllegalArgumentException("unknown data set " + d + " (image, random)");
            };
            say("data: " + d + ": generating or reusing " + size + " under " + work.resolve("data"));
            TestImage image = TestImage.create(d, work.resolve("data"), size.bytes(), zeros, seed);
            say("data: " + d + ": " + image.describe());
            images.add(image);
        }

        ServerProcess.Launch launch = new ServerProcess.Launch(
                Path.of(System.getProperty("java.home"), "bin", "java"), jar.toString(),
                System.getProperty("java.class.path"),
                ServerProcess.logbackConfig(work), heap, jvmOptions, jfr ? work.resolve("jfr") : null);
        List<Run> runs = new ArrayList<>();
        List<PhaseResult> out = new ArrayList<>();
        Map<String, Map<String, Object>> serverInfo = new LinkedHashMap<>();
        try {
            for (String s : servers) {
                ServerProcess p = ServerProcess.start(ServerProcess.Kind.of(s), launch, work);
                runs.add(new Run(p, new S3Workload(p.endpoint, concurrency + 4)));
            }
            for (Run r : runs) {
                r.server.awaitReady(r.client, Duration.ofSeconds(90));
                r.probe = HeapProbe.attach(r.server.pid());
                say("server: " + r.server.name() + " pid " + r.server.pid() + " at " + r.server.endpoint
                        + ", max heap " + r.probe.maxHeap() / ByteSize.MIB + " MiB, log " + r.server.log);
            }
            for (TestImage image : images) {
                measure(image, runs, out);
            }
            for (Run r : runs) {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("command", String.join(" ", r.server.command));
                info.put("maxHeapBytes", r.probe.maxHeap());
                info.put("runHeapPeakUsedBytes", r.probe.runPeakUsed());
                info.put("runHeapMaxAfterGcBytes", r.probe.runMaxAfterGc());
                info.put("putPayloadSigning", r.client.putPayloadMode());
                info.put("alive", r.server.process.isAlive());
                serverInfo.put(r.server.name(), info);
            }
        } finally {
            for (Run r : runs) {
                r.close();
                if (!keepServerData) {
                    ServerProcess.deleteTree(r.server.dataDir); // gigabytes per run on a shared disk
                }
            }
        }
        Report report = new Report(started, machine, build, this, images, serverInfo, out);
        String base = files.resultName(started);
        report.write(results, base);
        System.out.println();
        System.out.println(report.markdown());
        say("results: " + results.resolve(base + ".json") + ", .csv, .md");
        if (jfr) {
            say("profiles: " + work.resolve("jfr") + " (jfr view hot-methods FILE)");
        }
        return 0;
    }

    /** A warm-up pass and the measured passes over one data set, servers interleaved per operation. */
    private void measure(TestImage image, List<Run> runs, List<PhaseResult> out) throws Exception {
        String bucket = "bench-" + image.name();
        for (Run r : runs) {
            r.client.createBucket(bucket);
        }
        for (int pass = 0; pass <= repeats; pass++) {
            List<Run> order = new ArrayList<>(runs);
            if (pass % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            String key = image.name() + "-pass" + pass + ".raw";
            String tag = pass == 0 ? "warm-up" : "pass " + pass;
            for (Run r : order) {
                if (pass > 0 && !phases.contains("put")) {
                    key = image.name() + "-pass0.raw";
                    continue;
                }
                long storedBefore = r.server.storedBytes();
                r.probe.begin();
                long nanos = r.client.put(bucket, key, image);
                HeapProbe.Window w = r.probe.end();
                long syncNanos = syncFileSystems();
                long stored = r.server.storedBytes() - storedBefore;
                record(out, PhaseResult.of(image.name(), "put", r.server.name(), pass, image.size(), 1, nanos, null,
                        stored, w).withSync(syncNanos), tag);
            }
            if (phases.contains("get")) {
                for (Run r : order) {
                    r.probe.begin();
                    S3Workload.Download d = r.client.get(bucket, key);
                    HeapProbe.Window w = r.probe.end();
                    if (d.bytes() != image.size() || d.crc32c() != image.crc32c()) {
                        throw new IllegalStateException(r.server.name() + " returned " + d.bytes() + " bytes with CRC32C "
                                + Long.toHexString(d.crc32c()) + ", expected " + image.size() + " / "
                                + Long.toHexString(image.crc32c()));
                    }
                    record(out, PhaseResult.of(image.name(), "get", r.server.name(), pass, d.bytes(), 1, d.nanos(),
                            null, 0, w), tag);
                }
            }
            if (phases.contains("range")) {
                for (ByteSize align : rangeAlign) {
                    long[] offsets = offsets(image.size(), align.bytes(), pass);
                    for (Run r : order) {
                        r.probe.begin();
                        S3Workload.RangeRun rr = r.client.ranges(bucket, key, image, offsets, (int) rangeSize.bytes(),
                                concurrency);
                        HeapProbe.Window w = r.probe.end();
                        if (rr.mismatches() > 0) {
                            throw new IllegalStateException(r.server.name() + ": " + rr.mismatches()
                                    + " range GETs returned wrong bytes");
                        }
                        record(out, PhaseResult.of(image.name(), "range@" + align.flag(), r.server.name(), pass,
                                rr.requests() * rr.bytesPerRequest(), rr.requests(), rr.nanos(), rr.latencyNanos(), 0, w),
                                tag);
                    }
                }
            }
        }
    }

    /** Random range starts, aligned, the same for every server in a pass. */
    private long[] offsets(long objectSize, long align, int pass) {
        SplittableRandom random = new SplittableRandom(seed * 31 + pass * 1_000_003L + align);
        long slots = (objectSize - rangeSize.bytes()) / align + 1;
        long[] offsets = new long[ranges];
        for (int i = 0; i < ranges; i++) {
            offsets[i] = random.nextLong(slots) * align;
        }
        return offsets;
    }

    private static void record(List<PhaseResult> out, PhaseResult r, String tag) {
        out.add(r);
        String detail = r.requests() > 1
                ? "%.0f req/s, %.1f MiB/s, p50 %.2f ms, p99 %.2f ms".formatted(r.requestsPerSecond(), r.mibPerSecond(),
                        r.p50Millis(), r.p99Millis())
                : "%.1f MiB/s in %.2f s%s".formatted(r.mibPerSecond(), r.seconds(),
                        r.phase().equals("put") ? " (+ %.2f s sync)".formatted(r.syncSeconds()) : "");
        String gcs = r.collections() == 0 ? "no GC"
                : "%d GCs, after GC max %d MiB".formatted(r.collections(), r.heapMaxAfterGcBytes() / ByteSize.MIB);
        say("%s [%s] %-10s %-9s %s; CPU server %.2f s, client %.2f s; heap peak %d MiB, %s%s"
                .formatted(tag, r.dataset(), r.phase(), r.server(), detail, r.serverCpuSeconds(), r.clientCpuSeconds(),
                r.heapPeakUsedBytes() / ByteSize.MIB, gcs,
                r.storedBytes() > 0 ? ", stored %.1f MiB".formatted(r.storedBytes() / (double) ByteSize.MIB) : ""));
    }

    /**
     * Flushes dirty pages after a PUT, outside the PUT's timing, so that a server that leaves its
     * writes in the page cache does not slow the next measurement down with its writeback; how
     * long it took is reported as the cost of making that PUT durable.
     */
    private static long syncFileSystems() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        return System.nanoTime() - t0;
    }

    static void say(String line) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + line);
        System.out.flush();
    }

    /** A server, the client that drives it and the probe that watches its heap. */
    private static final class Run implements AutoCloseable {
        final ServerProcess server;
        final S3Workload client;
        HeapProbe probe;

        Run(ServerProcess server, S3Workload client) {
            this.server = server;
            this.client = client;
        }

        @Override
        public void close() {
            if (probe != null) {
                probe.close();
            }
            client.close();
            server.close();
        }
    }
}
