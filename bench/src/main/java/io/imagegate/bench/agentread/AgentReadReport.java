package io.imagegate.bench.agentread;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Machine;
import io.imagegate.bench.Report.Spread;
import io.imagegate.bench.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The agent-read results: every timed read (median and spread over repeats), the ratios issue 14
 * sets targets for, each taken within one repeat and then summarised, and the profiles; as
 * Markdown, CSV and JSON.
 */
final class AgentReadReport {

    /** A ratio with its target: {@code atLeast} true means the ratio must be at least {@code target}. */
    record Ratio(String name, String a, String b, String unit, Spread value, Double target, boolean atLeast) {
        Boolean met() {
            return target == null || Double.isNaN(value.median()) ? null
                    : atLeast ? value.median() >= target : value.median() <= target;
        }
    }

    private static final List<String> ORDER = List.of("curl -", "agent cold", "agent warm", "qemu-img warm",
            "nbdkit-curl cold", "nbdkit-cached cold", "nbdkit-cached warm");

    final Instant started;
    final Machine machine;
    final BuildInfo build;
    final String command;
    final TestImage image;
    final String warmUp;
    final double maxLoad;
    final double loadAtEnd;
    final List<Measurement> results;
    final List<JfrSummary> profiles;

    AgentReadReport(Instant started, Machine machine, BuildInfo build, String command, TestImage image, String warmUp,
                    double maxLoad, double loadAtEnd, List<Measurement> results, List<JfrSummary> profiles) {
        this.started = started;
        this.machine = machine;
        this.build = build;
        this.command = command;
        this.image = image;
        this.warmUp = warmUp;
        this.maxLoad = maxLoad;
        this.loadAtEnd = loadAtEnd;
        this.results = List.copyOf(results);
        this.profiles = List.copyOf(profiles);
    }

    private List<Measurement> of(String key) {
        return results.stream().filter(m -> m.key().equals(key)).toList();
    }

    private Spread spread(String key, ToDoubleFunction<Measurement> f) {
        return Spread.of(of(key).stream().mapToDouble(f).toArray());
    }

    private Measurement in(String key, int repeat) {
        return results.stream().filter(m -> m.key().equals(key) && m.repeat() == repeat).findFirst().orElse(null);
    }

    /** f(a, b) per repeat where both were measured. */
    private Spread paired(String a, String b, java.util.function.BiFunction<Measurement, Measurement, Double> f) {
        List<Double> v = new ArrayList<>();
        for (Measurement x : of(a)) {
            Measurement y = in(b, x.repeat());
            if (y != null) {
                v.add(f.apply(x, y));
            }
        }
        return Spread.of(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    List<Ratio> ratios() {
        List<Ratio> r = new ArrayList<>();
        r.add(new Ratio("warm full read: agent's speed ÷ nbdkit curl+cow+cache warm", "agent warm", "nbdkit-cached warm",
                "×", paired("agent warm", "nbdkit-cached warm", (a, b) -> b.seconds() / a.seconds()), 0.7, true));
        r.add(new Ratio("warm full read through the agent", "agent warm", null, "GB/s",
                spread("agent warm", m -> m.bytesPerSecond() / 1e9), 1.0, true));
        r.add(new Ratio("cold full read: agent's speed ÷ nbdkit curl+cow+cache cold", "agent cold", "nbdkit-cached cold",
                "×", paired("agent cold", "nbdkit-cached cold", (a, b) -> b.seconds() / a.seconds()), 1.0, true));
        r.add(new Ratio("cold full read: agent CPU ÷ nbdkit curl+cow+cache CPU", "agent cold", "nbdkit-cached cold",
                "×", paired("agent cold", "nbdkit-cached cold", (a, b) -> a.serverCpu() / b.serverCpu()), 2.0, false));
        r.add(new Ratio("… the same without the agent's JIT compilation", "agent cold", "nbdkit-cached cold",
                "×", paired("agent cold", "nbdkit-cached cold", (a, b) -> (a.serverCpu() - a.serverJitCpu()) / b.serverCpu()),
                null, false));
        r.add(new Ratio("gateway CPU per byte sent: agent cold ÷ nbdkit curl+cow+cache cold", "agent cold",
                "nbdkit-cached cold", "×", paired("agent cold", "nbdkit-cached cold",
                (a, b) -> a.gatewayCpuPerGiB() / b.gatewayCpuPerGiB()), 1.0, false));
        r.add(new Ratio("cold: agent's speed ÷ plain nbdkit curl", "agent cold", "nbdkit-curl cold", "×",
                paired("agent cold", "nbdkit-curl cold", (a, b) -> b.seconds() / a.seconds()), null, true));
        r.add(new Ratio("cold: agent's speed ÷ curl of the whole object (the floor)", "agent cold", "curl -", "×",
                paired("agent cold", "curl -", (a, b) -> b.seconds() / a.seconds()), null, true));
        r.add(new Ratio("qemu-img convert's speed ÷ nbdcopy's, both through the warm agent", "qemu-img warm",
                "agent warm", "×", paired("qemu-img warm", "agent warm", (a, b) -> b.seconds() / a.seconds()), null, true));
        return r.stream().filter(x -> !Double.isNaN(x.value.median())).toList();
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### Run of ").append(started.toString().replaceAll("\\.\\d+", "")).append("\n\n");
        b.append("- command: `").append(command).append("`\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- image: ").append(image.size() / ByteSize.MIB).append(" MiB, ").append(image.describe())
                .append("; every read is `nbdcopy URI null:` (qemu-img: `qemu-img convert -n` to a null-co target), ")
                .append("the agent attached with `--profile off`; nbdkit 'cached' is `--filter=cow --filter=cache curl "
                        + "cache-on-read=true`; an agent process reads warm-up images (").append(warmUp)
                .append(") cold, warm and with qemu-img before its timed reads; every timed read that fetches from the gateway "
                        + "starts right after an untimed whole GET of the object, so that the gateway's 60-second memory "
                        + "of chunks it has hashed is in the same state for every method\n");
        b.append("- load (1-minute average): at read starts ")
                .append(Spread.of(results.stream().mapToDouble(Measurement::loadBefore).toArray()).format("%.2f"))
                .append(", at read ends ")
                .append(Spread.of(results.stream().mapToDouble(Measurement::loadAfter).toArray()).format("%.2f"))
                .append("; waited for < ").append(maxLoad).append(" before each group; ")
                .append("%.2f at the end\n\n".formatted(loadAtEnd));
        b.append("| read | wall s | MiB/s | server CPU s (sys; JIT) | gateway CPU s | gateway CPU s/GiB sent | client CPU s "
                + "| gateway sent MiB (requests) | agent fetched MiB (GETs) |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String key : keys()) {
            List<Measurement> ms = of(key);
            Measurement first = ms.getFirst();
            b.append("| ").append(key.replace(" -", "")).append(" | ")
                    .append(spread(key, Measurement::seconds).format("%.2f")).append(" | ")
                    .append("%.0f".formatted(spread(key, m -> m.bytesPerSecond() / ByteSize.MIB).median())).append(" | ")
                    .append(Double.isNaN(first.serverCpu()) ? "–" : "%.2f (%.2f; %.2f)".formatted(
                            spread(key, Measurement::serverCpu).median(), spread(key, Measurement::serverCpuSystem).median(),
                            spread(key, Measurement::serverJitCpu).median()))
                    .append(" | ").append("%.2f".formatted(spread(key, Measurement::gatewayCpu).median())).append(" | ")
                    .append("%.2f".formatted(spread(key, Measurement::gatewayCpuPerGiB).median())).append(" | ")
                    .append("%.2f".formatted(spread(key, Measurement::clientCpu).median())).append(" | ")
                    .append("%.1f (%.0f)".formatted(spread(key, m -> m.gatewayBytesOut() / (double) ByteSize.MIB).median(),
                            spread(key, Measurement::gatewayRequests).median()))
                    .append(" | ").append(first.agentFetched() < 0 ? "–" : "%.1f (%.0f)".formatted(
                            spread(key, m -> m.agentFetched() / (double) ByteSize.MIB).median(),
                            spread(key, Measurement::agentRequests).median()))
                    .append(" |\n");
        }
        b.append("\n(medians of ").append(results.stream().mapToInt(Measurement::repeat).max().orElse(0) + 1)
                .append(" repeats, min–max in brackets; server CPU: the agent's or nbdkit's process, for qemu-img the agent's; "
                        + "JIT: of which the agent's JIT compiler threads, compiling code while it was measured)\n\n");
        b.append("| ratio (within each repeat) | value | target | met |\n| --- | ---: | ---: | --- |\n");
        for (Ratio r : ratios()) {
            b.append("| ").append(r.name).append(" | ").append(r.value.format("%.2f")).append(" ").append(r.unit)
                    .append(" | ").append(r.target == null ? "" : (r.atLeast ? "≥ " : "≤ ") + r.target + " " + r.unit)
                    .append(" | ").append(r.met() == null ? "" : r.met() ? "met" : "**missed**").append(" |\n");
        }
        b.append("\n");
        for (JfrSummary p : profiles) {
            b.append(p.markdown());
        }
        return b.toString();
    }

    private List<String> keys() {
        List<String> k = new ArrayList<>(ORDER.stream().filter(x -> !of(x).isEmpty()).toList());
        results.stream().map(Measurement::key).distinct().filter(x -> !k.contains(x)).forEach(k::add);
        return k;
    }

    String csv() {
        StringBuilder b = new StringBuilder("method,phase,repeat,seconds,bytes,client_cpu_s,server_cpu_user_s,"
                + "server_cpu_sys_s,server_jit_cpu_s,gateway_cpu_user_s,gateway_cpu_sys_s,gateway_bytes_out,gateway_requests,agent_fetched_bytes,"
                + "agent_requests,load_before,load_after\n");
        for (Measurement m : results) {
            b.append(String.join(",", m.method(), m.phase(), Integer.toString(m.repeat()), "%.3f".formatted(m.seconds()),
                    Long.toString(m.bytes()), "%.2f".formatted(m.clientCpu()), "%.2f".formatted(m.serverCpuUser()),
                    "%.2f".formatted(m.serverCpuSystem()), "%.2f".formatted(m.serverJitCpu()), "%.2f".formatted(m.gatewayCpuUser()),
                    "%.2f".formatted(m.gatewayCpuSystem()), Long.toString(m.gatewayBytesOut()),
                    Long.toString(m.gatewayRequests()), Long.toString(m.agentFetched()), Long.toString(m.agentRequests()), "%.2f".formatted(m.loadBefore()),
                    "%.2f".formatted(m.loadAfter()))).append('\n');
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
        json.put("image", Map.of("bytes", image.size(), "description", image.describe()));
        json.put("measurements", results);
        json.put("ratios", ratios());
        json.put("profiles", profiles);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(base + ".json").toFile(), json);
    }
}
