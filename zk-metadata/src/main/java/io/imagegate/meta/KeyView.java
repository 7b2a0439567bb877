package io.imagegate.meta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/**
 * One listing's view of a bucket's keys: the sorted keys of one partition range at a time, read
 * only when the listing reaches them. While a split moves keys from partition P to Q, the range of
 * Q is P's keys at or above the split point plus Q's keys, with P read first: keys only move from P
 * to Q, so none is missed. The map the view used may have been stale, or a partition it read may
 * have started splitting (moving keys away) before it was read; {@link #valid} re-reads the map
 * afterwards and accepts the listing only if every partition it read still holds at least the
 * range the view assumed. Page splits, finished moves and changes elsewhere in the map do not
 * disturb a listing.
 */
final class KeyView {

    /** One key of a partition: its full UTF-8 bytes and its node name. */
    record Entry(byte[] key, String name) {}

    /** The sorted keys of the range {@code [lo, hi)}; {@code hi} null means to the end. */
    record Segment(List<Entry> entries, byte[] lo, byte[] hi) {

        boolean covers(byte[] key) {
            return ByteKeys.compare(key, lo) >= 0 && (hi == null || ByteKeys.compare(key, hi) < 0);
        }

        int lowerBound(byte[] key) {
            int lo = 0;
            int hi = entries.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (ByteKeys.compare(entries.get(mid).key(), key) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /** A partition the view read, and the key range it read it for. */
    private record Used(String partition, byte[] lo, byte[] hi) {}

    /** The map changed under the listing: start over from fresh map reads. */
    static final class Stale extends RuntimeException {
        Stale() {
            super(null, null, false, false);
        }
    }

    private final Context ctx;
    private final String bucket;
    private final long incarnation;
    private final boolean fresh;
    private final Deadline d;
    private final ZooKeeper h;
    private PartitionMap.Root root;
    private final Map<String, PartitionMap.Page> pages = new LinkedHashMap<>();
    private final Map<String, List<Entry>> partitions = new HashMap<>();
    private final List<Used> used = new ArrayList<>();
    private final Map<String, Zk.Node> nodes = new HashMap<>();

    KeyView(Context ctx, String bucket, long incarnation, boolean fresh, Deadline d, ZooKeeper h) {
        this.ctx = ctx;
        this.bucket = bucket;
        this.incarnation = incarnation;
        this.fresh = fresh;
        this.d = d;
        this.h = h;
    }

    ZooKeeper handle() {
        return h;
    }

    Deadline deadline() {
        return d;
    }

    /** The range containing {@code cursor}, with its keys. */
    Segment segmentAt(byte[] cursor) throws KeeperException, InterruptedException {
        if (root == null) {
            root = ctx.maps.root(d, bucket, incarnation, fresh);
        }
        int pi = PartitionMap.floor(root.pages(), cursor);
        String pageId = root.pages().get(pi).id();
        PartitionMap.Page page = pages.get(pageId);
        if (page == null) {
            page = ctx.maps.page(d, bucket, incarnation, pageId, fresh);
            if (page == null) {
                throw new Stale();
            }
            pages.put(pageId, page);
        }
        PartitionMap.Location loc = PartitionMap.location(root, pi, page, cursor);
        used.add(new Used(loc.partition(), loc.lo(), loc.hi()));
        List<Entry> entries = new ArrayList<>();
        String from = loc.movingFrom();
        if (from != null) {
            entries.addAll(inRange(partition(from), loc.lo(), loc.hi()));
        }
        entries.addAll(inRange(partition(loc.partition()), loc.lo(), loc.hi()));
        if (from != null) {
            entries.sort((a, b) -> ByteKeys.compare(a.key(), b.key()));
            entries = dedupe(entries);
        }
        return new Segment(entries, loc.lo(), loc.hi());
    }

    /** Key nodes by name, read in batches; a missing key maps to null. */
    Map<String, Zk.Node> fetch(List<String> names) throws KeeperException, InterruptedException {
        List<String> missing = new ArrayList<>(new java.util.LinkedHashSet<>(names));
        missing.removeIf(nodes::containsKey);
        List<String> paths = new ArrayList<>(missing.size());
        for (String name : missing) {
            paths.add(ctx.layout.object(bucket, name));
        }
        List<Zk.Node> read = Zk.await(d, ctx.zk.getManyAsync(h, paths));
        for (int i = 0; i < missing.size(); i++) {
            nodes.put(missing.get(i), read.get(i));
        }
        Map<String, Zk.Node> out = new HashMap<>();
        for (String name : names) {
            out.put(name, nodes.get(name));
        }
        return out;
    }

    /**
     * True when, in the map as it is now, every partition this view read still starts where the
     * view thought and reaches at least as far: then no key it should have seen moved away first.
     * A partition that no longer exists was merged away because it was empty.
     */
    boolean valid() throws KeeperException, InterruptedException {
        if (used.isEmpty()) {
            return true;
        }
        PartitionMap.Root now = ctx.maps.root(d, bucket, incarnation, true);
        Map<String, PartitionMap.Page> fresh = new HashMap<>();
        for (Used u : used) {
            int pi = PartitionMap.floor(now.pages(), u.lo());
            String pageId = now.pages().get(pi).id();
            PartitionMap.Page page = fresh.containsKey(pageId) ? fresh.get(pageId)
                    : ctx.maps.page(d, bucket, incarnation, pageId, true);
            fresh.put(pageId, page);
            if (page == null) {
                return false;
            }
            PartitionMap.Location loc = PartitionMap.location(now, pi, page, u.lo());
            boolean same = loc.partition().equals(u.partition()) && ByteKeys.compare(loc.lo(), u.lo()) == 0;
            if (!same && Zk.await(d, ctx.zk.statAsync(h, ctx.layout.partition(bucket, u.partition()))) != null) {
                return false;
            }
            if (same && loc.hi() != null && (u.hi() == null || ByteKeys.compare(loc.hi(), u.hi()) < 0)) {
                return false;
            }
        }
        return true;
    }

    private List<Entry> partition(String id) throws KeeperException, InterruptedException {
        List<Entry> entries = partitions.get(id);
        if (entries == null) {
            entries = read(ctx, d, h, bucket, id, nodes);
            if (entries == null) {
                entries = List.of();
            }
            partitions.put(id, entries);
        }
        return entries;
    }

    /**
     * A partition's keys, sorted; null when the partition node is gone. Truncated names are resolved
     * by reading their key nodes (kept in {@code sink}); names of keys deleted meanwhile are dropped.
     */
    static List<Entry> read(Context ctx, Deadline d, ZooKeeper h, String bucket, String partitionId,
            Map<String, Zk.Node> sink) throws KeeperException, InterruptedException {
        List<String> names = Zk.await(d, ctx.zk.childrenAsync(h, ctx.layout.partition(bucket, partitionId)));
        if (names == null) {
            return null;
        }
        List<Entry> out = new ArrayList<>(names.size());
        Map<String, CompletableFuture<Zk.Node>> truncated = new LinkedHashMap<>();
        for (String name : names) {
            KeyNames.Decoded dec = KeyNames.decode(name);
            if (dec.truncated()) {
                truncated.put(name, ctx.zk.getAsync(h, ctx.layout.object(bucket, name)));
            } else {
                out.add(new Entry(dec.bytes(), name));
            }
        }
        for (Map.Entry<String, CompletableFuture<Zk.Node>> e : truncated.entrySet()) {
            Zk.Node n = Zk.await(d, e.getValue());
            if (n != null) {
                sink.put(e.getKey(), n);
                String key = Stored.key(n.data()).current().key();
                out.add(new Entry(KeyNames.utf8(key), e.getKey()));
            }
        }
        out.sort((a, b) -> ByteKeys.compare(a.key(), b.key()));
        return out;
    }

    private static List<Entry> inRange(List<Entry> entries, byte[] lo, byte[] hi) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (ByteKeys.compare(e.key(), lo) >= 0 && (hi == null || ByteKeys.compare(e.key(), hi) < 0)) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<Entry> dedupe(List<Entry> sorted) {
        List<Entry> out = new ArrayList<>(sorted.size());
        for (Entry e : sorted) {
            if (out.isEmpty() || ByteKeys.compare(out.get(out.size() - 1).key(), e.key()) != 0) {
                out.add(e);
            }
        }
        return out;
    }
}
