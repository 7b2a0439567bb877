package io.imagegate.bench.scaleout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A three-server ZooKeeper ensemble on loopback, each server a QuorumPeerMain in a JVM of its own
 * (so its CPU can be told apart), data under the work directory so a later run can reuse what an
 * earlier one loaded. The four-letter words {@code mntr} and {@code srvr} are enabled: they give
 * each server's request counts and latencies, and the leader's last zxid (which counts every
 * transaction the ensemble committed, failed multis included).
 */
public final class Ensemble implements AutoCloseable {

    /** One server: its process and client port. */
    public record Server(int id, ChildJvm jvm, int clientPort) {}

    /** The ensemble's counters at one moment: each server's mntr, and the last zxid. */
    record Stats(Map<Integer, Map<String, String>> mntr, long zxid) {

        double sum(String key) {
            double s = 0;
            for (Map<String, String> m : mntr.values()) {
                s += number(m.get(key));
            }
            return s;
        }

        double max(String key) {
            double s = 0;
            for (Map<String, String> m : mntr.values()) {
                s = Math.max(s, number(m.get(key)));
            }
            return s;
        }

        String leader() {
            for (Map.Entry<Integer, Map<String, String>> e : mntr.entrySet()) {
                if ("leader".equals(e.getValue().get("zk_server_state"))) {
                    return "zk" + e.getKey();
                }
            }
            return "?";
        }

        static double number(String v) {
            if (v == null) {
                return 0;
            }
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    /** mntr's statistics of the read answers a server sent for /imagegate: {@code zk_<cnt|sum|max>_} + this. */
    static final String READS = "_imagegate_read_per_namespace";
    /** The same for the write requests it applied. */
    static final String WRITES = "_imagegate_write_per_namespace";

    final List<Server> servers;

    private Ensemble(List<Server> servers) {
        this.servers = new ArrayList<>(servers);
    }

    /**
     * Starts (or restarts, on existing data) the three servers and waits for a leader.
     * {@code snapCount} transactions between snapshots: a large value avoids rewriting a
     * snapshot of a million keys every 100 000 transactions during the load.
     */
    public static Ensemble start(Path dir, Path java, String classpath, Path logback, String heap, int snapCount)
            throws IOException, InterruptedException {
        int[] client = new int[3];
        int[] quorum = new int[3];
        int[] election = new int[3];
        for (int i = 0; i < 3; i++) {
            client[i] = freePort();
            quorum[i] = freePort();
            election[i] = freePort();
        }
        List<Server> servers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                int id = i + 1;
                Path home = dir.resolve("zk" + id);
                Path data = home.resolve("data");
                Files.createDirectories(data);
                Files.writeString(data.resolve("myid"), id + "\n");
                StringBuilder cfg = new StringBuilder();
                cfg.append("tickTime=2000\ninitLimit=60\nsyncLimit=15\n")
                        .append("dataDir=").append(data).append('\n')
                        .append("clientPort=").append(client[i]).append('\n')
                        .append("clientPortAddress=127.0.0.1\n")
                        .append("maxClientCnxns=0\n")
                        .append("snapCount=").append(snapCount).append('\n')
                        .append("autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n")
                        .append("admin.enableServer=false\n")
                        .append("4lw.commands.whitelist=mntr,srvr,ruok,conf\n");
                for (int j = 0; j < 3; j++) {
                    cfg.append("server.").append(j + 1).append("=127.0.0.1:").append(quorum[j]).append(':')
                            .append(election[j]).append('\n');
                }
                Path cfgFile = home.resolve("zoo.cfg");
                Files.writeString(cfgFile, cfg.toString());
                List<String> cmd = List.of(java.toString(), "-Xmx" + heap, "-XX:+UseG1GC",
                        "-Dlogback.configurationFile=" + logback, "-Dzookeeper.admin.enableServer=false",
                        "-Dzookeeper.electionPortBindRetry=0", // a restarted server retries its election port until bound
                        "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgFile.toString());
                servers.add(new Server(id, ChildJvm.start("zk" + id, ChildJvm.Role.ZOOKEEPER, cmd, Map.of(),
                        home.resolve("zk.log")), client[i]));
            }
            Ensemble e = new Ensemble(servers);
            e.awaitQuorum(Duration.ofMinutes(5));
            return e;
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (Server s : servers) {
                s.jvm().close();
            }
            throw e;
        }
    }

    public String connectString() {
        return String.join(",", servers.stream().map(s -> "127.0.0.1:" + s.clientPort()).toList());
    }

    public List<ChildJvm> processes() {
        return servers.stream().map(Server::jvm).toList();
    }

    public List<Server> servers() {
        return List.copyOf(servers);
    }

    /** The id of the server that says it leads, or -1 when none does (an election, or no quorum). */
    public int leader() {
        for (Server s : servers) {
            if (fourLetter(s.clientPort(), "srvr").contains("Mode: leader")) {
                return s.id();
            }
        }
        return -1;
    }

    /** Every server answers as leader or follower. */
    public boolean allServing() {
        for (Server s : servers) {
            String srvr = fourLetter(s.clientPort(), "srvr");
            if (!srvr.contains("Mode: leader") && !srvr.contains("Mode: follower")) {
                return false;
            }
        }
        return true;
    }

    /** Kills server {@code id} with SIGKILL. */
    public void kill(int id) {
        server(id).jvm().kill();
    }

    /** Starts server {@code id} again on its data, after {@link #kill}. */
    public void restart(int id) {
        Server old = server(id);
        servers.set(servers.indexOf(old), new Server(id, old.jvm().restart(), old.clientPort()));
    }

    private Server server(int id) {
        return servers.stream().filter(s -> s.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no server " + id));
    }

    /** Waits until every server serves as leader or follower (replaying a large log can take a while). */
    public void awaitQuorum(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int ready = 0;
            for (Server s : servers) {
                s.jvm().requireAlive();
                String srvr = fourLetter(s.clientPort(), "srvr");
                if (srvr.contains("Mode: leader") || srvr.contains("Mode: follower")) {
                    ready++;
                }
            }
            if (ready == servers.size()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ZooKeeper ensemble formed no quorum within " + timeout);
            }
            Thread.sleep(500);
        }
    }

    Stats stats() {
        Map<Integer, Map<String, String>> all = new LinkedHashMap<>();
        long zxid = -1;
        for (Server s : servers) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : fourLetter(s.clientPort(), "mntr").split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    m.put(line.substring(0, tab).trim(), line.substring(tab + 1).trim());
                }
            }
            all.put(s.id(), m);
            if ("leader".equals(m.get("zk_server_state"))) {
                zxid = zxid(fourLetter(s.clientPort(), "srvr"));
            }
        }
        return new Stats(all, zxid);
    }

    private static long zxid(String srvr) {
        for (String line : srvr.split("\n")) {
            if (line.startsWith("Zxid:")) {
                return Long.decode(line.substring(5).trim());
            }
        }
        return -1;
    }

    /** Sends a four-letter word and returns the answer; empty when the server does not answer. */
    static String fourLetter(int port, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Bytes under the servers' data directories (transaction logs and snapshots). */
    static long diskBytes(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (Server s : servers) {
            s.jvm().close();
        }
    }
}
