package io.imagegate.bench.chaos;

import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.Machine;
import io.imagegate.bench.RunFiles;
import io.imagegate.bench.ServerProcess;
import io.imagegate.s3compat.history.CheckReport;
import io.imagegate.s3compat.history.GatewayClient;
import io.imagegate.s3compat.history.History;
import io.imagegate.s3compat.history.HistoryChecker;
import io.imagegate.s3compat.history.Recorder;
import io.imagegate.s3compat.history.Workload;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench/run chaos}: the history check of the test suite for minutes, against gateway
 * processes on a three-server ZooKeeper ensemble, under a schedule of faults: the ZooKeeper leader
 * killed and restarted, the quorum lost for longer than the operation timeout, a gateway paused
 * (SIGSTOP) past its session timeout while clients write through it, a gateway killed (SIGKILL) and
 * restarted; throughout, chunk-store reads and seals failing at random and reads delayed, and the
 * collector running every few seconds with no grace period. Reports operations, acknowledged
 * writes, lost writes, undone deletes, stale reads, 5xx and the time to recover after each fault.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Concurrent clients through gateway processes on a 3-server ZooKeeper ensemble under a fault "
                + "schedule; the history checked against a model of S3 (lost, undone, stale, recovery times).")
public final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--seconds", defaultValue = "300", description = "Length of the client run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--calm-seconds", defaultValue = "20", description = "Calm time before each fault (default: ${DEFAULT-VALUE}).")
    int calmSeconds;

    @Option(names = "--faults", split = ",", defaultValue = "leader,quorum,pause,kill",
            description = "Faults, in schedule order, repeated while time allows: leader, quorum, pause, kill "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> faultNames;

    @Option(names = "--leader-down", defaultValue = "8", description = "Seconds the killed leader stays down (default: ${DEFAULT-VALUE}).")
    int leaderDown;

    @Option(names = "--quorum-down", defaultValue = "12",
            description = "Seconds without quorum; the operation timeout is 5 s (default: ${DEFAULT-VALUE}).")
    int quorumDown;

    @Option(names = "--pause", defaultValue = "25",
            description = "Seconds a gateway stays stopped; its ZooKeeper session times out after 15 s (default: ${DEFAULT-VALUE}).")
    int pauseSeconds;

    @Option(names = "--kill-down", defaultValue = "3", description = "Seconds a killed gateway stays down (default: ${DEFAULT-VALUE}).")
    int killDown;

    @Option(names = "--gateways", defaultValue = "3", description = "Gateway processes (default: ${DEFAULT-VALUE}).")
    int gateways;

    @Option(names = "--threads", defaultValue = "8", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--call-timeout", defaultValue = "10", description = "Seconds before a client gives up on a call (default: ${DEFAULT-VALUE}).")
    int callTimeout;

    @Option(names = "--gc-interval", defaultValue = "2s", description = "Every gateway's collector interval (default: ${DEFAULT-VALUE}).")
    String gcInterval;

    @Option(names = "--chunk-failures", defaultValue = "0.01",
            description = "Fraction of chunk-store reads and seals that fail in every gateway (default: ${DEFAULT-VALUE}).")
    double chunkFailures;

    @Option(names = "--chunk-delay", defaultValue = "2ms", description = "Delay of every chunk-store read (default: ${DEFAULT-VALUE}).")
    String chunkDelay;

    @Option(names = "--zk-heap", defaultValue = "256m", description = "-Xmx of each ZooKeeper server (default: ${DEFAULT-VALUE}).")
    String zkHeap;

    @Option(names = "--gateway-heap", defaultValue = "384m", description = "-Xmx of each gateway (default: ${DEFAULT-VALUE}).")
    String gatewayHeap;

    @Option(names = "--seed", description = "Seed of the clients' choices (default: from the clock).")
    Long seed;

    @Mixin
    RunFiles files;

    @Override
    public Integer call() throws Exception {
        Path root = RunFiles.root();
        Path work = files.work();
        Path results = files.results();
        Path jar = files.existingImagegateJar();
        Files.createDirectories(work);
        Instant started = Instant.now();
        String stamp = RunFiles.stamp(started);
        Machine machine = Machine.describe(work);
        say("machine: " + machine.summary());
        BuildInfo build = BuildInfo.of(root, jar, files.ownImagegateJar());
        say("build: " + build.summary());
        Path runJar = work.resolve("imagegate.jar"); // a rebuild during the run must not change the gateways
        Files.copy(jar, runJar, StandardCopyOption.REPLACE_EXISTING);
        Path logback = ServerProcess.logbackConfig(work);
        long runSeed = seed != null ? seed : System.nanoTime();
        Map<String, Object> settings = settings(runSeed);
        ChaosCluster.Settings s = new ChaosCluster.Settings(work, Path.of(System.getProperty("java.home"), "bin", "java"),
                runJar, System.getProperty("java.class.path"), logback, zkHeap, gatewayHeap, gateways, gcInterval,
                chunkFailures, chunkDelay);
        say("starting a 3-server ensemble and " + gateways + " gateways under " + work + "; clients act as the non-admin "
                + ChaosCluster.TENANT);
        try (ChaosCluster cluster = ChaosCluster.start(s)) {
            say("ZooKeeper " + cluster.ensemble.connectString() + ", leader zk" + cluster.ensemble.leader()
                    + "; gateways " + cluster.endpoints());
            List<GatewayClient> clients = new ArrayList<>();
            for (URI e : cluster.endpoints()) {
                clients.add(GatewayClient.connect(e, ChaosCluster.TENANT_ACCESS_KEY, ChaosCluster.TENANT_SECRET_KEY,
                        Duration.ofSeconds(callTimeout), threads * 2));
            }
            try {
                Recorder recorder = new Recorder();
                Workload workload = new Workload(Workload.Config.of("chaos-versions", "chaos-plain").withThreads(threads)
                        .withOpsPerThread(Integer.MAX_VALUE).withDuration(Duration.ofSeconds(seconds)).withSeed(runSeed),
                        clients, recorder);
                workload.createBuckets();
                FaultSchedule schedule = new FaultSchedule(cluster, recorder, faults(), Duration.ofSeconds(calmSeconds),
                        ChaosCommand::say);
                say("clients: " + threads + " threads for " + seconds + " s; faults " + faultNames);
                schedule.start(Duration.ofSeconds(seconds));
                workload.runClients();
                List<FaultSchedule.Event> events = schedule.join();
                say("clients stopped after " + recorder.size() + " operations; waiting for every part to serve");
                cluster.awaitAllReady(Duration.ofMinutes(3));
                workload.readEndState();
                History history = workload.history(Map.of("benchmark", "chaos", "started", started.toString()));
                Path historyFile = work.resolve("history-" + stamp + ".json");
                history.write(historyFile);
                CheckReport check = HistoryChecker.check(history);
                say("check: " + check.summary(20));
                ChaosReport.Gateways observed = new ChaosReport.Gateways(cluster.logLines("injected read failure"),
                        cluster.logLines("injected seal failure"), cluster.metric("imagegate_gc_collections", false),
                        cluster.metric("imagegate_gc_last_anomalies", true));
                ChaosReport report = ChaosReport.of(started.toString(), machine, build, settings, history, check, events,
                        gateways, observed, historyFile);
                String name = files.resultName(started);
                report.write(results, name);
                say("results: " + results.resolve(name + ".json") + " (.csv, .md); history: " + historyFile);
                System.out.println(report.markdown());
                return report.clean() ? 0 : 1;
            } finally {
                clients.forEach(GatewayClient::close);
            }
        }
    }

    private List<Fault> faults() {
        List<Fault> out = new ArrayList<>();
        for (String f : faultNames) {
            out.add(switch (f) {
                case "leader" -> new Fault.LeaderKill(Duration.ofSeconds(leaderDown));
                case "quorum" -> new Fault.QuorumLoss(Duration.ofSeconds(quorumDown));
                case "pause" -> new Fault.GatewayPause(0, Duration.ofSeconds(pauseSeconds));
                case "kill" -> new Fault.GatewayKill(Math.min(1, gateways - 1), Duration.ofSeconds(killDown));
                default -> throw new IllegalArgumentException("unknown fault " + f + " (leader, quorum, pause, kill)");
            });
        }
        return out;
    }

    private Map<String, Object> settings(long runSeed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", seconds);
        m.put("calmSeconds", calmSeconds);
        m.put("faults", faultNames);
        m.put("leaderDownSeconds", leaderDown);
        m.put("quorumDownSeconds", quorumDown);
        m.put("pauseSeconds", pauseSeconds);
        m.put("killDownSeconds", killDown);
        m.put("gateways", gateways);
        m.put("threads", threads);
        m.put("callTimeoutSeconds", callTimeout);
        m.put("gcInterval", gcInterval);
        m.put("gcGrace", "0s");
        m.put("chunkFailures", chunkFailures);
        m.put("chunkDelay", chunkDelay);
        m.put("seed", runSeed);
        return m;
    }

    static void say(String line) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + line);
        System.out.flush();
    }
}
