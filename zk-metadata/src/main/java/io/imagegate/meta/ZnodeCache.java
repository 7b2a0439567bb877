package io.imagegate.meta;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Key records a store reads often (GET and HEAD read one per request), kept in memory while
 * ZooKeeper says they have not changed: each cached znode carries a data watch, and an entry goes
 * when its watch fires, when this process writes the znode (dropped before the write's reply is
 * returned, so a writer reads its own write), and when the connection to ZooKeeper drops (no
 * event can be missed then). A write by another process reaches this cache when its watch fires,
 * a few milliseconds after the write, so only a store that is the only writer may use it: the
 * embedded default, one gateway on its own ZooKeeper. Absent znodes are not cached.
 *
 * <p>A read that began before an invalidation never fills the cache: every invalidation bumps a
 * counter, and a read stores its result only if the counter did not move while it ran.
 */
final class ZnodeCache implements Watcher {

    private final int maxEntries;
    private final Map<String, Zk.Node> entries;
    private long invalidations;

    ZnodeCache(int maxEntries) {
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** The cached node, or null. */
    synchronized Zk.Node lookup(String path) {
        return entries.get(path);
    }

    /** Reads {@code path} and watches it, caching the answer unless something was invalidated meanwhile. */
    Zk.Node load(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        long before;
        synchronized (this) {
            before = invalidations;
        }
        Stat stat = new Stat();
        byte[] data;
        try {
            data = zk.getData(path, this, stat);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        Zk.Node node = new Zk.Node(data, stat);
        String evicted = null;
        synchronized (this) {
            if (invalidations == before) {
                entries.put(path, node);
                if (entries.size() > maxEntries) {
                    var eldest = entries.entrySet().iterator();
                    evicted = eldest.next().getKey();
                    eldest.remove();
                }
            }
        }
        if (evicted != null) {
            // the server holds a watch per cached znode: let go of an evicted one's (best effort)
            zk.removeWatches(evicted, this, WatcherType.Data, false, (rc, p, ctx) -> { }, null);
        }
        return node;
    }

    /** Drops {@code path} (a write of this process touched it). */
    synchronized void invalidate(String path) {
        invalidations++;
        entries.remove(path);
    }

    synchronized void clear() {
        invalidations++;
        entries.clear();
    }

    synchronized int size() {
        return entries.size();
    }

    @Override
    public void process(WatchedEvent event) {
        if (event.getType() == Event.EventType.None) {
            if (event.getState() != Event.KeeperState.SyncConnected) {
                clear(); // disconnected or expired: changes may go unseen until we are back
            }
            return;
        }
        String path = event.getPath();
        if (path == null) {
            return;
        }
        synchronized (this) {
            Zk.Node cached = entries.get(path);
            if (cached != null && event.getZxid() != WatchedEvent.NO_ZXID && event.getZxid() <= cached.stat().getMzxid()) {
                return; // the late event of a change the entry already holds (this process's own write, say)
            }
            invalidate(path);
        }
    }
}
