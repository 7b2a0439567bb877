package io.imagegate.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One fault of the schedule: what it breaks, for how long, and how it is repaired. {@link #inject}
 * returns what it hit (a server, a gateway); {@link #repair} returns once the broken part runs again
 * (a restarted process started, a paused one continued), not once it serves: the time from then
 * until clients are answered again is the recovery the benchmark measures.
 */
sealed interface Fault {

    String name();

    Duration hold();

    String inject(ChaosCluster c) throws InterruptedException;

    void repair(ChaosCluster c) throws InterruptedException;

    /** Whether the repaired part serves again (the ensemble has all its servers back, the gateway is ready). */
    boolean serving(ChaosCluster c);

    /** The ZooKeeper leader killed (SIGKILL) and restarted on its data. */
    record LeaderKill(Duration hold, List<Integer> killed) implements Fault {
        LeaderKill(Duration hold) {
            this(hold, new ArrayList<>());
        }

        public String name() {
            return "zookeeper-leader-killed";
        }

        public String inject(ChaosCluster c) throws InterruptedException {
            int leader = awaitLeader(c);
            c.ensemble.kill(leader);
            killed.add(leader);
            return "zk" + leader;
        }

        public void repair(ChaosCluster c) {
            c.ensemble.restart(killed.removeLast());
        }

        public boolean serving(ChaosCluster c) {
            return c.ensemble.allServing();
        }
    }

    /** Two of the three ZooKeeper servers (the leader and a follower) killed: no quorum until they return. */
    record QuorumLoss(Duration hold, List<Integer> killed) implements Fault {
        QuorumLoss(Duration hold) {
            this(hold, new ArrayList<>());
        }

        public String name() {
            return "zookeeper-quorum-lost";
        }

        public String inject(ChaosCluster c) throws InterruptedException {
            int leader = awaitLeader(c);
            int follower = c.ensemble.servers().stream().mapToInt(s -> s.id()).filter(id -> id != leader).findFirst()
                    .orElseThrow();
            c.ensemble.kill(leader);
            c.ensemble.kill(follower);
            killed.addAll(List.of(leader, follower));
            return "zk" + leader + "+zk" + follower;
        }

        public void repair(ChaosCluster c) {
            while (!killed.isEmpty()) {
                c.ensemble.restart(killed.removeLast());
            }
        }

        public boolean serving(ChaosCluster c) {
            return c.ensemble.allServing();
        }
    }

    /** A gateway stopped with SIGSTOP while clients write through it, past its ZooKeeper session, then SIGCONT. */
    record GatewayPause(int gateway, Duration hold) implements Fault {
        public String name() {
            return "gateway-paused";
        }

        public String inject(ChaosCluster c) {
            c.gateways.get(gateway).jvm.signal("STOP");
            return "gw" + gateway;
        }

        public void repair(ChaosCluster c) {
            c.gateways.get(gateway).jvm.signal("CONT");
        }

        public boolean serving(ChaosCluster c) {
            return c.ready(c.gateways.get(gateway));
        }
    }

    /** A gateway killed with SIGKILL and started again on the same data directory and port. */
    record GatewayKill(int gateway, Duration hold) implements Fault {
        public String name() {
            return "gateway-killed";
        }

        public String inject(ChaosCluster c) {
            c.gateways.get(gateway).jvm.kill();
            return "gw" + gateway;
        }

        public void repair(ChaosCluster c) {
            ChaosCluster.Gateway g = c.gateways.get(gateway);
            g.jvm = g.jvm.restart();
        }

        public boolean serving(ChaosCluster c) {
            return c.ready(c.gateways.get(gateway));
        }
    }

    private static int awaitLeader(ChaosCluster c) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            int leader = c.ensemble.leader();
            if (leader > 0) {
                return leader;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the ensemble has no leader");
    }
}
