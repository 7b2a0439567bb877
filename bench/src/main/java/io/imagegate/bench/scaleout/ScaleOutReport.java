package io.imagegate.bench.scaleout;

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

/** The scale-out results as Markdown tables, a CSV of every run and a JSON of everything. */
final class ScaleOutReport {

    /** One walk of one listing, with what it cost. */
    record ListRun(ListWalk.Result result, int walk, CpuMeter.Use cpu, Measurement.ZkDelta zk, QuietGate.Wait quiet) {}

    /** One ZooKeeper-only run. */
    record Ceiling(ZkWriteCeiling.Result result, CpuMeter.Use cpu, Measurement.ZkDelta zk, QuietGate.Wait quiet) {}

    private final Instant started;
    private final Instant ended;
    private final Machine machine;
    private final BuildInfo build;
    private final String command;
    private final ScaleOutCommand o;
    private final List<Measurement> runs;
    private final List<ListRun> lists;
    private final List<Ceiling> ceilings;
    private final ZnodeScan.Result scan;
    private final Ensemble.Stats served;
    private final List<String> notes;

    ScaleOutReport(Instant started, Instant ended, Machine machine, BuildInfo build, String command, ScaleOutCommand o,
                   List<Measurement> runs, List<ListRun> lists, List<Ceiling> ceilings, ZnodeScan.Result scan,
                   Ensemble.Stats served, List<String> notes) {
        this.started = started;
        this.ended = ended;
        this.machine = machine;
        this.build = build;
        this.command = command;
        this.o = o;
        this.runs = runs;
        this.lists = lists;
        this.ceilings = ceilings;
        this.scan = scan;
        this.served = served;
        this.notes = notes;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("### scale-out, ").append(started.truncatedTo(ChronoUnit.SECONDS))
                .append(o.files.label().isBlank() ? "" : " (" + o.files.label() + ")").append("\n\n");
        b.append("- command: `").append(command).append("` (").append(minutes()).append(" min)\n");
        b.append("- machine: ").append(machine.summary()).append("\n");
        b.append("- build: ").append(build.summary()).append("\n");
        b.append("- ZooKeeper: 3 servers (QuorumPeerMain, one JVM each, -Xmx").append(o.zkHeap)
                .append(", snapCount ").append(o.snapCount).append("), all on this machine; gateways: -Xmx")
                .append(o.gatewayHeap).append(", `--no-gc`; chunk stores: ").append(String.join(", ", o.backends))
                .append(" (s3 = s3proxy 4.1.0 filesystem backend in its own JVM, -Xmx").append(o.gatewayHeap)
                .append(", gateway chunk cache ").append(o.cacheMb).append(" MiB; local = one directory shared by all gateways)\n");
        b.append("- client: this JVM, AWS SDK v2 sync client (Apache HTTP) per gateway; thread t uses gateway t mod N; LIST pages as "
                + "signed HTTP GETs timed to the last byte, parsed afterwards\n");
        b.append(loadLine());
        b.append("- cells: median (min–max) of ").append(o.repeats).append(" runs of ").append(o.seconds)
                .append(" s after a ").append(o.warmupSeconds).append(" s warm-up; × 1 gw = median / median at 1 gateway; "
                        + "server CPU = gateways + ZooKeeper + chunk store (the load generator excluded); all CPU adds the client\n\n");
        for (String phase : List.of("put", "range")) {
            if (runs.stream().anyMatch(m -> m.phase().equals(phase) && !m.warmup())) {
                throughputTable(b, phase);
            }
        }
        runs.stream().filter(m -> m.phase().equals("load")).forEach(m -> loadTable(b, m));
        if (!lists.isEmpty()) {
            listTable(b);
        }
        if (!ceilings.isEmpty()) {
            ceilingTable(b);
        }
        if (scan != null || served != null) {
            scanSection(b);
        }
        List<String> errors = runs.stream().filter(m -> m.errors() > 0)
                .map(m -> "%s %s %d gw run %d: %d errors, first: %s".formatted(m.phase(), m.target(), m.gateways(),
                        m.repeat(), m.errors(), m.firstError())).toList();
        if (!errors.isEmpty() || !notes.isEmpty()) {
            b.append("\nNotes:\n");
            notes.forEach(n -> b.append("- ").append(n).append("\n"));
            errors.forEach(n -> b.append("- ").append(n).append("\n"));
        }
        return b.toString();
    }

    private long minutes() {
        return Math.round((ended.toEpochMilli() - started.toEpochMilli()) / 60000.0);
    }

    private String loadLine() {
        List<Measurement> measured = runs.stream().filter(m -> !m.warmup()).toList();
        if (measured.isEmpty()) {
            return "";
        }
        Spread startLoad = Spread.of(measured.stream().mapToDouble(m -> m.cpu().loadStart()).toArray());
        Spread endLoad = Spread.of(measured.stream().mapToDouble(m -> m.cpu().loadEnd()).toArray());
        Spread foreign = Spread.of(measured.stream().mapToDouble(Measurement::foreignCores).toArray());
        long notQuiet = measured.stream().filter(m -> !m.quiet().quiet()).count();
        double waited = measured.stream().mapToDouble(m -> m.quiet().seconds()).sum();
        return "- load average over the measured runs: at start %s, at end %s (our own threads count in it); other "
                .formatted(startLoad.format("%.1f"), endLoad.format("%.1f"))
                + "work on the machine during them: %s cores; waited %.0f s in all for quiet, %d runs started without it\n"
                .formatted(foreign.format("%.2f"), waited, notQuiet);
    }

    private List<Measurement> measured(String phase, String target, int gateways) {
        return runs.stream().filter(m -> !m.warmup() && m.phase().equals(phase) && m.target().equals(target)
                && m.gateways() == gateways).toList();
    }

    private static Spread spread(List<Measurement> ms, ToDoubleFunction<Measurement> f) {
        return Spread.of(ms.stream().mapToDouble(f).toArray());
    }

    private void throughputTable(StringBuilder b, String phase) {
        boolean put = phase.equals("put");
        String unit = put ? "PUT/s" : "MiB/s";
        b.append(put ? "#### PUT of new %s objects, %d client threads\n\n".formatted(o.putSize, o.putThreads)
                : "#### Range GETs of %s (aligned) on a hot %s image, %d client threads\n\n"
                .formatted(o.rangeSize, o.imageSize, o.getThreads));
        b.append("| target | gw | ").append(unit).append(" | × 1 gw | req per server CPU-s | × 1 gw | req per CPU-s (all) "
                + "| p50 ms | p99 ms | ZK tx/s | ZK tx per req | ZK reqs per req | CPU s per run: gw / ZK / store / client / other "
                + "| ZK share of our CPU | load start→end |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |\n");
        List<String> targets = runs.stream().filter(m -> m.phase().equals(phase)).map(Measurement::target).distinct().toList();
        for (String target : targets) {
            List<Integer> counts = runs.stream().filter(m -> m.phase().equals(phase) && m.target().equals(target))
                    .map(Measurement::gateways).distinct().toList();
            List<Measurement> base = measured(phase, target, counts.get(0));
            ToDoubleFunction<Measurement> rate = put ? Measurement::rate : Measurement::mibPerSecond;
            double baseRate = spread(base, rate).median();
            double baseCpu = spread(base, Measurement::perServerCpuSecond).median();
            for (int g : counts) {
                List<Measurement> ms = measured(phase, target, g);
                if (ms.isEmpty()) {
                    continue;
                }
                Spread r = spread(ms, rate);
                Spread perCpu = spread(ms, Measurement::perServerCpuSecond);
                b.append("| ").append(target).append(" | ").append(g).append(" | ").append(r.format("%.0f")).append(" | ")
                        .append(g == counts.get(0) || target.equals("s3proxy") ? "" : "%.2f".formatted(r.median() / baseRate))
                        .append(" | ").append(perCpu.format("%.0f")).append(" | ")
                        .append(g == counts.get(0) || target.equals("s3proxy") ? "" : "%.2f".formatted(perCpu.median() / baseCpu))
                        .append(" | ").append(spread(ms, Measurement::perCpuSecond).format("%.0f"))
                        .append(" | ").append("%.1f".formatted(spread(ms, m -> m.latency().p50()).median()))
                        .append(" | ").append("%.1f".formatted(spread(ms, m -> m.latency().p99()).median()))
                        .append(" | ").append("%.0f".formatted(spread(ms, Measurement::zkTransactionsPerSecond).median()))
                        .append(" | ").append("%.2f".formatted(spread(ms, Measurement::zkTransactionsPerRequest).median()))
                        .append(" | ").append("%.1f".formatted(spread(ms, Measurement::zkRequestsPerRequest).median()))
                        .append(" | ").append("%.1f / %.1f / %.1f / %.1f / %.1f".formatted(
                                spread(ms, m -> m.cpu().gateways()).median(), spread(ms, m -> m.cpu().zookeeper()).median(),
                                spread(ms, m -> m.cpu().backend()).median(), spread(ms, m -> m.cpu().client()).median(),
                                spread(ms, m -> m.cpu().foreign()).median()))
                        .append(" | ").append("%.0f%%".formatted(100 * spread(ms, Measurement::zkCpuShare).median()))
                        .append(" | ").append(ms.stream().map(m -> "%.1f→%.1f".formatted(m.cpu().loadStart(), m.cpu().loadEnd()))
                                .toList().toString().replace("[", "").replace("]", ""))
                        .append(" |\n");
            }
        }
        List<Measurement> peer = measured(phase, "s3proxy", 0);
        if (!peer.isEmpty()) {
            ToDoubleFunction<Measurement> rate = put ? Measurement::rate : Measurement::mibPerSecond;
            double p = spread(peer, rate).median();
            StringBuilder ratios = new StringBuilder();
            for (String target : targets) {
                if (target.equals("s3proxy")) {
                    continue;
                }
                runs.stream().filter(m -> m.phase().equals(phase) && m.target().equals(target)).map(Measurement::gateways)
                        .distinct().forEach(g -> ratios.append(ratios.isEmpty() ? "" : ", ").append(target).append(' ')
                                .append(g).append(" gw ").append("%.2f".formatted(spread(measured(phase, target, g), rate)
                                        .median() / p)));
            }
            b.append("\nimagegate / s3proxy (").append(unit).append(", medians): ").append(ratios).append("\n");
        }
        b.append("\n");
    }

    private void loadTable(StringBuilder b, Measurement m) {
        b.append("#### Loading the LIST bucket: %d keys of %d bytes, %d client threads, %d gateways (%s store)\n\n"
                .formatted(m.requests(), o.loadSize, o.loadThreads, m.gateways(), m.target()));
        b.append("| PUT/s | seconds | p50 ms | p99 ms | max ms | per server CPU-s | ZK tx/s | ZK tx per PUT | ZK reqs per PUT "
                + "| CPU s: gw / ZK / store / client / other | ZK share | errors (retried) | load start→end |\n");
        b.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |\n");
        b.append("| %.0f | %.0f | %.1f | %.1f | %.0f | %.0f | %.0f | %.2f | %.1f | %.0f / %.0f / %.0f / %.0f / %.0f | %.0f%% | %d | %.1f→%.1f |\n\n"
                .formatted(m.rate(), m.seconds(), m.latency().p50(), m.latency().p99(), m.latency().max(),
                        m.perServerCpuSecond(), m.zkTransactionsPerSecond(), m.zkTransactionsPerRequest(),
                        m.zkRequestsPerRequest(), m.cpu().gateways(), m.cpu().zookeeper(), m.cpu().backend(),
                        m.cpu().client(), m.cpu().foreign(), 100 * m.zkCpuShare(), m.errors(), m.cpu().loadStart(),
                        m.cpu().loadEnd()));
    }

    private void listTable(StringBuilder b) {
        b.append("#### LIST in the bucket of %d keys (%d directories of %d), pages of %d, pages round-robin over the gateways\n\n"
                .formatted(o.keys, o.dirs, o.keys / o.dirs, o.pageSize));
        b.append("| listing | gw | walks | pages | entries | correct | page p50 ms | p99 ms | max ms | largest page | "
                + "p50 first / last tenth of the walk | ZK reqs per page | ZK read KiB per page | CPU ms per page: gw / ZK | load start→end |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |\n");
        Map<String, List<ListRun>> groups = new LinkedHashMap<>();
        for (ListRun r : lists) {
            groups.computeIfAbsent(r.result().listCase() + "|" + r.result().gateways(), k -> new ArrayList<>()).add(r);
        }
        for (List<ListRun> g : groups.values()) {
            ListRun first = g.get(0);
            int pages = g.stream().mapToInt(r -> r.result().pages()).sum();
            long[] all = g.stream().flatMapToLong(r -> java.util.Arrays.stream(r.result().pageNanos())).toArray();
            Latencies pageLatency = Latencies.of(all, all.length);
            double p50 = pageLatency.p50();
            double p99 = pageLatency.p99();
            double max = pageLatency.max();
            boolean correct = g.stream().allMatch(r -> r.result().correct());
            double zkPerPage = g.stream().mapToDouble(r -> r.zk().requestsReceived()).sum() / pages;
            double zkKibPerPage = g.stream().mapToDouble(r -> r.zk().readBytes()).sum() / 1024 / pages;
            double gwMs = g.stream().mapToDouble(r -> r.cpu().gateways()).sum() * 1000 / pages;
            double zkMs = g.stream().mapToDouble(r -> r.cpu().zookeeper()).sum() * 1000 / pages;
            String listCase = first.result().listCase();
            b.append("| ").append(describe(listCase)).append(" | ").append(first.result().gateways()).append(" | ")
                    .append(g.size()).append(" | ").append(pages).append(" | ").append(first.result().entries()).append(" | ")
                    .append(correct ? "yes" : "**NO**: " + g.stream().filter(r -> !r.result().correct()).findFirst()
                            .map(r -> r.result().problem()).orElse(""))
                    .append(" | %.1f | %.1f | %.1f | %.0f KiB | %s | %.1f | %.0f | %.1f / %.1f | %s |\n".formatted(p50, p99, max,
                            g.stream().mapToLong(r -> r.result().maxPageBytes()).max().orElse(0) / 1024.0,
                            ends(g), zkPerPage, zkKibPerPage,
                            gwMs, zkMs, g.stream().map(r -> "%.1f→%.1f".formatted(r.cpu().loadStart(), r.cpu().loadEnd()))
                                    .toList().toString().replace("[", "").replace("]", "")));
        }
        b.append("\n");
    }

    /** Median page latency over the first and the last tenth of each walk: a page deep in the bucket costs what the first does. */
    private static String ends(List<ListRun> walks) {
        List<Long> first = new ArrayList<>();
        List<Long> last = new ArrayList<>();
        for (ListRun r : walks) {
            long[] p = r.result().pageNanos();
            int tenth = Math.max(1, p.length / 10);
            for (int i = 0; i < tenth && p.length >= 10; i++) {
                first.add(p[i]);
                last.add(p[p.length - 1 - i]);
            }
        }
        if (first.isEmpty()) {
            return "";
        }
        return "%.1f / %.1f".formatted(Latencies.of(first.stream().mapToLong(Long::longValue).toArray(), first.size()).p50(),
                Latencies.of(last.stream().mapToLong(Long::longValue).toArray(), last.size()).p50());
    }

    private String describe(String listCase) {
        for (KeyLayout.ListCase c : new KeyLayout(o.keys, o.dirs).cases()) {
            if (c.name().equals(listCase)) {
                String p = c.prefix() == null ? "" : "prefix `" + c.prefix() + "`";
                String d = c.delimiter() == null ? "" : "delimiter `" + c.delimiter() + "`";
                return p.isEmpty() && d.isEmpty() ? "everything" : p.isEmpty() ? d : d.isEmpty() ? p : p + " + " + d;
            }
        }
        return listCase;
    }

    private void ceilingTable(StringBuilder b) {
        b.append(("#### The ensemble alone: a new-key PUT's ZooKeeper requests (sync, 4 reads, stat, the writes), %d in flight "
                + "over 4 sessions, %d s each\n\n").formatted(o.ceilingInFlight, o.ceilingSeconds));
        b.append("| shape | ZK tx per PUT | PUT/s | ZK tx/s | p50 ms | p99 ms | ZK CPU ms per PUT | leader CPU s | client CPU ms per PUT "
                + "| other work (cores) | load start→end |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Ceiling c : ceilings) {
            ZkWriteCeiling.Result r = c.result();
            b.append("| %s | %.2f | %.0f | %.0f | %.1f | %.1f | %.2f | %.1f (%s) | %.2f | %.2f | %.1f→%.1f |\n".formatted(
                    r.shape().label, c.zk().transactions() / (double) r.puts(), r.rate(), c.zk().transactions() / r.seconds(),
                    r.latency().p50(), r.latency().p99(), c.cpu().zookeeper() * 1000 / r.puts(), c.zk().leaderCpu(),
                    c.zk().leader(), c.cpu().client() * 1000 / r.puts(), c.cpu().foreign() / c.cpu().wallSeconds(),
                    c.cpu().loadStart(), c.cpu().loadEnd()));
        }
        b.append("\n");
    }

    private void scanSection(StringBuilder b) {
        double limit = ZnodeScan.LIMIT;
        b.append("#### znode and answer sizes against ZooKeeper's 1 MB limit (jute.maxbuffer = %d bytes)\n\n".formatted(ZnodeScan.LIMIT));
        if (served != null) {
            double read = served.max("zk_max" + Ensemble.READS);
            double write = served.max("zk_max" + Ensemble.WRITES);
            b.append(("- served by the ensemble during this run (its own per-namespace statistics, every request under /imagegate "
                    + "since the servers started): largest read answer %.0f bytes = %.2f%% of the limit, largest write "
                    + "request %.0f bytes = %.2f%%\n").formatted(read, 100 * read / limit, write, 100 * write / limit));
        }
        if (scan == null) {
            b.append("\n");
            return;
        }
        b.append("- scanned %d znodes under /imagegate (%.1f MiB of data) in %.0f s with a plain ZooKeeper client\n"
                .formatted(scan.znodes(), scan.totalDataBytes() / (double) ByteSize.MIB, scan.seconds()));
        b.append("- largest znode data: %d bytes at `%s`; its getData answer %d bytes = %.2f%% of the limit\n".formatted(
                scan.largestData().bytes(), scan.largestData().path(), scan.largestDataResponse(),
                100 * scan.largestDataResponse() / limit));
        b.append("- largest child list: %d bytes (%d children) at `%s` = %.1f%% of the limit; next: ".formatted(
                scan.largestChildList().bytes(), scan.largestChildList().children(), scan.largestChildList().path(),
                100 * scan.largestChildList().bytes() / limit));
        b.append(String.join("; ", scan.largestChildLists().stream().skip(1).limit(4)
                .map(s -> "%d bytes (%d) `%s`".formatted(s.bytes(), s.children(), s.path())).toList())).append("\n");
        for (ZnodeScan.Sized s : scan.notListed()) {
            b.append("- never listed (no code path lists it): `%s`, %d children, its child list would be %s\n".formatted(
                    s.path(), s.children(), s.bytes() < 0 ? "unknown" : "%d bytes = %.2f× the limit".formatted(s.bytes(),
                            s.bytes() / limit)));
        }
        b.append("\n");
    }

    void write(Path dir, String base) throws IOException {
        Files.writeString(dir.resolve(base + ".md"), markdown());
        StringBuilder csv = new StringBuilder("phase,target,gateways,repeat,requests,errors,bytes,seconds,req_per_s,mib_per_s,"
                + "p50_ms,p99_ms,max_ms,cpu_gateways_s,cpu_zookeeper_s,cpu_store_s,cpu_client_s,cpu_other_s,zk_transactions,"
                + "zk_requests,zk_leader,zk_leader_cpu_s,load_start,load_end,waited_s\n");
        for (Measurement m : runs) {
            csv.append(String.join(",", m.phase(), m.target(), String.valueOf(m.gateways()), String.valueOf(m.repeat()),
                    String.valueOf(m.requests()), String.valueOf(m.errors()), String.valueOf(m.bytes()),
                    f(m.seconds()), f(m.rate()), f(m.mibPerSecond()), f(m.latency().p50()), f(m.latency().p99()),
                    f(m.latency().max()), f(m.cpu().gateways()), f(m.cpu().zookeeper()), f(m.cpu().backend()),
                    f(m.cpu().client()), f(m.cpu().foreign()), String.valueOf(m.zk().transactions()),
                    f(m.zk().requestsReceived()), m.zk().leader(), f(m.zk().leaderCpu()), f(m.cpu().loadStart()),
                    f(m.cpu().loadEnd()), f(m.quiet().seconds()))).append('\n');
        }
        Files.writeString(dir.resolve(base + ".csv"), csv.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "scale-out");
        json.put("started", started.toString());
        json.put("ended", ended.toString());
        json.put("command", command);
        json.put("machine", machine);
        json.put("build", build);
        json.put("runs", runs);
        json.put("lists", lists);
        json.put("zookeeperAlone", ceilings);
        json.put("znodeScan", scan);
        json.put("zookeeperAtEnd", served);
        json.put("notes", notes);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(base + ".json").toFile(), json);
    }

    private static String f(double v) {
        return "%.3f".formatted(v);
    }
}
