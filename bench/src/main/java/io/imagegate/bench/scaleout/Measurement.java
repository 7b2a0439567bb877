package io.imagegate.bench.scaleout;

/**
 * One timed run of one phase (PUT, range GET, the key load) against one configuration: what the
 * client saw, what every process spent, what the ensemble did, and how busy the machine was.
 *
 * @param phase     put, range, load, or list-all
 * @param target    imagegate-s3, imagegate-local or s3proxy
 * @param gateways  gateways serving (0 for s3proxy alone)
 * @param repeat    0 for a warm-up, then 1, 2, ...
 */
record Measurement(String phase, String target, int gateways, int repeat, long requests, long errors,
                   long bytes, double seconds, Latencies latency, CpuMeter.Use cpu, ZkDelta zk,
                   QuietGate.Wait quiet, String firstError) {

    /**
     * What the ensemble did during the run: transactions (by zxid), requests received, the bytes of
     * the read answers it served for /imagegate (ZooKeeper's per-namespace read statistics, summed
     * over the servers) and its CPU.
     */
    record ZkDelta(long transactions, double requestsReceived, double readAnswers, double readBytes, String leader,
                   double leaderCpu, double maxServerCpu) {
        static final ZkDelta NONE = new ZkDelta(0, 0, 0, 0, "-", 0, 0);

        static ZkDelta between(Ensemble.Stats a, Ensemble.Stats b, CpuMeter.Use cpu) {
            if (a == null || b == null) {
                return NONE;
            }
            String leader = b.leader();
            double leaderCpu = cpu.byProcess().getOrDefault(leader, 0.0);
            double max = 0;
            for (var e : cpu.byProcess().entrySet()) {
                if (e.getKey().startsWith("zk")) {
                    max = Math.max(max, e.getValue());
                }
            }
            return new ZkDelta(b.zxid() - a.zxid(), b.sum("zk_packets_received") - a.sum("zk_packets_received"),
                    b.sum("zk_cnt" + Ensemble.READS) - a.sum("zk_cnt" + Ensemble.READS),
                    b.sum("zk_sum" + Ensemble.READS) - a.sum("zk_sum" + Ensemble.READS), leader, leaderCpu, max);
        }
    }

    boolean warmup() {
        return repeat == 0;
    }

    double rate() {
        return requests / seconds;
    }

    double mibPerSecond() {
        return bytes / (1024.0 * 1024.0) / seconds;
    }

    /** Requests per CPU-second of the servers (gateways, ZooKeeper, chunk backend), load generator excluded. */
    double perServerCpuSecond() {
        return requests / cpu.servers();
    }

    /** Requests per CPU-second of everything the benchmark ran, the load generator included. */
    double perCpuSecond() {
        return requests / cpu.ours();
    }

    double zkTransactionsPerSecond() {
        return zk.transactions() / seconds;
    }

    double zkTransactionsPerRequest() {
        return requests == 0 ? Double.NaN : zk.transactions() / (double) requests;
    }

    double zkRequestsPerRequest() {
        return requests == 0 ? Double.NaN : zk.requestsReceived() / requests;
    }

    /** Share of the benchmark's CPU time that ZooKeeper used. */
    double zkCpuShare() {
        return cpu.zookeeper() / cpu.ours();
    }

    /** Other work on the machine during the run, in cores. */
    double foreignCores() {
        return cpu.foreign() / cpu.wallSeconds();
    }
}
