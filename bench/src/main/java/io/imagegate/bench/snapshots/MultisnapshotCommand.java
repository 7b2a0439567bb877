package io.imagegate.bench.snapshots;

import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.PlotFiles;
import io.imagegate.bench.RunFiles;
import io.imagegate.bench.ServerProcess;
import io.imagegate.bench.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench/run multisnapshot}: the multisnapshot experiment of issue 3. Many guests booted
 * from one base image each write 1% of it, clustered or scattered; all their snapshots are
 * committed at once through imagegate's commit extension, and, as baselines, uploaded whole
 * (PutObject) and as standard multipart uploads with UploadPartCopy for unchanged ranges (on
 * imagegate and on s3proxy, whose filesystem backend stores what plain S3 would); the same
 * writes kept as qcow2 overlays are the storage peer. Bytes sent, bytes added on disk and time
 * for all snapshots, per method; then the scattered workload at several chunk sizes.
 */
@Command(name = "multisnapshot", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Issue 3's multisnapshot experiment: N concurrent snapshot commits against full uploads, "
                + "multipart+UploadPartCopy and qcow2 overlays; bytes sent, bytes stored, time.")
public final class MultisnapshotCommand implements Callable<Integer> {

    @Option(names = "--image-size", defaultValue = "4g",
            description = "Base image size for the main comparison (default: ${DEFAULT-VALUE}); halved per "
                    + "combination while its estimated disk use exceeds --disk-budget.")
    ByteSize imageSize;

    @Option(names = "--snapshots", defaultValue = "64", description = "Guests, hence snapshots (default: ${DEFAULT-VALUE}).")
    int snapshots;

    @Option(names = "--workload", defaultValue = "both",
            description = "clustered, scattered or both, for the main comparison (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--chunk-size", defaultValue = "64k",
            description = "Bucket chunk size of the main comparison (default: ${DEFAULT-VALUE}).")
    ByteSize chunkSize;

    @Option(names = "--chunk-sizes", split = ",", defaultValue = "4k,64k,1m",
            description = "Chunk sizes of the scattered trade-off run (default: ${DEFAULT-VALUE}).")
    List<ByteSize> chunkSizes;

    @Option(names = "--sweep-image-size", defaultValue = "128m",
            description = "Base image size of the chunk-size trade-off (default: ${DEFAULT-VALUE}); at 1 MiB chunks "
                    + "every snapshot changes ~92%% of the image, so 64 of them at 4 GiB would store 240 GiB.")
    ByteSize sweepImageSize;

    @Option(names = "--no-sweep", description = "Skip the chunk-size trade-off.")
    boolean noSweep;

    @Option(names = "--write-fraction", defaultValue = "0.01",
            description = "Share of the image each guest writes (default: ${DEFAULT-VALUE}).")
    double writeFraction;

    @Option(names = "--min-run", defaultValue = "4k", description = "Shortest clustered write (default: ${DEFAULT-VALUE}).")
    ByteSize minRun;

    @Option(names = "--max-run", defaultValue = "1m", description = "Longest clustered write (default: ${DEFAULT-VALUE}).")
    ByteSize maxRun;

    @Option(names = "--methods", split = ",", defaultValue = "commit,full,multipart,s3proxy,qcow2",
            description = "What to measure (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--threads", defaultValue = "16",
            description = "Client threads: every method submits its snapshots at once to a fixed pool of this size "
                    + "(default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Runs of the commit method per combination, each into a fresh bucket (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--sweep-repeats", defaultValue = "1",
            description = "Runs of the commit method per chunk size of the trade-off (default: ${DEFAULT-VALUE}).")
    int sweepRepeats;

    @Option(names = "--full-uploads", defaultValue = "4",
            description = "Snapshots measured as full uploads, extrapolated to --snapshots (default: ${DEFAULT-VALUE}).")
    int fullUploads;

    @Option(names = "--multipart-snapshots", defaultValue = "4",
            description = "Snapshots measured as multipart uploads on imagegate, extrapolated (default: ${DEFAULT-VALUE}).")
    int multipartSnapshots;

    @Option(names = "--s3proxy-snapshots", defaultValue = "2",
            description = "Snapshots measured as multipart uploads on s3proxy (main comparison only), extrapolated "
                    + "(default: ${DEFAULT-VALUE}).")
    int s3proxySnapshots;

    @Option(names = "--disk-budget",
            description = "Most this run may hold on disk at once (default: half the free space of the work dir).")
    ByteSize diskBudget;

    @Option(names = "--zero-fraction", defaultValue = "0.10",
            description = "Share of zeros in the base image (default: ${DEFAULT-VALUE}).")
    double zeroFraction;

    @Option(names = "--heap", defaultValue = "1g", description = "-Xmx of the server JVMs (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--jvm-option", description = "Extra JVM option for every server (repeatable).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the base image and of the writes.")
    long seed;

    @Option(names = "--no-verify", description = "Skip reading snapshots back.")
    boolean noVerify;

    @Option(names = "--keep-data", description = "Keep the generated base images in the work dir after the run.")
    boolean keepData;

    @Option(names = "--dry-run", description = "Print the plan (sizes, changed bytes, disk estimate) and stop.")
    boolean dryRun;

    @Mixin
    RunFiles files;

    @Mixin
    PlotFiles plots;

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        Path work = files.work();
        Path results = files.results();
        Path plotDir = plots.dir();
        Path jar = files.imagegateJar();
        Files.createDirectories(work);
        Instant started = Instant.now();
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        long free = Files.getFileStore(work).getUsableSpace();
        long budget = diskBudget != null ? diskBudget.bytes() : free / 2;
        say("disk: %s free in %s; budget %s".formatted(gib(free), work, gib(budget)));
        List<Combo> combos = plan(budget);
        for (Combo c : combos) {
            say(("plan: %s: %d snapshots, %d writes, written %s, changed chunks %s (%.2f%% of the image per snapshot); "
                    + "estimated peak disk %s%s").formatted(c.name(), c.writes().size(), c.writeOps(),
                    gib(c.writtenBytes()), gib(c.changedBytes()),
                    100.0 * c.changedBytes() / c.writes().size() / c.imageSize(), gib(estimate(c)),
                    c.scaledBecause() == null ? "" : "; " + c.scaledBecause()));
        }
        if (dryRun) {
            return 0;
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no gateway jar at " + jar + " (bench/run builds it)");
        }
        BuildInfo build = BuildInfo.of(root, jar);
        say("build: " + build.summary());
        // the servers run a private copy: a rebuild of the shared jar during the run must not change them
        Path runJar = work.resolve("imagegate.jar");
        Files.copy(jar, runJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ServerProcess.Launch launch = new ServerProcess.Launch(Path.of(System.getProperty("java.home"), "bin", "java"),
                runJar.toString(), System.getProperty("java.class.path"), ServerProcess.logbackConfig(work), heap, jvmOptions, null);
        ComboRunner.Settings settings = new ComboRunner.Settings(methods, fullUploads, multipartSnapshots,
                s3proxySnapshots, threads, !noVerify, zeroFraction, seed);
        Map<String, ComboRunner.Result> byCombo = new LinkedHashMap<>();
        String base = files.resultName(started);
        Files.createDirectories(results);
        MultisnapshotReport report = null;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            ComboRunner runner = new ComboRunner(settings, launch, pool, work);
            for (Combo c : combos) {
                say("%s: base image of %s (%.0f%% zeros) from %s".formatted(c.name(), new ByteSize(c.imageSize()),
                        zeroFraction * 100, work.resolve("data")));
                dropOtherImages(work.resolve("data"), c.imageSize());
                TestImage image = TestImage.create("image", work.resolve("data"), c.imageSize(), zeroFraction, seed);
                byCombo.put(c.name(), runner.run(c, image.file()));
                // written after every combination, so that a failure later keeps what was measured
                double minutes = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 60000.0;
                report = new MultisnapshotReport(started, minutes, machine, build, this,
                        combos.stream().filter(x -> byCombo.containsKey(x.name())).toList(), byCombo);
                report.write(results, base);
            }
        } finally {
            pool.shutdownNow();
            if (!keepData) {
                ServerProcess.deleteTree(work.resolve("data"));
            }
        }
        List<Path> pngs = new Charts(report).write(plotDir);
        System.out.println();
        System.out.println(report.markdown());
        say("results: " + results.resolve(base + ".md") + ", .csv, .json; plots: " + pngs);
        return 0;
    }

    /**
     * The combinations to run: each workload of the main comparison on its own image, the
     * trade-off's chunk sizes on one image between them; an image is halved until every
     * combination on it fits the disk budget.
     */
    private List<Combo> plan(long budget) {
        List<Combo> out = new ArrayList<>();
        List<Workload> main = switch (workload.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "both" -> List.of(Workload.CLUSTERED, Workload.SCATTERED);
            default -> List.of(Workload.of(workload));
        };
        for (Workload w : main) {
            out.addAll(fit(w, List.of((int) chunkSize.bytes()), imageSize.bytes(), false, repeats, budget));
        }
        if (!noSweep) {
            out.addAll(fit(Workload.SCATTERED, chunkSizes.stream().map(c -> (int) c.bytes()).toList(),
                    sweepImageSize.bytes(), true, sweepRepeats, budget));
        }
        return out;
    }

    private List<Combo> fit(Workload w, List<Integer> chunkSizes, long requested, boolean sweep, int runs, long budget) {
        for (int cs : chunkSizes) {
            if (cs < WriteSet.BLOCK || Integer.bitCount(cs) != 1) {
                throw new IllegalArgumentException("chunk sizes are powers of two from 4k: " + cs);
            }
        }
        int largest = chunkSizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        long size = requested;
        long needAsRequested = -1;
        while (true) {
            long s = size;
            List<WriteSet> writes = IntStream.range(0, snapshots).parallel()
                    .mapToObj(j -> WriteSet.generate(w, s, writeFraction, minRun.bytes(), maxRun.bytes(), seed, j)).toList();
            List<Combo> combos = chunkSizes.stream()
                    .map(cs -> new Combo(w, cs, s, requested, sweep, runs, writes, null)).toList();
            long need = combos.stream().mapToLong(this::estimate).max().orElseThrow();
            if (size == requested) {
                needAsRequested = need;
            }
            if (need <= budget) {
                if (size == requested) {
                    return combos;
                }
                String why = "scaled from %s: at that size the run would hold ~%s on disk at once, over the %s budget"
                        .formatted(new ByteSize(requested), gib(needAsRequested), gib(budget));
                return combos.stream().map(c -> new Combo(w, c.chunkSize(), s, requested, sweep, runs, writes, why)).toList();
            }
            if (size / 2 < 16L * ByteSize.MIB || size / 2 < largest * 16L) {
                throw new IllegalStateException("%s at %s chunks needs %s of disk even scaled down; budget %s"
                        .formatted(w.label(), chunkSizes, gib(need), gib(budget)));
            }
            size /= 2;
        }
    }

    /**
     * Most the combination holds on disk at once: the base image file, and the largest of the
     * gateway (base, every commit repeat, the baselines' samples), s3proxy (base, its multipart
     * snapshots as full objects, parts and result side by side) and one qcow2 overlay.
     */
    long estimate(Combo c) {
        long n = c.writes().size();
        long avgChanged = c.changedBytes() / Math.max(1, n);
        long gateway = (long) (c.imageSize() * (1 - zeroFraction))
                + (methods.contains("commit") ? (long) (c.repeats() * c.changedBytes() * 1.1) : 0)
                + (methods.contains("full") ? (long) (Math.min(n, fullUploads) * avgChanged * 1.2) : 0)
                + (methods.contains("multipart") ? (long) (Math.min(n, multipartSnapshots) * avgChanged * 1.5) : 0);
        long proxy = methods.contains("s3proxy") && !c.sweep()
                ? c.imageSize() * (1 + 2L * Math.min(n, s3proxySnapshots)) : 0;
        long overlay = methods.contains("qcow2") ? avgChanged * 2 : 0;
        return c.imageSize() + Math.max(gateway, Math.max(proxy, overlay));
    }

    /** Base images of other sizes, left by an earlier combination or run, are regenerated when needed again. */
    private void dropOtherImages(Path dataDir, long keepSize) throws IOException {
        if (keepData || !Files.isDirectory(dataDir)) {
            return;
        }
        try (var listing = Files.list(dataDir)) {
            for (Path f : listing.toList()) {
                if (!f.getFileName().toString().startsWith("image-" + keepSize + "-")) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** The command line that reproduces this run. */
    String commandLine() {
        StringBuilder b = new StringBuilder("bench/run multisnapshot --image-size ").append(imageSize.flag())
                .append(" --snapshots ").append(snapshots).append(" --workload ").append(workload)
                .append(" --chunk-size ").append(chunkSize.flag());
        if (noSweep) {
            b.append(" --no-sweep");
        } else {
            b.append(" --chunk-sizes ").append(String.join(",", chunkSizes.stream().map(ByteSize::flag).toList()))
                    .append(" --sweep-image-size ").append(sweepImageSize.flag()).append(" --sweep-repeats ").append(sweepRepeats);
        }
        b.append(" --write-fraction ").append(writeFraction).append(" --methods ").append(String.join(",", methods))
                .append(" --threads ").append(threads).append(" --repeats ").append(repeats)
                .append(" --full-uploads ").append(fullUploads).append(" --multipart-snapshots ").append(multipartSnapshots)
                .append(" --s3proxy-snapshots ").append(s3proxySnapshots).append(" --heap ").append(heap)
                .append(" --seed ").append(seed);
        if (diskBudget != null) {
            b.append(" --disk-budget ").append(diskBudget.flag());
        }
        return b.toString();
    }

    static String gib(long bytes) {
        return "%.2f GiB".formatted(bytes / (double) ByteSize.GIB);
    }

    static void say(String line) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + line);
        System.out.flush();
    }
}
