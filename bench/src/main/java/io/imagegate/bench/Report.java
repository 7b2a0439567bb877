package io.imagegate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the measured passes into medians, spreads and imagegate/s3proxy ratios (paired per
 * pass, since both servers ran each pass back to back), and writes them as JSON, CSV and a
 * Markdown table.
 */
public final class Report {

    static final String SUBJECT = "imagegate";
    static final String PEER = "s3proxy";

    /** Median and range of one metric over the measured passes. */
    public record Spread(double median, double min, double max) {
        public static Spread of(double[] values) {
            double[] v = values.clone();
            Arrays.sort(v);
            if (v.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN);
            }
            double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Spread(m, v[0], v[v.length - 1]);
        }

        public String format(String f) {
            return (f + " (" + f + "–" + f + ")").formatted(median, min, max);
        }
    }

    /** One row of the comparison: a metric of one operation on one data set, both servers and their ratio. */
    record Row(String dataset, String phase, String metric, boolean higherIsBetter, Spread subject, Spread peer,
               Spread ratio, Double target) {
        Boolean met() {
            return target == null || ratio == null ? null : ratio.median() >= target;
        }
    }

    private final Instant started;
    private final Machine machine;
    private final BuildInfo build;
    private final S3ThroughputCommand options;
    private final List<TestImage> images;
    private final Map<String, Map<String, Object>> servers;
    private final List<PhaseResult> results;
    private final List<Row> rows;
    private final double loadAtEnd = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            .getSystemLoadAverage();

    Report(Instant started, Machine machine, BuildInfo build, S3ThroughputCommand options, List<TestImage> images,
           Map<String, Map<String, Object>> servers, List<PhaseResult> results) {
        this.started = started;
        this.machine = machine;
        this.build = build;
        this.options = options;
        this.images = images;
        this.servers = servers;
        this.results = results;
        this.rows = rows();
    }

    private List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (TestImage image : images) {
            for (String phase : phasesOf(image.name())) {
                boolean ranges = phase.startsWith("range");
                Double target = phase.equals("put") ? Double.valueOf(1.0) : ranges ? Double.valueOf(1.5) : null;
                if (ranges) {
                    out.add(row(image.name(), phase, "req/s", true, PhaseResult::requestsPerSecond, target));
                    out.add(row(image.name(), phase, "p50 ms", false, PhaseResult::p50Millis, null));
                    out.add(row(image.name(), phase, "p99 ms", false, PhaseResult::p99Millis, null));
                    out.add(row(image.name(), phase, "server CPU ms/req", false,
                            PhaseResult::serverCpuMillisPerRequest, null));
                    out.add(row(image.name(), phase, "client CPU ms/req", false,
                            PhaseResult::clientCpuMillisPerRequest, null));
                } else {
                    out.add(row(image.name(), phase, "MiB/s", true, PhaseResult::mibPerSecond, target));
                    if (phase.equals("put")) {
                        out.add(row(image.name(), phase, "MiB/s incl. sync after", true,
                                PhaseResult::durableMibPerSecond, null));
                    }
                    out.add(row(image.name(), phase, "server CPU s/GiB", false, PhaseResult::cpuSecondsPerGib, null));
                    out.add(row(image.name(), phase, "client CPU s/GiB", false, PhaseResult::clientCpuSecondsPerGib,
                            null));
                }
                if (phase.equals("put")) {
                    out.add(row(image.name(), phase, "stored MiB", false,
                            r -> r.storedBytes() / (double) ByteSize.MIB, null));
                }
            }
        }
        return out;
    }

    private List<String> phasesOf(String dataset) {
        return results.stream().filter(r -> !r.warmup() && r.dataset().equals(dataset)).map(PhaseResult::phase)
                .distinct().toList();
    }

    private Row row(String dataset, String phase, String metric, boolean higherIsBetter,
                    ToDoubleFunction<PhaseResult> f, Double target) {
        double[] s = values(dataset, phase, SUBJECT, f);
        double[] p = values(dataset, phase, PEER, f);
        Spread ratio = null;
        if (s.length > 0 && s.length == p.length) {
            double[] r = new double[s.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = s[i] / p[i];
            }
            ratio = Spread.of(r);
        }
        return new Row(dataset, phase, metric, higherIsBetter, Spread.of(s), Spread.of(p), ratio, target);
    }

    /** The metric over the measured passes, in pass order (so that index i pairs the servers' pass i). */
    private double[] values(String dataset, String phase, String server, ToDoubleFunction<PhaseResult> f) {
        return results.stream()
                .filter(r -> !r.warmup() && r.dataset().equals(dataset) && r.phase().equals(phase) && r.server().equals(server))
                .sorted(java.util.Comparator.comparingInt(PhaseResult::pass))
                .mapToDouble(f).toArray();
    }

    /** Largest heap in use and largest heap after GC over all measured and warm-up passes, per server. */
    private Map<String, long[]> heapPeaks() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (PhaseResult r : results) {
            long[] v = out.computeIfAbsent(r.server(), k -> new long[4]);
            v[0] = Math.max(v[0], r.heapPeakUsedBytes());
            v[1] = Math.max(v[1], r.heapMaxAfterGcBytes());
            v[2] += r.collections();
            v[3] += r.gcPauseMillis();
        }
        return out;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### s3-throughput, ").append(started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).append(options.files.label().isBlank() ? "" : " (" + options.files.label() + ")")
                .append("\n\n");
        b.append("- command: `bench/run s3-throughput --size ").append(options.size.flag())
                .append(" --ranges ").append(options.ranges).append(" --range-size ").append(options.rangeSize.flag())
                .append(" --range-align ").append(String.join(",", options.rangeAlign.stream().map(ByteSize::flag).toList()))
                .append(" --concurrency ").append(options.concurrency).append(" --repeats ").append(options.repeats)
                .append(" --heap ").append(options.heap)
                .append(options.jvmOptions.isEmpty() ? "" : " --jvm-option " + String.join(" --jvm-option ", options.jvmOptions))
                .append(options.jfr ? " --jfr" : "").append("`\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- load average at the end: %.2f (other work on the machine shares its CPUs)\n".formatted(loadAtEnd));
        for (TestImage i : images) {
            b.append("- data `").append(i.name()).append("`: ").append(new ByteSize(i.size())).append(", ")
                    .append(i.describe()).append("\n");
        }
        servers.forEach((name, info) -> b.append("- ").append(name).append(": PUT signing ")
                .append(info.get("putPayloadSigning")).append("\n"));
        b.append("- each cell: median (min–max) of ").append(options.repeats)
                .append(" measured passes after one warm-up pass; ratio = imagegate / s3proxy, paired per pass\n\n");
        b.append("| data | operation | metric | imagegate | s3proxy | imagegate/s3proxy | target |\n");
        b.append("| --- | --- | --- | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            String fmt = r.metric().contains("ms") || r.metric().contains("CPU") ? "%.2f" : "%.0f";
            b.append("| ").append(r.dataset()).append(" | ").append(operation(r.phase())).append(" | ")
                    .append(r.metric()).append(" | ").append(r.subject().format(fmt)).append(" | ")
                    .append(r.peer().format(fmt)).append(" | ")
                    .append(r.ratio() == null ? "" : "**" + r.ratio().format("%.2f") + "**").append(" | ")
                    .append(r.target() == null ? "" : "≥ " + r.target() + (Boolean.TRUE.equals(r.met()) ? " met" : " **missed**"))
                    .append(" |\n");
        }
        b.append("\n| server | -Xmx | heap peak in use | heap max after GC | GCs (all passes) | GC pause total |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        heapPeaks().forEach((server, v) -> {
            Object max = servers.getOrDefault(server, Map.of()).get("maxHeapBytes");
            b.append("| ").append(server).append(" | ")
                    .append(max == null ? "?" : ((Number) max).longValue() / ByteSize.MIB + " MiB").append(" | ")
                    .append(v[0] / ByteSize.MIB).append(" MiB | ").append(v[1] / ByteSize.MIB).append(" MiB | ")
                    .append(v[2]).append(" | ").append(v[3]).append(" ms |\n");
        });
        return b.toString();
    }

    private String operation(String phase) {
        return switch (phase) {
            case "put" -> "PUT " + new ByteSize(options.size.bytes());
            case "get" -> "GET whole object";
            default -> options.ranges + " × " + options.rangeSize + " ranges at "
                    + phase.substring("range@".length()) + "-aligned offsets, " + options.concurrency + " concurrent";
        };
    }

    void write(Path dir, String base) throws IOException {
        Files.writeString(dir.resolve(base + ".md"), markdown());
        StringBuilder csv = new StringBuilder("dataset,phase,server,pass,warmup,bytes,requests,seconds,sync_seconds,mib_per_s,req_per_s,"
                + "p50_ms,p99_ms,max_ms,stored_bytes,server_cpu_s,client_cpu_s,heap_peak_used_bytes,heap_max_after_gc_bytes,gcs,"
                + "gc_pause_ms\n");
        for (PhaseResult r : results) {
            csv.append(String.join(",", r.dataset(), r.phase(), r.server(), String.valueOf(r.pass()),
                    String.valueOf(r.warmup()), String.valueOf(r.bytes()), String.valueOf(r.requests()),
                    "%.4f".formatted(r.seconds()), "%.4f".formatted(r.syncSeconds()), "%.2f".formatted(r.mibPerSecond()), "%.2f".formatted(r.requestsPerSecond()),
                    "%.3f".formatted(r.p50Millis()), "%.3f".formatted(r.p99Millis()), "%.3f".formatted(r.maxMillis()),
                    String.valueOf(r.storedBytes()), "%.3f".formatted(r.serverCpuSeconds()),
                    "%.3f".formatted(r.clientCpuSeconds()),
                    String.valueOf(r.heapPeakUsedBytes()), String.valueOf(r.heapMaxAfterGcBytes()),
                    String.valueOf(r.collections()), String.valueOf(r.gcPauseMillis()))).append('\n');
        }
        Files.writeString(dir.resolve(base + ".csv"), csv.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "s3-throughput");
        json.put("started", started.toString());
        json.put("label", options.files.label());
        json.put("machine", machine);
        json.put("build", build);
        json.put("loadAverageAtEnd", loadAtEnd);
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("size", options.size.bytes());
        opts.put("ranges", options.ranges);
        opts.put("rangeSize", options.rangeSize.bytes());
        opts.put("rangeAlign", options.rangeAlign.stream().map(ByteSize::bytes).toList());
        opts.put("concurrency", options.concurrency);
        opts.put("repeats", options.repeats);
        opts.put("heap", options.heap);
        opts.put("jvmOptions", options.jvmOptions);
        opts.put("jfr", options.jfr);
        opts.put("seed", options.seed);
        json.put("options", opts);
        json.put("data", images.stream().map(i -> Map.of("name", i.name(), "size", i.size(), "zeroBytes", i.zeroBytes(),
                "crc32c", Long.toHexString(i.crc32c()), "description", i.describe())).toList());
        json.put("servers", servers);
        json.put("comparison", rows);
        json.put("passes", results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve(base + ".json").toFile(), json);
    }
}
