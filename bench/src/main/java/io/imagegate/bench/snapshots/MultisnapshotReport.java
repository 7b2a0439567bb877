package io.imagegate.bench.snapshots;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.Report.Spread;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the runs into one row per combination and method, everything scaled to all snapshots
 * (a sampled method is extrapolated linearly from the snapshots it measured), with the ratios
 * the targets are stated in, and writes them as Markdown, CSV and JSON.
 */
final class MultisnapshotReport {

    static final double STORED_TARGET = 1.1;
    static final double SENT_TARGET = 1.2;
    static final double SPEEDUP_TARGET = 20;

    /**
     * One method on one combination, for all snapshots. Bytes in bytes, times in seconds; each
     * a median (min–max) over the method's runs. {@code stored} is the pack bytes (imagegate) or
     * data bytes (s3proxy, qcow2) added, by file length; {@code allocated} the same by blocks.
     */
    record Row(String combo, String workload, int chunkSize, long imageSize, boolean sweep, String method,
               String server, String label, int measured, int of, int runs, Spread sent, Spread stored,
               Spread allocated, Spread seconds, long changed, long written, double clientCpu, double serverCpu,
               double pagesWrittenPerSnapshot) {

        /** The stricter of the two on-disk measures for a store: the larger one. */
        double storedStrict() {
            return Math.max(stored.median(), allocated.median());
        }
    }

    private final Instant started;
    private final double minutes;
    private final Machine machine;
    private final BuildInfo build;
    private final MultisnapshotCommand options;
    private final List<Combo> combos;
    private final Map<String, ComboRunner.Result> results;
    private final List<Row> rows;

    MultisnapshotReport(Instant started, double minutes, Machine machine, BuildInfo build, MultisnapshotCommand options,
                        List<Combo> combos, Map<String, ComboRunner.Result> results) {
        this.started = started;
        this.minutes = minutes;
        this.machine = machine;
        this.build = build;
        this.options = options;
        this.combos = combos;
        this.results = results;
        this.rows = summarize();
    }

    int threads() {
        return options.threads;
    }

    List<Row> rows() {
        return rows;
    }

    List<Combo> combos() {
        return combos;
    }

    private List<Row> summarize() {
        List<Row> out = new ArrayList<>();
        for (Combo c : combos) {
            ComboRunner.Result r = results.get(c.name());
            if (r == null) {
                continue;
            }
            for (String[] m : new String[][] {{"commit", "imagegate", "commit extension"},
                    {"full-upload", "imagegate", "full upload (PutObject)"},
                    {"multipart-copy", "imagegate", "multipart + UploadPartCopy"},
                    {"multipart-copy", "s3proxy", "multipart + UploadPartCopy on s3proxy"}}) {
                List<MethodRun> runs = r.runs().stream()
                        .filter(x -> x.method().equals(m[0]) && x.server().equals(m[1])).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                MethodRun first = runs.getFirst();
                out.add(new Row(c.name(), c.workload().label(), c.chunkSize(), c.imageSize(), c.sweep(), m[0], m[1], m[2],
                        first.snapshots(), first.ofSnapshots(), runs.size(),
                        scaled(runs, MethodRun::sentBytes), scaled(runs, MethodRun::physicalBytes),
                        scaled(runs, MethodRun::allocatedBytes), scaled(runs, MethodRun::seconds), c.changedBytes(),
                        c.writtenBytes(), scaled(runs, MethodRun::clientCpuSeconds).median(),
                        scaled(runs, MethodRun::serverCpuSeconds).median(),
                        first.pagesWritten() < 0 ? Double.NaN : first.pagesWritten() / (double) first.snapshots()));
            }
            if (!r.overlays().isEmpty()) {
                long apparent = r.overlays().stream().mapToLong(Qcow2Overlay.Size::apparentBytes).sum();
                long allocated = r.overlays().stream().mapToLong(Qcow2Overlay.Size::allocatedBytes).sum();
                double scale = c.writes().size() / (double) r.overlays().size();
                out.add(new Row(c.name(), c.workload().label(), c.chunkSize(), c.imageSize(), c.sweep(), "qcow2", "qemu",
                        "qcow2 overlay (cluster = chunk size)", r.overlays().size(), c.writes().size(), 1,
                        one(Double.NaN), one(apparent * scale), one(allocated * scale),
                        one(r.overlaysSeconds() * scale), c.changedBytes(), c.writtenBytes(), Double.NaN, Double.NaN,
                        Double.NaN));
            }
        }
        return out;
    }

    private static Spread scaled(List<MethodRun> runs, ToDoubleFunction<MethodRun> f) {
        return Spread.of(runs.stream().mapToDouble(r -> f.applyAsDouble(r) * r.scale()).toArray());
    }

    private static Spread one(double v) {
        return new Spread(v, v, v);
    }

    Row find(String combo, String method, String server) {
        return rows.stream().filter(r -> r.combo().equals(combo) && r.method().equals(method) && r.server().equals(server))
                .findFirst().orElse(null);
    }

    /** The full-upload time over this row's, both for all snapshots. */
    double speedup(Row r) {
        Row full = find(r.combo(), "full-upload", "imagegate");
        return full == null ? Double.NaN : full.seconds().median() / r.seconds().median();
    }

    /** The same in CPU seconds of client and server together: what the machine's load cannot change. */
    double cpuSpeedup(Row r) {
        Row full = find(r.combo(), "full-upload", "imagegate");
        return full == null ? Double.NaN : (full.clientCpu() + full.serverCpu()) / (r.clientCpu() + r.serverCpu());
    }

    /** The qcow2 overlays' total on disk, the smaller of length and blocks (the stricter bound for the target). */
    double qcow2(String combo) {
        Row q = find(combo, "qcow2", "qemu");
        return q == null ? Double.NaN : Math.min(q.stored().median(), q.allocated().median());
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### multisnapshot, ").append(started.truncatedTo(ChronoUnit.SECONDS))
                .append(options.files.label().isBlank() ? "" : " (" + options.files.label() + ")").append("\n\n");
        b.append("- command: `").append(options.commandLine()).append("`\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- whole run: %.1f min\n".formatted(minutes));
        for (Combo c : combos) {
            b.append("- `").append(c.name()).append("`: ").append(c.writes().size()).append(" snapshots of a ")
                    .append(new ByteSize(c.imageSize())).append(" image, ").append(c.writeOps()).append(" writes in all (")
                    .append(c.writeOps() / c.writes().size()).append(" per snapshot), ")
                    .append(mib(c.writtenBytes() / c.writes().size())).append(" written and ")
                    .append(mib(c.changedBytes() / c.writes().size())).append(" of changed chunks per snapshot (")
                    .append("%.1f%%".formatted(100.0 * c.changedBytes() / c.writes().size() / c.imageSize()))
                    .append(" of the image)").append(c.scaledBecause() == null ? "" : "; **" + c.scaledBecause() + "**")
                    .append("\n");
        }
        b.append("- every method submits its snapshots at once to a fixed pool of ").append(options.threads)
                .append(" client threads; sampled methods (measured < all) are extrapolated linearly to all snapshots; ")
                .append("cells are median (min–max) over the commit's runs (").append(options.repeats).append(" per main combination, ")
                .append(options.sweepRepeats).append(" per chunk size of the trade-off), one run otherwise\n\n");
        for (Combo c : combos) {
            b.append(comboTable(c));
        }
        b.append(targetsTable());
        if (combos.stream().anyMatch(Combo::sweep)) {
            b.append(sweepTable());
        }
        return b.toString();
    }

    private String comboTable(Combo c) {
        StringBuilder b = new StringBuilder();
        b.append("#### ").append(c.name()).append(": changed chunks of all ").append(c.writes().size())
                .append(" snapshots ").append(mib(c.changedBytes())).append(", written ").append(mib(c.writtenBytes()))
                .append("\n\n");
        b.append("| method | measured | bytes sent | sent ÷ changed | added on disk (length; blocks) | added ÷ changed |"
                + " added ÷ qcow2 | time for all | CPU client / server | full upload ÷ this: wall / CPU |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            if (!r.combo().equals(c.name())) {
                continue;
            }
            boolean local = r.method().equals("qcow2");
            b.append("| ").append(r.label()).append(" | ").append(r.measured()).append(" of ").append(r.of())
                    .append(r.runs() > 1 ? " ×" + r.runs() : "").append(" | ")
                    .append(local ? "(local)" : mibSpread(r.sent())).append(" | ")
                    .append(local ? "" : "%.3f".formatted(r.sent().median() / r.changed())).append(" | ")
                    .append(mib(r.stored().median())).append("; ").append(mib(r.allocated().median())).append(" | ")
                    .append("%.3f".formatted(r.storedStrict() / r.changed())).append(" | ")
                    .append(local ? "1" : "%.3f".formatted(r.storedStrict() / qcow2(r.combo()))).append(" | ")
                    .append(r.seconds().format("%.1f")).append(" s | ")
                    .append(local ? "" : "%.0f / %.0f s".formatted(r.clientCpu(), r.serverCpu())).append(" | ")
                    .append(local || r.method().equals("full-upload") ? ""
                            : "%.1f× / %.1f×".formatted(speedup(r), cpuSpeedup(r))).append(" |\n");
        }
        return b.append("\n").toString();
    }

    private String targetsTable() {
        StringBuilder b = new StringBuilder("#### Targets (commit extension)\n\n");
        b.append("| combination | added ÷ changed ≤ 1.1 | added ≤ qcow2 overlays | sent ÷ changed ≤ 1.2 | ≥ 20× faster than full uploads (wall) | same in CPU |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Row r : rows) {
            if (!r.method().equals("commit")) {
                continue;
            }
            double stored = r.storedStrict() / r.changed();
            double vsQcow = r.storedStrict() / qcow2(r.combo());
            double sent = r.sent().median() / r.changed();
            double speed = speedup(r);
            b.append("| ").append(r.combo()).append(" | ").append(verdict("%.3f", stored, stored <= STORED_TARGET))
                    .append(" | ").append(verdict("%.3f×", vsQcow, vsQcow <= 1.0)).append(" | ")
                    .append(verdict("%.3f", sent, sent <= SENT_TARGET)).append(" | ")
                    .append(verdict("%.1f×", speed, speed >= SPEEDUP_TARGET)).append(" | ")
                    .append("%.1f×".formatted(cpuSpeedup(r))).append(" |\n");
        }
        return b.append("\n").toString();
    }

    private String sweepTable() {
        StringBuilder b = new StringBuilder("#### Chunk-size trade-off (scattered, commit extension)\n\n");
        b.append("| chunk size | changed per snapshot | sent (all) | added (all) | qcow2 overlays, same cluster | "
                + "pages written per commit | time for all | full uploads | full ÷ commit |\n");
        b.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Combo c : combos) {
            if (!c.sweep()) {
                continue;
            }
            Row r = find(c.name(), "commit", "imagegate");
            Row f = find(c.name(), "full-upload", "imagegate");
            if (r == null) {
                continue;
            }
            b.append("| ").append(new ByteSize(c.chunkSize())).append(" | ")
                    .append("%.1f%%".formatted(100.0 * c.changedBytes() / c.writes().size() / c.imageSize())).append(" | ")
                    .append(mib(r.sent().median())).append(" (%.3f×)".formatted(r.sent().median() / r.changed())).append(" | ")
                    .append(mib(r.storedStrict())).append(" (%.3f×)".formatted(r.storedStrict() / r.changed())).append(" | ")
                    .append(mib(qcow2(c.name()))).append(" | ")
                    .append("%.0f".formatted(r.pagesWrittenPerSnapshot())).append(" | ")
                    .append(r.seconds().format("%.1f")).append(" s | ")
                    .append(f == null ? "" : f.seconds().format("%.0f") + " s").append(" | ")
                    .append("%.1f×".formatted(speedup(r))).append(" |\n");
        }
        return b.append("\n").toString();
    }

    private static String verdict(String format, double value, boolean met) {
        return format.formatted(value) + (met ? " met" : " **missed**");
    }

    static String mib(double bytes) {
        return bytes >= ByteSize.GIB * 10.0 ? "%.1f GiB".formatted(bytes / ByteSize.GIB) : "%.1f MiB".formatted(bytes / ByteSize.MIB);
    }

    private static String mibSpread(Spread s) {
        if (s.max() - s.min() < 0.0005 * s.median()) {
            return mib(s.median());
        }
        return mib(s.median()) + " (" + mib(s.min()) + "–" + mib(s.max()) + ")";
    }

    void write(Path dir, String base) throws IOException {
        Files.writeString(dir.resolve(base + ".md"), markdown());
        StringBuilder csv = new StringBuilder("combo,workload,chunk_size,image_size,method,server,repeat,snapshots,of_snapshots,"
                + "threads,seconds,sent_bytes,sent_head_bytes,requests,client_write_syscall_bytes,added_bytes,added_allocated_bytes,"
                + "changed_bytes,written_bytes,uploaded_bytes,copied_bytes,parts,reported_stored_bytes,pages_written,pages_reused,"
                + "client_cpu_s,server_cpu_s,load_average,retries\n");
        for (ComboRunner.Result r : results.values()) {
            for (MethodRun m : r.runs()) {
                csv.append(String.join(",", m.combo(), m.workload(), String.valueOf(m.chunkSize()), String.valueOf(m.imageSize()),
                        m.method(), m.server(), String.valueOf(m.repeat()), String.valueOf(m.snapshots()),
                        String.valueOf(m.ofSnapshots()), String.valueOf(m.threads()), "%.3f".formatted(m.seconds()),
                        String.valueOf(m.sentBytes()), String.valueOf(m.sentHeadBytes()), String.valueOf(m.requests()),
                        String.valueOf(m.clientWriteSyscallBytes()), String.valueOf(m.physicalBytes()),
                        String.valueOf(m.allocatedBytes()), String.valueOf(m.changedBytes()), String.valueOf(m.writtenBytes()),
                        String.valueOf(m.uploadedBytes()), String.valueOf(m.copiedBytes()), String.valueOf(m.parts()),
                        String.valueOf(m.reportedStoredBytes()), String.valueOf(m.pagesWritten()),
                        String.valueOf(m.pagesReused()), "%.2f".formatted(m.clientCpuSeconds()),
                        "%.2f".formatted(m.serverCpuSeconds()), "%.2f".formatted(m.loadAverage()), String.valueOf(m.retries()))).append('\n');
            }
        }
        Files.writeString(dir.resolve(base + ".csv"), csv.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "multisnapshot");
        json.put("started", started.toString());
        json.put("minutes", minutes);
        json.put("command", options.commandLine());
        json.put("machine", machine);
        json.put("build", build);
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Combo c : combos) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("workload", c.workload().label());
            m.put("chunkSize", c.chunkSize());
            m.put("imageSize", c.imageSize());
            m.put("requestedImageSize", c.requestedImageSize());
            m.put("scaledBecause", c.scaledBecause());
            m.put("sweep", c.sweep());
            m.put("snapshots", c.writes().size());
            m.put("writes", c.writeOps());
            m.put("writtenBytes", c.writtenBytes());
            m.put("changedBytes", c.changedBytes());
            m.put("changedBytesPerSnapshot", c.writes().stream().mapToLong(w -> w.changedBytes(c.chunkSize())).toArray());
            ComboRunner.Result r = results.get(c.name());
            if (r != null) {
                m.put("baseUploadSeconds", r.baseUploadSeconds());
                m.put("baseStoredBytes", r.baseStoredBytes());
                m.put("runs", r.runs());
                m.put("qcow2Overlays", r.overlays());
                m.put("qcow2Seconds", r.overlaysSeconds());
            }
            cs.add(m);
        }
        json.put("combinations", cs);
        json.put("summary", rows);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(base + ".json").toFile(), json);
    }
}
