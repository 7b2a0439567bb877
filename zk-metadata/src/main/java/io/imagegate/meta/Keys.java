package io.imagegate.meta;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.ZooKeeper;

/** Reading a key's znode and its history of non-current versions. */
final class Keys {

    private final Zk zk;
    private final Layout layout;

    Keys(Zk zk, Layout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /**
     * A key's znode: its state, data version, number of history groups, creation zxid (which tells a
     * key deleted and created again apart) and raw bytes (for fencing).
     */
    record KeyNode(KeyState state, int version, int children, long czxid, byte[] raw) {}

    /** A non-current version and its ordinal. */
    record Versioned(long ordinal, VersionRecord record) {}

    private static final ParsedRecords<KeyState> STATES = new ParsedRecords<>(KeyState.class);

    static KeyNode parse(Zk.Node n) {
        if (n == null) {
            return null;
        }
        return new KeyNode(STATES.read(n.data()), n.stat().getVersion(), n.stat().getNumChildren(),
                n.stat().getCzxid(), n.data());
    }

    /** The key's node, or null; a long key whose truncated name collides with another's is refused. */
    KeyNode read(Deadline d, String bucket, String name, String key) {
        return read(d, bucket, name, key, false);
    }

    /** With {@code cached}, from the read cache when it is on (GET and HEAD; never a write's read). */
    KeyNode read(Deadline d, String bucket, String name, String key, boolean cached) {
        String path = layout.object(bucket, name);
        KeyNode k = parse(cached ? zk.getCached(d, path) : zk.get(d, path));
        if (k != null && !k.state().current().key().equals(key)) {
            throw new MetadataException.Unavailable("key name collision between " + key + " and "
                    + k.state().current().key(), null);
        }
        return k;
    }

    VersionRecord historyAt(Deadline d, String bucket, String name, long ordinal) {
        return historyAt(d, bucket, name, ordinal, false);
    }

    VersionRecord historyAt(Deadline d, String bucket, String name, long ordinal, boolean cached) {
        String path = layout.history(bucket, name, ordinal);
        Zk.Node n = cached ? zk.getCached(d, path) : zk.get(d, path);
        return n == null ? null : Json.read(n.data(), VersionRecord.class);
    }

    /** The newest non-current version, or null when the key has none. */
    Versioned newestHistory(Deadline d, String bucket, String name) {
        List<Versioned> v = zk.read(d, h -> Zk.await(d, newest(h, bucket, name, Long.MAX_VALUE, 1)));
        return v.isEmpty() ? null : v.get(0);
    }

    /** The history groups that exist now, ascending. */
    List<Long> groups(Deadline d, String bucket, String name) {
        List<String> names = zk.children(d, layout.object(bucket, name));
        return names == null ? List.of() : names.stream().map(Layout::parseHex).sorted().toList();
    }

    /**
     * Up to {@code limit} non-current versions with ordinals below {@code below}, newest first,
     * reading groups one at a time from the newest, and only the version records it returns.
     */
    CompletableFuture<List<Versioned>> newest(ZooKeeper h, String bucket, String name, long below, int limit) {
        return zk.childrenAsync(h, layout.object(bucket, name)).thenCompose(names -> {
            if (names == null || limit <= 0) {
                return CompletableFuture.completedFuture(List.<Versioned>of());
            }
            long maxGroup = below == Long.MAX_VALUE ? Long.MAX_VALUE : Layout.groupOf(below - 1);
            List<Long> groups = names.stream().map(Layout::parseHex).filter(g -> g <= maxGroup && below > 0)
                    .sorted(Comparator.reverseOrder()).toList();
            return fromGroups(h, bucket, name, groups, 0, below, limit, new ArrayList<>());
        });
    }

    private CompletableFuture<List<Versioned>> fromGroups(ZooKeeper h, String bucket, String name, List<Long> groups,
            int at, long below, int limit, List<Versioned> acc) {
        if (at >= groups.size() || acc.size() >= limit) {
            return CompletableFuture.completedFuture(acc);
        }
        String groupPath = layout.group(bucket, name, groups.get(at));
        return zk.childrenAsync(h, groupPath).thenCompose(children -> {
            List<Long> ordinals = children == null ? List.of() : children.stream().map(Layout::parseHex)
                    .filter(o -> o < below).sorted(Comparator.reverseOrder()).limit(limit - acc.size()).toList();
            List<String> paths = ordinals.stream().map(o -> layout.history(bucket, name, o)).toList();
            return zk.getManyAsync(h, paths).thenCompose(nodes -> {
                for (int i = 0; i < nodes.size(); i++) {
                    Zk.Node n = nodes.get(i);
                    if (n != null) {
                        acc.add(new Versioned(ordinals.get(i), Json.read(n.data(), VersionRecord.class)));
                    }
                }
                return fromGroups(h, bucket, name, groups, at + 1, below, limit, acc);
            });
        });
    }
}
