package io.imagegate.meta;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * For tests and the chaos benchmark, never reachable from a command line: a store whose
 * ZooKeeper transactions lose their reply now and then, as a connection lost at the worst moment
 * does: half of the lost ones before they are sent (nothing applied), half after they committed.
 * The store must then acknowledge a write only if it committed and never apply one twice.
 */
public final class ReplyLoss {

    private final double rate;
    private final Random random;
    private final AtomicInteger beforeSending = new AtomicInteger();
    private final AtomicInteger afterCommit = new AtomicInteger();

    private ReplyLoss(double rate, long seed) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be in 0..1: " + rate);
        }
        this.rate = rate;
        this.random = new Random(seed);
    }

    /** Loses the reply of this fraction of all multis. */
    public static ReplyLoss of(double rate, long seed) {
        return new ReplyLoss(rate, seed);
    }

    /** Transactions whose request was dropped: never applied. */
    public int lostBeforeSending() {
        return beforeSending.get();
    }

    /** Transactions applied whose reply was dropped. */
    public int lostAfterCommit() {
        return afterCommit.get();
    }

    /**
     * Connects a store whose multis lose replies, as {@link ZkMetadataStore#connect(String, ZkStoreConfig)}
     * connects one: the same client settings and, with {@link ZkStoreConfig#auth()}, the same ZooKeeper
     * identity and ACLs. The store owns and closes its client.
     */
    public ZkMetadataStore connect(String connectString, ZkStoreConfig config) {
        return ZkMetadataStore.connect(connectString, config, LossyZk::new);
    }

    private final class LossyZk extends Zk {
        LossyZk(CuratorFramework client) {
            super(client);
        }

        @Override
        Outcome multi(Deadline d, List<Op> ops) {
            double dice;
            synchronized (random) {
                dice = random.nextDouble();
            }
            if (dice < rate / 2) {
                beforeSending.incrementAndGet();
                return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
            }
            Outcome real = super.multi(d, ops);
            if (dice < rate && real instanceof Outcome.Committed) {
                afterCommit.incrementAndGet();
                return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
            }
            return real;
        }
    }
}
