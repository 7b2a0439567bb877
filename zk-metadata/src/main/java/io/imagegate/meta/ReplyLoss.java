package io.imagegate.meta;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.client.ZKClientConfig;

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
     * Connects a store (without a ZooKeeper identity) whose multis lose replies; the store owns
     * and closes its client, as {@link ZkMetadataStore#connect(String, ZkStoreConfig)}'s does.
     */
    public ZkMetadataStore connect(String connectString, ZkStoreConfig config) {
        int timeout = (int) config.operationTimeout().toMillis();
        ZKClientConfig zkConfig = new ZKClientConfig();
        zkConfig.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Integer.toString(timeout));
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                .retryPolicy(new RetryUntilElapsed(timeout, 200))
                .zkClientConfig(zkConfig)
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected(timeout, TimeUnit.MILLISECONDS)) {
                throw new MetadataException.Unavailable("cannot connect to ZooKeeper at " + connectString, null);
            }
            return new ZkMetadataStore(client, config, true, LossyZk::new);
        } catch (InterruptedException e) {
            client.close();
            throw Zk.interrupted(e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
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
