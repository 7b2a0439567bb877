package io.imagegate.meta;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * A real store on a real ZooKeeper whose next write to a chosen key meets a fault, as a gateway
 * sees one when ZooKeeper goes away: for gateway tests of what clients are told when the store
 * fails in the middle of an operation. Everything else goes to ZooKeeper as usual.
 */
public final class StoreFaults {

    /** What happens to the write. */
    public enum Fault {
        /** ZooKeeper is not reachable: the write is never sent (the store answers Unavailable). */
        UNREACHABLE,
        /**
         * The write commits, its reply is lost, and ZooKeeper is not reachable while the store tries
         * to learn its outcome (the store answers OutcomeUnknown).
         */
        COMMITTED_REPLY_LOST
    }

    private record Armed(String path, Fault fault, AtomicBoolean fired) {}

    private final ZkMetadataStore store;
    private volatile Armed armed;
    /** The thread whose next request fails, as ZooKeeper stays unreachable while it settles. */
    private volatile Thread settling;

    private StoreFaults(String connect, ZkStoreConfig config) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connect, new RetryNTimes(3, 100));
        client.start();
        this.store = new ZkMetadataStore(client, config, true, c -> new Zk(c) {
            @Override
            Outcome multi(Deadline d, List<Op> ops) {
                Armed a = armed;
                if (a != null && ops.stream().anyMatch(op -> op.getPath().equals(a.path()))
                        && a.fired().compareAndSet(false, true)) {
                    if (a.fault() == Fault.UNREACHABLE) {
                        throw new MetadataException.Unavailable("ZooKeeper is not reachable (injected)", null);
                    }
                    super.multi(d, ops);
                    settling = Thread.currentThread();
                    return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
                }
                return super.multi(d, ops);
            }

            @Override
            void interleave(Point point, String op, List<String> paths) {
                if (point == Point.BEFORE && settling == Thread.currentThread()) {
                    settling = null;
                    throw new MetadataException.Unavailable("ZooKeeper is not reachable (injected)", null);
                }
            }
        });
    }

    public static StoreFaults connect(String connect) {
        return new StoreFaults(connect, ZkStoreConfig.defaults());
    }

    public ZkMetadataStore store() {
        return store;
    }

    /** The next multi that writes {@code key}'s record in {@code bucket} meets {@code fault}; the flag says it did. */
    public AtomicBoolean atKey(String bucket, String key, Fault fault) {
        AtomicBoolean fired = new AtomicBoolean();
        armed = new Armed(store.ctxForTests().layout.object(bucket, KeyNames.name(key)), fault, fired);
        return fired;
    }
}
