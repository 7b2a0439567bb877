package io.imagegate.bench.snapshots;

import static io.imagegate.bench.snapshots.MultisnapshotCommand.say;

import io.imagegate.bench.ByteSize;
import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs every method on one combination: the qcow2 overlays, then a fresh imagegate (its own
 * data directory, no periodic collection) holding the base once, with a fresh bucket per method
 * and repeat so that no method deduplicates against another's chunks, then s3proxy for the
 * plain-S3 cost of multipart snapshots. Every guest's disk is its own key, made a version of the
 * base by a server-side copy before the clock starts (imagegate copies manifests, not bytes).
 */
final class ComboRunner {

    /** What the command asked for, as far as one combination needs it. */
    record Settings(List<String> methods, int fullUploads, int multipartSnapshots, int s3proxySnapshots,
                    int threads, boolean verify, double zeroFraction, long seed) {}

    private final Settings settings;
    private final ServerProcess.Launch launch;
    private final ExecutorService pool;
    private final Path work;

    ComboRunner(Settings settings, ServerProcess.Launch launch, ExecutorService pool, Path work) {
        this.settings = settings;
        this.launch = launch;
        this.pool = pool;
        this.work = work;
    }

    /** Results of one combination. */
    record Result(List<MethodRun> runs, List<Qcow2Overlay.Size> overlays, double overlaysSeconds,
                  double baseUploadSeconds, long baseStoredBytes) {}

    Result run(Combo combo, Path baseFile) throws Exception {
        List<MethodRun> runs = new ArrayList<>();
        List<Qcow2Overlay.Size> overlays = new ArrayList<>();
        double overlaysSeconds = 0;
        double baseSeconds = Double.NaN;
        long baseStored = -1;
        try (FileChannel base = FileChannel.open(baseFile, StandardOpenOption.READ)) {
            List<SnapshotImage> images = combo.writes().stream()
                    .map(w -> new SnapshotImage(base, combo.imageSize(), w)).toList();
            if (settings.methods().contains("qcow2")) {
                long t0 = System.nanoTime();
                for (WriteSet w : combo.writes()) {
                    overlays.add(Qcow2Overlay.make(work.resolve("qcow2"), baseFile, w, combo.chunkSize(),
                            settings.verify() && w.snapshot() == 0));
                }
                overlaysSeconds = (System.nanoTime() - t0) / 1e9;
                long total = overlays.stream().mapToLong(Qcow2Overlay.Size::allocatedBytes).sum();
                say("%s: %d qcow2 overlays (cluster %s) hold %s allocated, %s apparent; made in %.1f s"
                        .formatted(combo.name(), overlays.size(), new ByteSize(combo.chunkSize()), mib(total),
                                mib(overlays.stream().mapToLong(Qcow2Overlay.Size::apparentBytes).sum()), overlaysSeconds));
            }
            if (settings.methods().stream().anyMatch(m -> m.equals("commit") || m.equals("full") || m.equals("multipart"))) {
                long[] baseInfo = new long[2];
                runs.addAll(onImagegate(combo, baseFile, images, baseInfo));
                baseSeconds = baseInfo[0] / 1e9;
                baseStored = baseInfo[1];
            }
            if (settings.methods().contains("s3proxy") && !combo.sweep() && settings.s3proxySnapshots() > 0) {
                runs.add(onS3proxy(combo, baseFile, images));
            }
        }
        return new Result(runs, overlays, overlaysSeconds, baseSeconds, baseStored);
    }

    private List<MethodRun> onImagegate(Combo combo, Path baseFile, List<SnapshotImage> images, long[] baseInfo)
            throws Exception {
        List<MethodRun> runs = new ArrayList<>();
        Path dir = work.resolve("imagegate-" + combo.name());
        try (ServerProcess gw = ServerProcess.start(ServerProcess.Kind.IMAGEGATE, launch, dir, List.of("--no-gc"));
             S3Session s3 = new S3Session(gw.endpoint, settings.threads() + 4)) {
            gw.awaitReady(s3::ping, Duration.ofSeconds(120));
            Path packs = gw.dataDir.resolve("chunks").resolve("packs");
            int cs = combo.chunkSize();
            s3.createBucket("base", cs);
            DiskUsage before = DiskUsage.of(packs);
            long t0 = System.nanoTime();
            String baseVersion = s3.put("base", "base.raw", combo.imageSize(), () -> open(baseFile));
            baseInfo[0] = System.nanoTime() - t0;
            baseInfo[1] = DiskUsage.of(packs).minus(before).apparentBytes();
            say("%s: imagegate pid %d holds the base (%s stored for %s) after %.1f s".formatted(combo.name(), gw.pid(),
                    mib(baseInfo[1]), new ByteSize(combo.imageSize()), baseInfo[0] / 1e9));
            Function<String, Function<Integer, Target>> onKeyOfItsOwn = bucket -> j -> {
                String key = key(j);
                String v = s3.copy("base", "base.raw", baseVersion, bucket, key);
                return new Target(j, bucket, key, v, images.get(j), key, v);
            };
            Supplier<DiskUsage> usage = () -> DiskUsage.of(packs);
            int all = combo.writes().size();
            warmUp(s3, combo, baseVersion, images);
            if (settings.methods().contains("commit")) {
                for (int r = 1; r <= combo.repeats(); r++) {
                    String bucket = "commit-" + r;
                    s3.createBucket(bucket, cs);
                    runs.add(phase(combo, "commit", "imagegate", r, all, s3, gw, usage, onKeyOfItsOwn.apply(bucket),
                            t -> ExtensionCommit.run(s3, t, cs), r == 1));
                }
            }
            if (settings.methods().contains("full") && settings.fullUploads() > 0) {
                s3.createBucket("full", cs);
                runs.add(phase(combo, "full-upload", "imagegate", 1, Math.min(all, settings.fullUploads()), s3, gw, usage,
                        onKeyOfItsOwn.apply("full"), t -> FullUpload.run(s3, t), true));
            }
            if (settings.methods().contains("multipart") && settings.multipartSnapshots() > 0) {
                s3.createBucket("multipart", cs);
                runs.add(phase(combo, "multipart-copy", "imagegate", 1, Math.min(all, settings.multipartSnapshots()), s3,
                        gw, usage, onKeyOfItsOwn.apply("multipart"), t -> MultipartCopy.run(s3, t, cs), true));
            }
        } finally {
            ServerProcess.deleteTree(dir);
        }
        return runs;
    }

    /**
     * Sixteen small commits (at most 16 changed chunks each) before anything is measured, so the
     * first measured run does not also time the gateway's JIT compiling the commit path (the base
     * upload already warmed PutObject). Their packs land before the first measurement starts.
     */
    private void warmUp(S3Session s3, Combo combo, String baseVersion, List<SnapshotImage> images) throws Exception {
        s3.createBucket("warm-up", combo.chunkSize());
        List<Callable<Outcome>> tasks = new ArrayList<>();
        for (int j = 0; j < Math.min(16, images.size()); j++) {
            SnapshotImage full = images.get(j);
            java.util.BitSet few = new java.util.BitSet();
            java.util.BitSet blocks = full.writes().blocks();
            for (int b = blocks.nextSetBit(0), n = 0; b >= 0 && n < 16; b = blocks.nextSetBit(b + 1), n++) {
                few.set(b);
            }
            WriteSet w = full.writes();
            SnapshotImage image = new SnapshotImage(full.base(), full.size(),
                    new WriteSet(w.workload(), w.snapshot(), w.imageSize(), w.seed(), few, few.cardinality()));
            String key = key(j);
            String v = s3.copy("base", "base.raw", baseVersion, "warm-up", key);
            Target t = new Target(j, "warm-up", key, v, image, key, v);
            tasks.add(() -> ExtensionCommit.run(s3, t, combo.chunkSize()));
        }
        for (Future<Outcome> f : pool.invokeAll(tasks)) {
            f.get();
        }
    }

    private MethodRun onS3proxy(Combo combo, Path baseFile, List<SnapshotImage> images) throws Exception {
        Path dir = work.resolve("s3proxy-" + combo.name());
        try (ServerProcess proxy = ServerProcess.start(ServerProcess.Kind.S3PROXY, launch, dir);
             S3Session s3 = new S3Session(proxy.endpoint, settings.threads() + 4)) {
            proxy.awaitReady(s3::ping, Duration.ofSeconds(120));
            // s3proxy's filesystem backend keeps no versions: every guest's disk is a key of its own and
            // UploadPartCopy takes unchanged ranges from the one base object, which S3 copies server-side
            s3.createBucketUnversioned("multipart");
            s3.put("multipart", "base.raw", combo.imageSize(), () -> open(baseFile));
            int n = Math.min(combo.writes().size(), settings.s3proxySnapshots());
            MethodRun run = phase(combo, "multipart-copy", "s3proxy", 1, n, s3, proxy, () -> DiskUsage.of(proxy.dataDir),
                    j -> new Target(j, "multipart", key(j), null, images.get(j), "base.raw", null),
                    t -> MultipartCopy.run(s3, t, combo.chunkSize()), true);
            return run;
        } finally {
            ServerProcess.deleteTree(dir);
        }
    }

    /** One method over snapshots {@code 0..count-1}, all submitted at once to the fixed pool. */
    private MethodRun phase(Combo combo, String method, String server, int repeat, int count, S3Session s3,
                            ServerProcess process, Supplier<DiskUsage> usage, Function<Integer, Target> prepare,
                            Function<Target, Outcome> work, boolean verify) throws Exception {
        List<Target> targets = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            targets.add(prepare.apply(j));
        }
        sync();
        double load = loadAverage();
        DiskUsage u0 = usage.get();
        CountingHttpClient.Sent s0 = s3.sent();
        long r0 = s3.retries();
        ProcessCounters c0 = ProcessCounters.read(process.pid());
        long t0 = System.nanoTime();
        List<Callable<Outcome>> tasks = targets.stream().<Callable<Outcome>>map(t -> () -> work.apply(t)).toList();
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> f : pool.invokeAll(tasks)) {
            try {
                outcomes.add(f.get());
            } catch (ExecutionException e) {
                throw new IllegalStateException(combo.name() + " " + method + " on " + server + " failed", e.getCause());
            }
        }
        long nanos = System.nanoTime() - t0;
        ProcessCounters c = ProcessCounters.read(process.pid()).minus(c0);
        CountingHttpClient.Sent sent = s3.sent().minus(s0);
        long retries = s3.retries() - r0;
        DiskUsage added = usage.get().minus(u0);
        if (verify && settings.verify()) {
            verify(combo, method, s3, targets.getFirst(), outcomes.getFirst(), true);
            verify(combo, method, s3, targets.getLast(), outcomes.getLast(), false);
        }
        MethodRun run = new MethodRun(combo.name(), combo.workload().label(), combo.chunkSize(), combo.imageSize(), method,
                server, repeat, count, combo.writes().size(), settings.threads(), nanos / 1e9, sent.total(), sent.headBytes(),
                sent.requests(), c.clientWriteSyscallBytes(), added.apparentBytes(), added.allocatedBytes(),
                combo.changedBytes(0, count), combo.writtenBytes(0, count),
                outcomes.stream().mapToLong(Outcome::uploadedBytes).sum(),
                outcomes.stream().mapToLong(Outcome::copiedBytes).sum(),
                outcomes.stream().mapToLong(Outcome::parts).sum(),
                sumKnown(outcomes.stream().mapToLong(Outcome::reportedStoredBytes).toArray()),
                sumKnown(outcomes.stream().mapToLong(Outcome::pagesWritten).toArray()),
                sumKnown(outcomes.stream().mapToLong(Outcome::pagesReused).toArray()),
                c.clientCpuSeconds(), c.serverCpuSeconds(), load, retries,
                outcomes.stream().mapToDouble(o -> o.nanos() / 1e9).toArray());
        say(("%s: %s on %s%s: %d snapshot(s) in %.1f s; sent %s (%.3fx their changed chunks), %d requests; stored %s "
                + "(%.3fx), allocated %s; CPU client %.1f s, server %.1f s; write(2) bytes %s; load %.1f; %d resent").formatted(
                combo.name(), method, server, combo.repeats() > 1 && method.equals("commit") ? " #" + repeat : "", count,
                run.seconds(), mib(run.sentBytes()), run.sentBytes() / (double) run.changedBytes(), run.requests(),
                mib(run.physicalBytes()), run.physicalBytes() / (double) run.changedBytes(), mib(run.allocatedBytes()),
                run.clientCpuSeconds(), run.serverCpuSeconds(), mib(run.clientWriteSyscallBytes()), load, retries));
        return run;
    }

    /**
     * Reads a snapshot back: the whole object ({@code whole}, compared byte for byte with the
     * expected disk) or its size plus its first written run and the first megabyte.
     */
    private static void verify(Combo combo, String method, S3Session s3, Target t, Outcome o, boolean whole) {
        String what = combo.name() + " " + method + " snapshot " + t.snapshot();
        if (whole) {
            long at = s3.compareWhole(t.bucket(), t.key(), o.versionId(), t.image());
            if (at >= 0) {
                throw new IllegalStateException(what + " reads back wrong from byte " + at);
            }
            return;
        }
        if (s3.size(t.bucket(), t.key(), o.versionId()) != t.size()) {
            throw new IllegalStateException(what + " has the wrong size");
        }
        long[] run = new long[2];
        t.writes().forEachRun((off, len) -> {
            if (run[1] == 0) {
                run[0] = off;
                run[1] = len;
            }
        });
        long[][] ranges = {{run[0], run[1]}, {0, Math.min(1 << 20, t.size())}};
        for (long[] r : ranges) {
            byte[] got = s3.range(t.bucket(), t.key(), o.versionId(), r[0], (int) r[1]);
            if (!Arrays.equals(got, t.image().bytes(r[0], (int) r[1]))) {
                throw new IllegalStateException(what + " reads back wrong at " + r[0] + "+" + r[1]);
            }
        }
    }

    /** The 1-minute load average when a method started: how busy the shared machine was. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String key(int snapshot) {
        return "vm-%03d.raw".formatted(snapshot);
    }

    private static long sumKnown(long[] values) {
        return Arrays.stream(values).anyMatch(v -> v < 0) ? -1 : Arrays.stream(values).sum();
    }

    private static java.io.InputStream open(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flushes other phases' writes to disk outside the timed part, so one phase does not pay for another. */
    private static void sync() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    static String mib(long bytes) {
        return "%.1f MiB".formatted(bytes / (double) ByteSize.MIB);
    }
}
