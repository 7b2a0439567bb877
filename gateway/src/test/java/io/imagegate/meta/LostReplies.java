package io.imagegate.meta;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * A real store whose next ZooKeeper multi on a chosen znode commits but loses its reply, as a
 * connection loss right after the commit does, with another write run in between: for gateway
 * tests of what clients are told when a write's outcome cannot be learned.
 */
public final class LostReplies {

    private final ZkMetadataStore store;
    private volatile Armed armed;

    private record Armed(String path, Runnable meanwhile, AtomicBoolean fired) {}

    private LostReplies(String connect) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connect, new RetryNTimes(3, 100));
        client.start();
        this.store = new ZkMetadataStore(client, ZkStoreConfig.defaults(), true, c -> new Zk(c) {
            @Override
            Outcome multi(Deadline d, List<Op> ops) {
                Armed a = armed;
                if (a != null && ops.stream().anyMatch(op -> op.getPath().equals(a.path()))
                        && a.fired().compareAndSet(false, true)) {
                    super.multi(d, ops);
                    a.meanwhile().run();
                    return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
                }
                return super.multi(d, ops);
            }
        });
    }

    public static LostReplies connect(String connect) {
        return new LostReplies(connect);
    }

    public ZkMetadataStore store() {
        return store;
    }

    /** The next multi that writes bucket {@code bucket}'s record commits, then {@code meanwhile} runs, then its reply is lost. */
    public AtomicBoolean loseReplyToBucketWrite(String bucket, Runnable meanwhile) {
        AtomicBoolean fired = new AtomicBoolean();
        armed = new Armed(store.ctxForTests().layout.bucket(bucket), meanwhile, fired);
        return fired;
    }
}
