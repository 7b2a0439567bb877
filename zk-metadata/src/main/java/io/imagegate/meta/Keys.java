package io.imagegate.meta;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Reading a key's znode and its history of non-current versions. A conclusion drawn from more than
 * one read (a version is here, is not, is current; the history ends here) holds only if the key
 * znode read after the last of them is the one read before the first: same incarnation (creation
 * zxid) and data version. Every change to a key's versions is one multi that also sets or deletes
 * the key znode at its data version, and one session's reads are answered in order, so "key,
 * history, key again unchanged" is a snapshot of one moment (docs/FORMAT-zookeeper.md,
 * "Incarnations and snapshots").
 */
final class Keys {

    /** Reads of one key before giving up on a key that keeps changing while it is read. */
    static final int MAX_READS = 64;

    private final Zk zk;
    private final Layout layout;

    Keys(Zk zk, Layout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /**
     * A key's znode: its state, data version, number of children (history groups and the
     * incarnation), creation zxid and raw bytes (for fencing).
     */
    record KeyNode(KeyState state, int version, int children, long czxid, byte[] raw) {

        /** The history groups under the key: its children but the incarnation. */
        int groups() {
            return state.incarnation() == null ? children : children - 1;
        }

        /** Whether {@code other} is this very state of this very znode: same incarnation, same data version. */
        boolean sameAs(KeyNode other) {
            return other != null && other.czxid == czxid && other.version == version;
        }

        /** {@link #sameAs}, for the stat of a later read of the znode (null: it is gone). */
        boolean sameAs(Stat later) {
            return later != null && later.getCzxid() == czxid && later.getVersion() == version;
        }
    }

    /** A non-current version and its ordinal. */
    record Versioned(long ordinal, VersionRecord record) {}

    /**
     * A key and the version a version id names in it, as of one moment. {@code key} null: no such
     * key. {@code version} null: the key has no such version. {@code ordinal} is where the version
     * is (or would be), -1 when the id cannot be one of this key's; {@code there} is whatever
     * version holds that ordinal (another one than asked for when the id is not this key's).
     */
    record Located(KeyNode key, long ordinal, VersionRecord version, VersionRecord there) {

        boolean current() {
            return version != null && key.state().ordinal() == ordinal;
        }
    }

    /**
     * Non-current versions, newest first; {@code exhausted} when the child lists held no older
     * ones (never concluded from the batch's size: a record deleted between a child list and its read
     * is skipped); {@code next}, the lowest ordinal the batch considered, where a next batch starts;
     * {@code keyAfter}, the key znode's stat read after the batch's last history read (with its
     * child list when that was the last read; null when the key is gone), which validates the batch
     * against the key it was read for.
     */
    record Batch(List<Versioned> versions, boolean exhausted, long next, Stat keyAfter) {}

    private static final ParsedRecords<KeyState> STATES = new ParsedRecords<>(Stored::key);

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
        return checked(parse(cached ? zk.getCached(d, path) : zk.get(d, path)), key);
    }

    /** {@code k}, unless its node belongs to another key whose truncated name is the same. */
    static KeyNode checked(KeyNode k, String key) {
        if (k != null && !k.state().current().key().equals(key)) {
            throw new MetadataException.Unavailable("key name collision between " + key + " and "
                    + k.state().current().key(), null);
        }
        return k;
    }

    /** A history record, from the read cache when asked and on (GET and HEAD only); null when absent. */
    VersionRecord historyAt(Deadline d, String bucket, String name, long ordinal, boolean cached) {
        String path = layout.history(bucket, name, ordinal);
        Zk.Node n = cached ? zk.getCached(d, path) : zk.get(d, path);
        return n == null ? null : Stored.version(n.data());
    }

    /**
     * Where {@code versionId} is in the key, as of one moment: the key read, the history record the
     * id points at and the key again, in one request of three ordered reads (for the null version,
     * whose ordinal the key record holds: the key, then the record and the key again). Read again
     * while the key changes between the two key reads.
     */
    Located locate(Deadline d, String bucket, String name, String key, String versionId) {
        if (VersionIds.isNull(versionId)) {
            return locateNull(d, bucket, name, key, read(d, bucket, name, key));
        }
        String keyPath = layout.object(bucket, name);
        long ordinal = VersionIds.parse(versionId).ordinal();
        for (int attempt = 0; attempt < MAX_READS; attempt++) {
            List<Zk.Node> nodes = readAll(d, List.of(keyPath, layout.history(bucket, name, ordinal), keyPath));
            Located l = judge(checked(parse(nodes.get(0)), key), versionId, nodes.get(1), nodes.get(2));
            if (l != null) {
                return l;
            }
        }
        throw changing(key, versionId);
    }

    /**
     * The null version, starting from the key read {@code first}: its record holds the null
     * version's ordinal, so a noncurrent null version takes a second request (its record and the
     * key again); while the key changes between, from the later key read on.
     */
    Located locateNull(Deadline d, String bucket, String name, String key, KeyNode first) {
        String keyPath = layout.object(bucket, name);
        KeyNode k = first;
        for (int attempt = 0; attempt < MAX_READS; attempt++) {
            Long at = k == null ? null : k.state().nullOrdinal();
            if (at == null || at == k.state().ordinal()) {
                return judge(k, VersionRecord.NULL_VERSION, null, null); // one read decides
            }
            List<Zk.Node> nodes = readAll(d, List.of(layout.history(bucket, name, at), keyPath));
            Located l = judge(k, VersionRecord.NULL_VERSION, nodes.get(0), nodes.get(1));
            if (l != null) {
                return l;
            }
            k = checked(parse(nodes.get(1)), key);
        }
        throw changing(key, VersionRecord.NULL_VERSION);
    }

    private static MetadataException changing(String key, String versionId) {
        return new MetadataException.Unavailable("key " + key + " kept changing while version " + versionId
                + " was looked up", null);
    }

    /**
     * What the reads {@code key} (first), {@code history} (the record at the ordinal the id points at
     * in that key; unused when the first read decides) and {@code after} (the key again) say about
     * {@code versionId}; null when the answer rests on the history read and the key changed around it.
     */
    static Located judge(KeyNode key, String versionId, Zk.Node history, Zk.Node after) {
        if (key == null) {
            return new Located(null, -1, null, null);
        }
        KeyState s = key.state();
        long ordinal = s.ordinalOf(versionId);
        if (ordinal < 0) {
            return new Located(key, -1, null, null);
        }
        if (ordinal == s.ordinal()) {
            return found(key, ordinal, s.current(), versionId);
        }
        if (!key.sameAs(parse(after))) {
            return null;
        }
        return found(key, ordinal, history == null ? null : Stored.version(history.data()), versionId);
    }

    private static Located found(KeyNode key, long ordinal, VersionRecord there, String versionId) {
        return new Located(key, ordinal, there != null && there.versionId().equals(versionId) ? there : null, there);
    }

    private List<Zk.Node> readAll(Deadline d, List<String> paths) {
        return zk.read(d, h -> Zk.await(d, zk.getManyAsync(h, paths)));
    }

    /** The newest non-current version, as a batch of at most one. */
    Batch newestHistory(Deadline d, String bucket, String name) {
        return zk.read(d, h -> Zk.await(d, newest(h, bucket, name, Long.MAX_VALUE, 1)));
    }

    /** The history groups that exist now, ascending. */
    List<Long> groups(Deadline d, String bucket, String name) {
        List<String> names = zk.children(d, layout.object(bucket, name));
        return names == null ? List.of() : names.stream().filter(Layout::isGroup).map(Layout::parseHex).sorted()
                .toList();
    }

    /**
     * Up to {@code limit} non-current versions with ordinals below {@code below}, newest first,
     * reading groups one at a time from the newest, and only the version records it returns; the key
     * znode is read after them, in the same request as the last of them.
     */
    CompletableFuture<Batch> newest(ZooKeeper h, String bucket, String name, long below, int limit) {
        String keyPath = layout.object(bucket, name);
        return zk.childrenAndStatAsync(h, keyPath).thenCompose(children -> {
            if (children == null) {
                return CompletableFuture.completedFuture(new Batch(List.of(), true, below, null));
            }
            long maxGroup = below == Long.MAX_VALUE ? Long.MAX_VALUE : Layout.groupOf(below - 1);
            List<Long> groups = children.names().stream().filter(Layout::isGroup).map(Layout::parseHex)
                    .filter(g -> g <= maxGroup && below > 0).sorted(Comparator.reverseOrder()).toList();
            if (groups.isEmpty() || limit <= 0) {
                // the child list was the last read: its stat validates the (empty) answer
                return CompletableFuture.completedFuture(new Batch(List.of(), groups.isEmpty(), below,
                        children.stat()));
            }
            return fromGroups(h, bucket, name, groups, 0, below, limit, new ArrayList<>(), below);
        });
    }

    private CompletableFuture<Batch> fromGroups(ZooKeeper h, String bucket, String name, List<Long> groups,
            int at, long below, int limit, List<Versioned> acc, long next) {
        String keyPath = layout.object(bucket, name);
        if (at >= groups.size()) {
            return zk.getAsync(h, keyPath).thenApply(k -> new Batch(acc, true, next, k == null ? null : k.stat()));
        }
        String groupPath = layout.group(bucket, name, groups.get(at));
        return zk.childrenAsync(h, groupPath).thenCompose(children -> {
            List<Long> all = children == null ? List.of() : children.stream().map(Layout::parseHex)
                    .filter(o -> o < below).sorted(Comparator.reverseOrder()).toList();
            List<Long> taken = all.subList(0, Math.min(all.size(), limit - acc.size()));
            if (taken.isEmpty()) {
                return fromGroups(h, bucket, name, groups, at + 1, below, limit, acc, next);
            }
            List<String> paths = new ArrayList<>(taken.size() + 1);
            taken.forEach(o -> paths.add(layout.history(bucket, name, o)));
            paths.add(keyPath);
            long lowest = taken.get(taken.size() - 1);
            return zk.getManyAsync(h, paths).thenCompose(nodes -> {
                for (int i = 0; i < taken.size(); i++) {
                    Zk.Node n = nodes.get(i);
                    if (n != null) {
                        acc.add(new Versioned(taken.get(i), Stored.version(n.data())));
                    }
                }
                Zk.Node key = nodes.get(taken.size());
                Stat keyAfter = key == null ? null : key.stat();
                boolean moreHere = taken.size() < all.size();
                boolean last = !moreHere && at + 1 >= groups.size();
                if (moreHere || last || acc.size() >= limit) {
                    return CompletableFuture.completedFuture(new Batch(acc, last, lowest, keyAfter));
                }
                return fromGroups(h, bucket, name, groups, at + 1, below, limit, acc, lowest);
            });
        });
    }
}
