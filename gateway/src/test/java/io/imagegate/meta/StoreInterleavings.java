package io.imagegate.meta;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;

/**
 * A real store on a real ZooKeeper that runs a chosen action once, at a chosen point of the first
 * request whose kind and paths match, through {@link Zk#interleave}: for gateway tests that put
 * another client's writes at an exact point between a request's authorization and its write.
 */
public final class StoreInterleavings {

    private record Armed(Zk.Point point, String op, Predicate<List<String>> paths, Runnable action,
                         AtomicBoolean fired) {}

    private final ZkMetadataStore store;
    private volatile Armed armed;

    private StoreInterleavings(String connect) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(connect, new RetryNTimes(3, 100));
        client.start();
        this.store = new ZkMetadataStore(client, ZkStoreConfig.defaults(), true, c -> new Zk(c) {
            @Override
            void interleave(Point point, String op, List<String> paths) {
                Armed a = armed;
                if (a != null && point == a.point() && op.equals(a.op()) && a.paths().test(paths)
                        && a.fired().compareAndSet(false, true)) {
                    a.action().run();
                }
            }
        });
    }

    public static StoreInterleavings connect(String connect) {
        return new StoreInterleavings(connect);
    }

    public ZkMetadataStore store() {
        return store;
    }

    /** Runs {@code action} once, before the store next reads the record of {@code bucket}; the flag says it did. */
    public AtomicBoolean beforeReadOf(String bucket, Runnable action) {
        return arm(new Armed(Zk.Point.BEFORE, "get", paths -> paths.contains(store.ctxForTests().layout.bucket(bucket)),
                action, new AtomicBoolean()));
    }

    /** Runs {@code action} once, after the store next read the record of {@code bucket}, before it uses it. */
    public AtomicBoolean afterReadOf(String bucket, Runnable action) {
        return arm(new Armed(Zk.Point.AFTER, "get", paths -> paths.contains(store.ctxForTests().layout.bucket(bucket)),
                action, new AtomicBoolean()));
    }

    private AtomicBoolean arm(Armed a) {
        armed = a;
        return a.fired();
    }
}
