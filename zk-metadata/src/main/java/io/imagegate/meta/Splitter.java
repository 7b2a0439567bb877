package io.imagegate.meta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition split protocol, and the page split and empty-partition merge that keep the map
 * small. Every step is one multi guarded by the page's (or root's) znode version, so any number of
 * stores may run or resume the same split at once: a step that lost a race fails and re-reads.
 *
 * <ol>
 *   <li>Plan: the page gains partition Q starting at separator s and a {@code move} record
 *       (P to Q at s), and Q's node is created, in one multi. From then on writers put new keys
 *       at or above s into Q, and every key-creating multi made against the old page fails its
 *       {@code check}.</li>
 *   <li>Move: index entries at or above s go from P to Q in multis of bounded size (delete from P,
 *       create in Q). Key nodes never move, so GET and writes to existing keys are unaffected.</li>
 *   <li>Finish: when P has no entry at or above s, the {@code move} record is removed.</li>
 * </ol>
 */
final class Splitter {

    private static final Logger log = LoggerFactory.getLogger(Splitter.class);
    private static final int MOVE_BATCH = 400;
    private static final int MOVE_BATCH_BYTES = 128 * 1024;

    private final Context ctx;

    Splitter(Context ctx) {
        this.ctx = ctx;
    }

    /** Splits the partition when it holds at least the threshold of keys (first finishing any move). */
    void split(Deadline d, String bucket, long incarnation, String partitionId) {
        for (int attempt = 0; attempt < 10 && !d.expired(); attempt++) {
            PartitionMap.Root root = ctx.maps.root(d, bucket, incarnation, true);
            PartitionMap.Page page = pageHolding(d, bucket, incarnation, root, partitionId);
            if (page == null) {
                return;
            }
            if (page.move() != null) {
                finishMove(d, bucket, incarnation, page);
                continue;
            }
            if (page.partitions().size() >= ctx.config.pageMaxPartitions()) {
                splitPage(d, bucket, root, page);
                continue;
            }
            if (planSplit(d, bucket, incarnation, root, page, partitionId)) {
                return;
            }
        }
    }

    /** Finishes whatever move the page records. */
    void finishMove(Deadline d, String bucket, long incarnation, PartitionMap.Page page) {
        PartitionMap.Page p = page;
        while (p != null && p.move() != null && !d.expired()) {
            PartitionMap.Move move = p.move();
            List<KeyView.Entry> stray = strays(d, bucket, move);
            if (stray.isEmpty()) {
                ctx.zk.multi(d, List.of(Op.setData(ctx.layout.page(bucket, p.id()),
                        Json.write(PartitionMap.data(p.partitions(), null)), p.version())));
            } else {
                moveEntries(d, bucket, move, stray);
            }
            p = ctx.maps.page(d, bucket, incarnation, p.id(), true);
        }
        ctx.maps.invalidate(bucket);
    }

    /** Removes an empty partition (never the first of its page) from its page. */
    void mergeIfEmpty(Deadline d, String bucket, long incarnation, String partitionId) {
        var stat = ctx.zk.stat(d, ctx.layout.partition(bucket, partitionId));
        if (stat == null || stat.getNumChildren() > 0) {
            return;
        }
        PartitionMap.Root root = ctx.maps.root(d, bucket, incarnation, true);
        PartitionMap.Page page = pageHolding(d, bucket, incarnation, root, partitionId);
        if (page == null || page.move() != null) {
            return;
        }
        int i = page.indexOf(partitionId);
        if (i <= 0) {
            return;
        }
        List<PartitionMap.Bound> parts = new ArrayList<>(page.partitions());
        parts.remove(i);
        Zk.Outcome o = ctx.zk.multi(d, List.of(
                Op.setData(ctx.layout.page(bucket, page.id()), Json.write(PartitionMap.data(parts, null)),
                        page.version()),
                Op.delete(ctx.layout.partition(bucket, partitionId), -1)));
        if (o instanceof Zk.Outcome.Committed) {
            log.debug("partition merged bucket={} partition={}", bucket, partitionId);
        }
        ctx.maps.invalidate(bucket);
    }

    private PartitionMap.Page pageHolding(Deadline d, String bucket, long incarnation, PartitionMap.Root root,
            String partitionId) {
        for (PartitionMap.Bound b : root.pages()) {
            PartitionMap.Page page = ctx.maps.page(d, bucket, incarnation, b.id(), true);
            if (page != null && page.indexOf(partitionId) >= 0) {
                return page;
            }
        }
        return null;
    }

    // Step 1. True when there is nothing (more) to do for this partition.
    private boolean planSplit(Deadline d, String bucket, long incarnation, PartitionMap.Root root,
            PartitionMap.Page page, String partitionId) {
        PartitionMap.Location range = rangeOf(root, page, partitionId);
        List<KeyView.Entry> all = ctx.zk.read(d, h -> KeyView.read(ctx, d, h, bucket, partitionId, new HashMap<>()));
        List<KeyView.Entry> keys = new ArrayList<>();
        for (KeyView.Entry e : all == null ? List.<KeyView.Entry>of() : all) {
            if (ByteKeys.compare(e.key(), range.lo()) >= 0
                    && (range.hi() == null || ByteKeys.compare(e.key(), range.hi()) < 0)) {
                keys.add(e);
            }
        }
        if (keys.size() < ctx.config.partitionSplitThreshold()) {
            return true;
        }
        int mid = keys.size() / 2;
        byte[] at = ByteKeys.separator(keys.get(mid - 1).key(), keys.get(mid).key());
        String to = Tokens.nodeId();
        List<PartitionMap.Bound> parts = new ArrayList<>(page.partitions());
        parts.add(page.indexOf(partitionId) + 1, new PartitionMap.Bound(at, to));
        PartitionMap.Move move = new PartitionMap.Move(partitionId, to, at, System.currentTimeMillis());
        Zk.Outcome o = ctx.zk.multi(d, List.of(
                Op.setData(ctx.layout.page(bucket, page.id()), Json.write(PartitionMap.data(parts, move)),
                        page.version()),
                Op.create(ctx.layout.partition(bucket, to), new byte[0], ctx.acl,
                        CreateMode.PERSISTENT)));
        ctx.maps.invalidate(bucket);
        if (o instanceof Zk.Outcome.Committed) {
            log.debug("partition split bucket={} from={} to={} keys={}", bucket, partitionId, to, keys.size());
            finishMove(d, bucket, incarnation, ctx.maps.page(d, bucket, incarnation, page.id(), true));
            return true;
        }
        return false;
    }

    private static PartitionMap.Location rangeOf(PartitionMap.Root root, PartitionMap.Page page, String id) {
        byte[] lo = page.partitions().get(page.indexOf(id)).lo();
        return PartitionMap.location(root, PartitionMap.floor(root.pages(), lo), page, lo);
    }

    private List<KeyView.Entry> strays(Deadline d, String bucket, PartitionMap.Move move) {
        List<KeyView.Entry> all = ctx.zk.read(d, h -> KeyView.read(ctx, d, h, bucket, move.from(), new HashMap<>()));
        List<KeyView.Entry> out = new ArrayList<>();
        for (KeyView.Entry e : all == null ? List.<KeyView.Entry>of() : all) {
            if (ByteKeys.compare(e.key(), move.at()) >= 0) {
                out.add(e);
            }
        }
        return out;
    }

    // Step 2: bounded multis. A batch that meets a concurrent delete fails whole; its entries then
    // move one by one, so one odd entry cannot stall the split.
    private void moveEntries(Deadline d, String bucket, PartitionMap.Move move, List<KeyView.Entry> entries) {
        List<KeyView.Entry> batch = new ArrayList<>();
        int bytes = 0;
        for (KeyView.Entry e : entries) {
            batch.add(e);
            bytes += 2 * (ctx.layout.partition(bucket, move.to()).length() + e.name().length()) + 64;
            if (batch.size() >= MOVE_BATCH || bytes >= MOVE_BATCH_BYTES) {
                moveBatch(d, bucket, move, batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
        }
        if (!batch.isEmpty()) {
            moveBatch(d, bucket, move, batch);
        }
    }

    private void moveBatch(Deadline d, String bucket, PartitionMap.Move move, List<KeyView.Entry> batch) {
        List<Op> ops = new ArrayList<>();
        for (KeyView.Entry e : batch) {
            ops.addAll(moveOps(bucket, move, e));
        }
        if (ctx.zk.multi(d, ops) instanceof Zk.Outcome.Committed || batch.size() == 1) {
            return;
        }
        for (KeyView.Entry e : batch) {
            Zk.Outcome o = ctx.zk.multi(d, moveOps(bucket, move, e));
            if (o instanceof Zk.Outcome.Failed f && f.index() == 1 && f.code() == KeeperException.Code.NODEEXISTS) {
                // Already indexed in the new partition: only the old entry remains to go.
                ctx.zk.multi(d, List.of(Op.delete(ctx.layout.indexEntry(bucket, move.from(), e.name()), -1)));
            }
        }
    }

    private List<Op> moveOps(String bucket, PartitionMap.Move move, KeyView.Entry e) {
        return List.of(Op.delete(ctx.layout.indexEntry(bucket, move.from(), e.name()), -1),
                Op.create(ctx.layout.indexEntry(bucket, move.to(), e.name()), new byte[0],
                        ctx.acl, CreateMode.PERSISTENT));
    }

    // Halves a page that lists too many partitions; partitions stay where they are.
    private void splitPage(Deadline d, String bucket, PartitionMap.Root root, PartitionMap.Page page) {
        List<PartitionMap.Bound> parts = page.partitions();
        int half = parts.size() / 2;
        String newPage = Tokens.nodeId();
        List<PartitionMap.Bound> pages = new ArrayList<>(root.pages());
        int at = -1;
        for (int i = 0; i < pages.size(); i++) {
            if (pages.get(i).id().equals(page.id())) {
                at = i;
            }
        }
        pages.add(at + 1, new PartitionMap.Bound(parts.get(half).lo(), newPage));
        Zk.Outcome o = ctx.zk.multi(d, List.of(
                Op.setData(ctx.layout.mapRoot(bucket), Json.write(PartitionMap.rootData(pages)), root.version()),
                Op.setData(ctx.layout.page(bucket, page.id()),
                        Json.write(PartitionMap.data(parts.subList(0, half), null)), page.version()),
                Op.create(ctx.layout.page(bucket, newPage),
                        Json.write(PartitionMap.data(parts.subList(half, parts.size()), null)),
                        ctx.acl, CreateMode.PERSISTENT)));
        if (o instanceof Zk.Outcome.Committed) {
            log.debug("page split bucket={} page={} new={}", bucket, page.id(), newPage);
        }
        ctx.maps.invalidate(bucket);
    }
}
