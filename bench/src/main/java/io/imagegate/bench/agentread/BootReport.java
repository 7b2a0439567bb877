package io.imagegate.bench.agentread;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.Report.Spread;
import io.imagegate.bench.agentread.AgentReadReport.Ratio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;

/**
 * The boot results: every boot, the medians per method, and the ratios issue 14 sets its boot target
 * by (the agent against nbdkit curl+cow+cache), each taken within one repeat and then summarised; as
 * Markdown, CSV and JSON.
 */
final class BootReport {

    static final String PEER = "nbdkit";
    static final List<String> AGENTS = List.of("agent", "agent-prefetch");
    private static final List<String> ORDER = List.of("agent-record", "agent", "agent-prefetch", "nbdkit");

    final Instant started;
    final Machine machine;
    final BuildInfo build;
    final String command;
    final String image;
    final double maxLoad;
    final double loadAtEnd;
    final List<BootRun> runs;
    final List<JfrSummary> profiles;
    final List<String> notes;

    BootReport(Instant started, Machine machine, BuildInfo build, String command, String image, double maxLoad,
               double loadAtEnd, List<BootRun> runs, List<JfrSummary> profiles, List<String> notes) {
        this.started = started;
        this.machine = machine;
        this.build = build;
        this.command = command;
        this.image = image;
        this.maxLoad = maxLoad;
        this.loadAtEnd = loadAtEnd;
        this.runs = List.copyOf(runs);
        this.profiles = List.copyOf(profiles);
        this.notes = List.copyOf(notes);
    }

    /** The timed boots of {@code method} (the setup boot has repeat -1 and is in no ratio). */
    List<BootRun> of(String method) {
        return runs.stream().filter(r -> r.method().equals(method) && r.repeat() >= 0).toList();
    }

    Spread spread(String method, ToDoubleFunction<BootRun> f) {
        List<BootRun> rs = method.equals("agent-record")
                ? runs.stream().filter(r -> r.method().equals(method)).toList() : of(method);
        return Spread.of(rs.stream().mapToDouble(f).toArray());
    }

    /** f(a, b) for every repeat in which both methods booted, summarised. */
    Spread paired(String a, String b, BiFunction<BootRun, BootRun, Double> f) {
        List<Double> v = new ArrayList<>();
        for (BootRun x : of(a)) {
            of(b).stream().filter(y -> y.repeat() == x.repeat()).findFirst().ifPresent(y -> v.add(f.apply(x, y)));
        }
        return Spread.of(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    List<Ratio> ratios() {
        List<Ratio> r = new ArrayList<>();
        for (String a : AGENTS) {
            r.add(new Ratio("boot (qemu start to marker): " + a + "'s speed ÷ nbdkit curl+cow+cache", a, PEER, "×",
                    paired(a, PEER, (x, y) -> y.bootSeconds() / x.bootSeconds()), 1.0, true));
            r.add(new Ratio("bytes the gateway sent (attach and boot): " + a + " ÷ nbdkit", a, PEER, "×",
                    paired(a, PEER, (x, y) -> x.gatewayBytesOut() / (double) y.gatewayBytesOut()), 1.0, false));
            r.add(new Ratio("attach + boot: " + a + "'s speed ÷ nbdkit's start + boot", a, PEER, "×",
                    paired(a, PEER, (x, y) -> y.totalSeconds() / x.totalSeconds()), null, true));
            r.add(new Ratio("node CPU: " + a + " ÷ nbdkit", a, PEER, "×",
                    paired(a, PEER, (x, y) -> x.nodeCpu() / y.nodeCpu()), null, false));
            r.add(new Ratio("… without the agent's JIT compilation", a, PEER, "×",
                    paired(a, PEER, (x, y) -> (x.nodeCpu() - x.nodeJitCpu()) / y.nodeCpu()), null, false));
            r.add(new Ratio("gateway CPU: " + a + " ÷ nbdkit", a, PEER, "×",
                    paired(a, PEER, (x, y) -> x.gatewayCpu() / y.gatewayCpu()), null, false));
        }
        return r.stream().filter(x -> !Double.isNaN(x.value().median())).toList();
    }

    private List<String> methods() {
        List<String> k = new ArrayList<>(ORDER.stream().filter(m -> runs.stream().anyMatch(r -> r.method().equals(m))).toList());
        runs.stream().map(BootRun::method).distinct().filter(m -> !k.contains(m)).forEach(k::add);
        return k;
    }

    private static String mib(double bytes) {
        return "%.1f".formatted(bytes / ByteSize.MIB);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### Run of ").append(started.toString().replaceAll("\\.\\d+", "")).append("\n\n");
        b.append("- command: `").append(command).append("`\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- image: ").append(image).append("\n");
        b.append("- each boot: a fresh node (a new agent process with an empty node cache, after its JIT warm-up; or a "
                + "new nbdkit `--filter=cow --filter=cache curl cache-on-read=true` over the object's anonymous URL), an "
                + "untimed whole GET of the object first (the gateway's memory of hashed chunks alike for every boot), "
                + "then attach, then qemu (TCG) until the marker; the methods' order turns by one each repeat\n");
        b.append("- load (1-minute average): before the boots ")
                .append(Spread.of(runs.stream().mapToDouble(BootRun::loadBefore).toArray()).format("%.2f"))
                .append(", at their markers ")
                .append(Spread.of(runs.stream().mapToDouble(BootRun::loadAfter).toArray()).format("%.2f"))
                .append("; waited for < ").append(maxLoad).append(" before each boot; ")
                .append("%.2f at the end\n".formatted(loadAtEnd));
        for (String n : notes) {
            b.append("- **note:** ").append(n).append("\n");
        }
        b.append("\n");
        b.append("| method | boots | boot s (qemu start to marker) | guest uptime s | attach s | gateway sent MiB "
                + "(of it during the boot) | gateway requests | node CPU s (sys; JIT) | gateway CPU s | qemu CPU s "
                + "| agent fetched MiB (GETs) | guest read MiB | read-ahead chunks | prefetched chunks |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String m : methods()) {
            List<BootRun> rs = m.equals("agent-record") ? runs.stream().filter(r -> r.method().equals(m)).toList() : of(m);
            if (rs.isEmpty()) {
                continue;
            }
            boolean agent = rs.getFirst().agentFetched() >= 0;
            b.append("| ").append(m).append(" | ").append(rs.size()).append(" | ")
                    .append(spread(m, BootRun::bootSeconds).format("%.2f")).append(" | ")
                    .append("%.2f".formatted(spread(m, BootRun::guestUptime).median())).append(" | ")
                    .append("%.2f".formatted(spread(m, BootRun::attachSeconds).median())).append(" | ")
                    .append(mib(spread(m, BootRun::gatewayBytesOut).median())).append(" (")
                    .append(mib(spread(m, BootRun::bootBytesOut).median())).append(") | ")
                    .append("%.0f".formatted(spread(m, BootRun::gatewayRequests).median())).append(" | ")
                    .append("%.2f (%.2f; %s)".formatted(spread(m, BootRun::nodeCpu).median(),
                            spread(m, BootRun::nodeCpuSystem).median(),
                            agent ? "%.2f".formatted(spread(m, BootRun::nodeJitCpu).median()) : "–")).append(" | ")
                    .append("%.2f".formatted(spread(m, BootRun::gatewayCpu).median())).append(" | ")
                    .append("%.2f".formatted(spread(m, BootRun::qemuCpu).median())).append(" | ")
                    .append(agent ? mib(spread(m, BootRun::agentFetched).median()) + " ("
                            + "%.0f".formatted(spread(m, BootRun::agentRequests).median()) + ")" : "–").append(" | ")
                    .append(agent ? mib(spread(m, BootRun::guestReadBytes).median()) : "–").append(" | ")
                    .append(agent ? "%.0f".formatted(spread(m, BootRun::readAheadChunks).median()) : "–").append(" | ")
                    .append(agent && rs.getFirst().prefetchTotal() > 0 ? "%.0f of %d".formatted(
                            spread(m, BootRun::prefetchDone).median(), rs.getFirst().prefetchTotal()) : "–")
                    .append(" |\n");
        }
        b.append("\n(medians, min–max in brackets; node CPU: the agent's or nbdkit's process from before attach to the "
                + "marker, JIT: of which the agent's compiler threads; agent-record is the untimed setup boot that "
                + "records the boot profile, `attach --profile record`, the agent's default for an image without one)\n\n");
        b.append("| ratio (within each repeat) | value | target | met |\n| --- | ---: | ---: | --- |\n");
        for (Ratio r : ratios()) {
            b.append("| ").append(r.name()).append(" | ").append(r.value().format("%.2f")).append(" ").append(r.unit())
                    .append(" | ").append(r.target() == null ? "" : (r.atLeast() ? "≥ " : "≤ ") + r.target() + " " + r.unit())
                    .append(" | ").append(r.met() == null ? "" : r.met() ? "met" : "**missed**").append(" |\n");
        }
        b.append("\nEvery boot, in the order run:\n\n| repeat | # | method | boot s | attach s | gateway sent MiB | "
                + "requests by operation | node CPU s | gateway CPU s | load before / at marker |\n"
                + "| ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |\n");
        for (BootRun r : runs) {
            b.append("| ").append(r.repeat() + 1).append(" | ").append(r.order() + 1).append(" | ").append(r.method())
                    .append(" | %.2f | %.2f | %s | %s | %.2f | %.2f | %.2f / %.2f |\n".formatted(r.bootSeconds(),
                            r.attachSeconds(), mib(r.gatewayBytesOut()), operations(r.requestsByOperation()), r.nodeCpu(),
                            r.gatewayCpu(), r.loadBefore(), r.loadAfter()));
        }
        b.append("\n");
        for (JfrSummary p : profiles) {
            b.append(p.markdown());
        }
        return b.toString();
    }

    private static String operations(Map<String, Long> ops) {
        StringBuilder s = new StringBuilder();
        ops.forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append(' ').append(v));
        return s.toString();
    }

    String csv() {
        StringBuilder b = new StringBuilder("method,repeat,order,attach_s,boot_s,guest_uptime_s,gateway_bytes_out,"
                + "boot_bytes_out,gateway_requests,node_cpu_user_s,node_cpu_sys_s,node_jit_cpu_s,gateway_cpu_user_s,"
                + "gateway_cpu_sys_s,qemu_cpu_s,agent_fetched_bytes,agent_requests,guest_read_bytes,read_ahead_chunks,"
                + "prefetch_done,prefetch_total,load_before,load_after\n");
        for (BootRun r : runs) {
            b.append(String.join(",", r.method(), Integer.toString(r.repeat()), Integer.toString(r.order()),
                    "%.3f".formatted(r.attachSeconds()), "%.3f".formatted(r.bootSeconds()), "%.2f".formatted(r.guestUptime()),
                    Long.toString(r.gatewayBytesOut()), Long.toString(r.bootBytesOut()), Long.toString(r.gatewayRequests()),
                    "%.2f".formatted(r.nodeCpuUser()), "%.2f".formatted(r.nodeCpuSystem()), "%.2f".formatted(r.nodeJitCpu()),
                    "%.2f".formatted(r.gatewayCpuUser()), "%.2f".formatted(r.gatewayCpuSystem()),
                    "%.2f".formatted(r.qemuCpu()), Long.toString(r.agentFetched()), Long.toString(r.agentRequests()),
                    Long.toString(r.guestReadBytes()), Long.toString(r.readAheadChunks()), Long.toString(r.prefetchDone()),
                    Long.toString(r.prefetchTotal()), "%.2f".formatted(r.loadBefore()), "%.2f".formatted(r.loadAfter())))
                    .append('\n');
        }
        return b.toString();
    }

    void write(Path dir, String base) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(base + ".md"), markdown());
        Files.writeString(dir.resolve(base + ".csv"), csv());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("started", started.toString());
        json.put("command", command);
        json.put("machine", machine);
        json.put("build", build);
        json.put("image", image);
        json.put("boots", runs);
        json.put("ratios", ratios());
        json.put("profiles", profiles);
        json.put("notes", notes);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(base + ".json").toFile(), json);
    }
}
