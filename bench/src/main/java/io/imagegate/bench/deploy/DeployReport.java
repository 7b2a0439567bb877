package io.imagegate.bench.deploy;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The multideployment results: per node count and method, the time until all nodes booted and the
 * bytes moved (median and spread over repeats), the ratios the issue sets targets for, and the
 * bandwidth model's floor for each; as Markdown, CSV and JSON.
 */
final class DeployReport {

    static final double TARGET_SPEEDUP_VS_PREPROPAGATION = 25;
    static final double TARGET_BYTES_SHARE = 0.05;
    static final double TARGET_SPEEDUP_VS_NBDKIT = 1.5;

    final Instant started;
    final Machine machine;
    final BuildInfo build;
    final BootTrace trace;
    final ChunkMap zeros;
    final Path image;
    final Bandwidth nodeLink;
    final Bandwidth gatewayLink;
    final double maxLoad;
    final String command;
    final List<DeploymentRun.Result> results;

    DeployReport(Instant started, Machine machine, BuildInfo build, BootTrace trace, ChunkMap zeros, Path image,
                 Bandwidth nodeLink, Bandwidth gatewayLink, double maxLoad, String command,
                 List<DeploymentRun.Result> results) {
        this.started = started;
        this.machine = machine;
        this.build = build;
        this.trace = trace;
        this.zeros = zeros;
        this.image = image;
        this.nodeLink = nodeLink;
        this.gatewayLink = gatewayLink;
        this.maxLoad = maxLoad;
        this.command = command;
        this.results = List.copyOf(results);
    }

    TreeSet<Integer> nodeCounts() {
        TreeSet<Integer> s = new TreeSet<>();
        results.forEach(r -> s.add(r.nodes()));
        return s;
    }

    List<Method> methods() {
        return java.util.Arrays.stream(Method.values()).filter(m -> results.stream().anyMatch(r -> r.method() == m))
                .toList();
    }

    private List<DeploymentRun.Result> of(Method m, int n) {
        return results.stream().filter(r -> r.method() == m && r.nodes() == n && r.ok()).toList();
    }

    Spread seconds(Method m, int n) {
        return Spread.of(of(m, n).stream().mapToDouble(DeploymentRun.Result::seconds).toArray());
    }

    Spread bytes(Method m, int n) {
        return Spread.of(of(m, n).stream().mapToDouble(r -> (double) r.wireBytes()).toArray());
    }

    /** The shaped network's floor for a run: the slowest of one node's share and the gateway's share. */
    double floorSeconds(long bytesPerNode, int n) {
        double node = nodeLink.bitsPerSecond() == 0 ? 0 : bytesPerNode * 8.0 / nodeLink.bitsPerSecond();
        double gw = gatewayLink.bitsPerSecond() == 0 ? 0 : bytesPerNode * 8.0 * n / gatewayLink.bitsPerSecond();
        return Math.max(node, gw);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### Run of ").append(started.toString().replaceAll("\\.\\d+", "")).append("\n\n");
        b.append("- command: `").append(command).append("`\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- trace `").append(trace.file().getFileName()).append("`: ").append(trace.requests().size())
                .append(" requests, ").append(trace.count('R')).append(" reads of ")
                .append(MultideploymentCommand.mib(trace.bytes('R'))).append(" (")
                .append(trace.touchedChunks(65536)).append(" distinct 64 KiB chunks, ")
                .append(MultideploymentCommand.mib(trace.touchedChunks(65536) * 65536)).append("), ")
                .append(trace.count('W')).append(" writes of ").append(MultideploymentCommand.mib(trace.bytes('W')))
                .append(", ").append(trace.count('F')).append(" flushes; queue depth up to ").append(trace.maxDepth())
                .append("\n");
        b.append("- image: ").append(MultideploymentCommand.mib(zeros.size())).append(" raw, ")
                .append(MultideploymentCommand.mib(zeros.dataBytes())).append(" of it non-zero 64 KiB chunks; replayed from `")
                .append(image.getFileName()).append("`")
                .append(image.getFileName().toString().startsWith("stand-in") ? " (same size and zero layout as the traced image, random data)" : " (the traced image)")
                .append("\n");
        b.append("- network: each node ").append(nodeLink).append(", gateway ").append(gatewayLink)
                .append(" shared (each direction; token buckets in per-node TCP proxies on loopback)\n");
        long flagged = results.stream().filter(r -> !r.loadMet()).count();
        b.append("- load: waited before each run for a 1-minute load average below ").append(maxLoad)
                .append("; ").append(flagged == 0 ? "every run started below it" : flagged + " of " + results.size()
                        + " runs started above it (the wait limit ran out)").append("; load at run start ")
                .append(Spread.of(results.stream().mapToDouble(DeploymentRun.Result::loadBefore).toArray()).format("%.2f"))
                .append(", at run end ")
                .append(Spread.of(results.stream().mapToDouble(DeploymentRun.Result::loadAfter).toArray()).format("%.2f"))
                .append("\n");
        long failed = results.stream().filter(r -> !r.ok()).count();
        if (failed > 0) {
            b.append("- **failed runs: ").append(failed).append("** (left out of the medians): ")
                    .append(results.stream().filter(r -> !r.ok()).map(r -> r.method().label + " N=" + r.nodes() + ": "
                            + r.error()).distinct().limit(5).toList()).append("\n");
        }
        b.append("\nTime until all N nodes have finished the boot trace, seconds, median (min–max) of the repeats; ")
                .append("bytes moved over all links, MiB, median; the network's floor for those bytes in brackets.\n\n");
        b.append("| N | method | runs | time s | floor s | median node s | moved MiB | per node MiB | CPU s gateway | CPU s nodes |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (int n : nodeCounts()) {
            for (Method m : methods()) {
                List<DeploymentRun.Result> rs = of(m, n);
                if (rs.isEmpty()) {
                    continue;
                }
                Spread t = seconds(m, n);
                Spread by = bytes(m, n);
                double node = Spread.of(rs.stream().mapToDouble(DeploymentRun.Result::medianNodeSeconds).toArray()).median();
                double cpu = Spread.of(rs.stream().mapToDouble(r -> r.gatewayCpuMillis() / 1000.0).toArray()).median();
                double nodeCpu = Spread.of(rs.stream().mapToDouble(r -> r.nodeCpuMillis() / 1000.0).toArray()).median();
                b.append("| %d | %s | %d | %s | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f |\n".formatted(n, m.label, rs.size(),
                        t.format("%.2f"), floorSeconds((long) (by.median() / n), n), node, by.median() / ByteSize.MIB,
                        by.median() / n / ByteSize.MIB, cpu, nodeCpu));
            }
        }
        b.append("\nRatios (medians): prepropagation time / method time, method bytes / prepropagation bytes, ")
                .append("nbdkit time / method time.\n\n");
        b.append("| N | method | faster than prepropagation | share of its bytes | faster than nbdkit |\n");
        b.append("| --- | --- | --- | --- | --- |\n");
        int top = nodeCounts().isEmpty() ? 0 : nodeCounts().last();
        for (int n : nodeCounts()) {
            for (Method m : List.of(Method.AGENT, Method.AGENT_PREFETCH, Method.NBDKIT)) {
                if (of(m, n).isEmpty()) {
                    continue;
                }
                Double vsPre = ratio(Method.PREPROPAGATION, m, n, true);
                Double share = ratio(m, Method.PREPROPAGATION, n, false);
                Double vsNbd = m == Method.NBDKIT ? null : ratio(Method.NBDKIT, m, n, true);
                boolean judged = n == top && m != Method.NBDKIT;
                b.append("| %d | %s | %s | %s | %s |\n".formatted(n, m.label,
                        cell(vsPre, "%.1fx", judged ? TARGET_SPEEDUP_VS_PREPROPAGATION : null, true),
                        cell(share == null ? null : share * 100, "%.2f%%", judged ? TARGET_BYTES_SHARE * 100 : null, false),
                        cell(vsNbd, "%.2fx", judged ? TARGET_SPEEDUP_VS_NBDKIT : null, true)));
            }
        }
        b.append("\nTargets (issue 4, at N = ").append(top).append("): at least ")
                .append((int) TARGET_SPEEDUP_VS_PREPROPAGATION).append("x faster than prepropagation with at most ")
                .append((int) (TARGET_BYTES_SHARE * 100)).append("% of its bytes, and ").append(TARGET_SPEEDUP_VS_NBDKIT)
                .append("x faster than nbdkit; marked met / NOT met.\n");
        return b.toString();
    }

    /** {@code a / b} of medians: time ratios when {@code time}, else byte ratios; null when either is missing. */
    Double ratio(Method a, Method b, int n, boolean time) {
        Spread x = time ? seconds(a, n) : bytes(a, n);
        Spread y = time ? seconds(b, n) : bytes(b, n);
        if (Double.isNaN(x.median()) || Double.isNaN(y.median()) || y.median() == 0) {
            return null;
        }
        return x.median() / y.median();
    }

    private static String cell(Double v, String f, Double target, boolean atLeast) {
        if (v == null) {
            return "–";
        }
        String s = f.formatted(v);
        if (target == null) {
            return s;
        }
        boolean met = atLeast ? v >= target : v <= target;
        return s + (met ? " (met)" : " (**NOT met**)");
    }

    void write(Path dir, String base) throws IOException {
        Files.writeString(dir.resolve(base + ".md"), "# Multideployment\n\n" + markdown());
        StringBuilder csv = new StringBuilder("method,nodes,repeat,seconds,median_node_seconds,wire_bytes,"
                + "gateway_cpu_ms,node_cpu_ms,load_before,load_after,load_met,error\n");
        for (DeploymentRun.Result r : results) {
            csv.append("%s,%d,%d,%.3f,%.3f,%d,%d,%d,%.2f,%.2f,%s,%s\n".formatted(r.method().label, r.nodes(), r.repeat() + 1,
                    r.seconds(), r.medianNodeSeconds(), r.wireBytes(), r.gatewayCpuMillis(), r.nodeCpuMillis(), r.loadBefore(),
                    r.loadAfter(), r.loadMet(), r.error() == null ? "" : "\"" + r.error().replace("\"", "'") + "\""));
        }
        Files.writeString(dir.resolve(base + ".csv"), csv);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("started", started.toString());
        json.put("command", command);
        json.put("machine", machine);
        json.put("build", build);
        json.put("trace", Map.of("file", trace.file().getFileName().toString(), "requests", trace.requests().size(),
                "reads", trace.count('R'), "readBytes", trace.bytes('R'), "writes", trace.count('W'),
                "writeBytes", trace.bytes('W'), "imageSize", trace.imageSize()));
        json.put("image", image.toString());
        json.put("nodeBitsPerSecond", nodeLink.bitsPerSecond());
        json.put("gatewayBitsPerSecond", gatewayLink.bitsPerSecond());
        json.put("results", results.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", r.method().label);
            m.put("nodes", r.nodes());
            m.put("repeat", r.repeat() + 1);
            m.put("seconds", r.seconds());
            m.put("medianNodeSeconds", r.medianNodeSeconds());
            m.put("wireBytes", r.wireBytes());
            m.put("gatewayCpuMillis", r.gatewayCpuMillis());
            m.put("nodeCpuMillis", r.nodeCpuMillis());
            m.put("loadBefore", r.loadBefore());
            m.put("loadAfter", r.loadAfter());
            m.put("loadMet", r.loadMet());
            m.put("counters", r.counters());
            m.put("error", r.error());
            return m;
        }).toList());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(base + ".json").toFile(), json);
    }
}
