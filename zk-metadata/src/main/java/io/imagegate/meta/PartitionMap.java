package io.imagegate.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bucket's key-range partitioning as this store last saw it. The {@code map} znode lists pages,
 * each page znode lists partitions by lower bound. Both are cached by znode version: writers prove
 * their copy current with {@code check} ops in their multi, readers by re-reading the versions after
 * they listed (see {@link KeyView}), so a stale cache costs a retry, never a wrong answer.
 */
final class PartitionMap {

    /** A lower bound and the page or partition that starts there. */
    record Bound(byte[] lo, String id) {}

    /** Data of the {@code map} znode at one version. */
    record Root(List<Bound> pages, int version, byte[] raw) {}

    /** A split in progress: keys at or above {@code at} move from partition {@code from} to {@code to}. */
    record Move(String from, String to, byte[] at, long since) {}

    /** Data of one page znode at one version. */
    record Page(String id, List<Bound> partitions, Move move, int version, byte[] raw) {

        int indexOf(String partitionId) {
            for (int i = 0; i < partitions.size(); i++) {
                if (partitions.get(i).id().equals(partitionId)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** The partition a key belongs to, with the versions that prove it. {@code hi} is null for the last. */
    record Location(Root root, Page page, int index, byte[] lo, byte[] hi) {

        String partition() {
            return page.partitions().get(index).id();
        }

        /** The partition still holding not yet moved keys of this range, or null. */
        String movingFrom() {
            Move m = page.move();
            return m != null && m.to().equals(partition()) ? m.from() : null;
        }
    }

    private record Cached(long incarnation, Root root, Map<String, Page> pages) {}

    private final Zk zk;
    private final Layout layout;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    PartitionMap(Zk zk, Layout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /** The root map, from cache unless {@code fresh}; NoSuchBucket when the bucket is gone. */
    Root root(Deadline d, String bucket, long incarnation, boolean fresh) {
        Cached c = cache.get(bucket);
        if (!fresh && c != null && c.incarnation() == incarnation && c.root() != null) {
            return c.root();
        }
        Zk.Node n = zk.get(d, layout.mapRoot(bucket));
        if (n == null) {
            throw new MetadataException.NoSuchBucket(bucket);
        }
        Root root = parseRoot(n);
        cache.compute(bucket, (b, old) -> old == null || old.incarnation() != incarnation
                ? new Cached(incarnation, root, new ConcurrentHashMap<>())
                : new Cached(incarnation, newer(old.root(), root), old.pages()));
        return root;
    }

    /** A page, from cache unless {@code fresh}; null when the node is gone (the bucket was deleted). */
    Page page(Deadline d, String bucket, long incarnation, String pageId, boolean fresh) {
        Cached c = cache.get(bucket);
        if (!fresh && c != null && c.incarnation() == incarnation) {
            Page p = c.pages().get(pageId);
            if (p != null) {
                return p;
            }
        }
        Zk.Node n = zk.get(d, layout.page(bucket, pageId));
        if (n == null) {
            return null;
        }
        Page page = parsePage(pageId, n);
        Cached now = cache.get(bucket);
        if (now != null && now.incarnation() == incarnation) {
            now.pages().merge(pageId, page, (a, b) -> a.version() >= b.version() ? a : b);
        }
        return page;
    }

    /** Where {@code key} belongs. */
    Location locate(Deadline d, String bucket, long incarnation, byte[] key, boolean fresh) {
        for (int attempt = 0; ; attempt++) {
            boolean f = fresh || attempt > 0;
            Root root = root(d, bucket, incarnation, f);
            int pi = floor(root.pages(), key);
            Page page = page(d, bucket, incarnation, root.pages().get(pi).id(), f);
            if (page != null) {
                return location(root, pi, page, key);
            }
            if (attempt > 1) {
                throw new MetadataException.NoSuchBucket(bucket);
            }
        }
    }

    static Location location(Root root, int pageIndex, Page page, byte[] key) {
        List<Bound> parts = page.partitions();
        int i = floor(parts, key);
        byte[] hi = i + 1 < parts.size() ? parts.get(i + 1).lo()
                : pageIndex + 1 < root.pages().size() ? root.pages().get(pageIndex + 1).lo() : null;
        return new Location(root, page, i, parts.get(i).lo(), hi);
    }

    void invalidate(String bucket) {
        cache.remove(bucket);
    }

    /** Index of the last bound whose lower bound is at most {@code key} (bounds start at ""). */
    static int floor(List<Bound> bounds, byte[] key) {
        int lo = 0;
        int hi = bounds.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (ByteKeys.compare(bounds.get(mid).lo(), key) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    static Root parseRoot(Zk.Node n) {
        MapData.Root data = Json.read(n.data(), MapData.Root.class);
        return new Root(bounds(data.pages()), n.stat().getVersion(), n.data());
    }

    static Page parsePage(String id, Zk.Node n) {
        MapData.Page data = Json.read(n.data(), MapData.Page.class);
        MapData.Move m = data.move();
        Move move = m == null ? null : new Move(m.from(), m.to(), KeyNames.utf8(m.at()), m.since());
        return new Page(id, bounds(data.partitions()), move, n.stat().getVersion(), n.data());
    }

    static MapData.Page data(List<Bound> partitions, Move move) {
        MapData.Move m = move == null ? null
                : new MapData.Move(move.from(), move.to(), ByteKeys.text(move.at()), move.since());
        return new MapData.Page(texts(partitions), m);
    }

    static MapData.Root rootData(List<Bound> pages) {
        return new MapData.Root(1, texts(pages));
    }

    private static List<Bound> bounds(List<MapData.Bound> in) {
        List<Bound> out = new ArrayList<>(in.size());
        for (MapData.Bound b : in) {
            out.add(new Bound(KeyNames.utf8(b.lo()), b.id()));
        }
        return List.copyOf(out);
    }

    private static List<MapData.Bound> texts(List<Bound> in) {
        List<MapData.Bound> out = new ArrayList<>(in.size());
        for (Bound b : in) {
            out.add(new MapData.Bound(ByteKeys.text(b.lo()), b.id()));
        }
        return out;
    }

    private static Root newer(Root a, Root b) {
        return a == null || b.version() >= a.version() ? b : a;
    }
}
