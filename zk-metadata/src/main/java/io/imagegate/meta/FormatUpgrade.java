package io.imagegate.meta;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades metadata of format 1 to format 2 when a store starts on it: every bucket record and key
 * record gets its incarnation (a token in the record, and the child {@code ~<token>} created in the
 * same multi). It runs before the store serves anything, under a lock, with the root marked
 * {@code "upgrading":true} at format 2, so stores of format 1 refuse to start from its first step
 * on, and stores of format 2 wait for it (or take over from one that died). No write runs meanwhile:
 * every key it reads stays as read until it is upgraded. See docs/FORMAT-zookeeper.md, "Upgrading
 * from format 1".
 */
final class FormatUpgrade {

    static final int FORMAT = 2;

    private static final Logger log = LoggerFactory.getLogger(FormatUpgrade.class);
    /** Keys upgraded per multi, and the bytes of key records in one, far below ZooKeeper's 1 MB. */
    private static final int KEYS_PER_MULTI = 100;
    private static final int BYTES_PER_MULTI = 256 * 1024;

    private final Context ctx;
    private final CuratorFramework client;
    private long keys;

    FormatUpgrade(Context ctx, CuratorFramework client) {
        this.ctx = ctx;
        this.client = client;
    }

    /** The root's format and whether an upgrade is under way; format 0 for a root never written. */
    record RootState(int format, boolean upgrading, int version) {

        static RootState of(Zk.Node n) {
            if (n == null || n.data() == null || n.data().length == 0) {
                return new RootState(0, false, n == null ? -1 : n.stat().getVersion());
            }
            Stored.RootDoc root = Stored.root(n.data());
            return new RootState(root.format(), Boolean.TRUE.equals(root.upgrading()), n.stat().getVersion());
        }

        boolean current() {
            return format == FORMAT && !upgrading;
        }
    }

    /** Brings the root to format 2 (writing it on a new tree, upgrading an old one); refuses newer formats. */
    void ensure() {
        RootState s = read();
        refuseNewer(s);
        if (s.current()) {
            return;
        }
        if (s.format() == 0) {
            Zk.Outcome o = ctx.zk.multi(ctx.deadline(), List.of(Op.setData(ctx.layout.root,
                    Stored.root(FORMAT, false), s.version())));
            if (o instanceof Zk.Outcome.Committed) {
                return;
            }
            s = read(); // another store wrote it first
            refuseNewer(s);
            if (s.current()) {
                return;
            }
        }
        upgradeUnderLock();
    }

    private void upgradeUnderLock() {
        InterProcessMutex lock = new InterProcessMutex(client, ctx.layout.upgradeLock());
        try {
            while (!lock.acquire(10, TimeUnit.SECONDS)) {
                log.info("waiting for another process to finish upgrading the metadata to format {}", FORMAT);
            }
        } catch (Exception e) {
            throw new MetadataException.Unavailable("cannot take the metadata upgrade lock: " + e, e);
        }
        try {
            RootState s = read();
            refuseNewer(s);
            if (s.current()) {
                return;
            }
            log.warn("metadata at {} is of format {}: upgrading it to format {} (every key gets its incarnation)",
                    ctx.layout.root, s.format(), FORMAT);
            if (!s.upgrading()) {
                // from here on a store of format 1 refuses to start
                setRoot(true, s.version());
                s = read();
            }
            List<String> buckets = ctx.zk.children(longDeadline(), ctx.layout.buckets());
            for (String escaped : buckets == null ? List.<String>of() : buckets) {
                bucket(KeyNames.unescape(escaped));
            }
            setRoot(false, s.version());
            log.warn("metadata upgraded to format {}: {} buckets, {} keys given an incarnation", FORMAT,
                    buckets == null ? 0 : buckets.size(), keys);
        } finally {
            try {
                lock.release();
            } catch (Exception e) {
                log.debug("upgrade lock not released cleanly: {}", e.toString());
            }
        }
    }

    private void bucket(String bucket) {
        Deadline d = longDeadline();
        Zk.Node n = ctx.zk.get(d, ctx.layout.bucket(bucket));
        if (n == null) {
            return;
        }
        Context.BucketNode b = Context.BucketNode.of(n);
        if (b.incarnationId() == null) {
            String incarnation = Tokens.writeToken();
            String token = Stored.bucket(n.data()).token();
            must(ctx.zk.multi(d, List.of(
                    Op.setData(ctx.layout.bucket(bucket), Stored.bucket(b.record(), token == null ? incarnation
                            : token, incarnation), b.version()),
                    ctx.create(ctx.layout.bucketIncarnation(bucket, incarnation), new byte[0]))), "bucket " + bucket);
        }
        List<String> partitions = ctx.zk.children(d, ctx.layout.index(bucket));
        for (String partition : partitions == null ? List.<String>of() : partitions) {
            List<String> names = ctx.zk.children(d, ctx.layout.partition(bucket, partition));
            for (int i = 0; i < (names == null ? 0 : names.size()); i += KEYS_PER_MULTI) {
                keys(bucket, names.subList(i, Math.min(names.size(), i + KEYS_PER_MULTI)));
            }
        }
    }

    // One multi for a batch of keys: each record gains its incarnation, and the incarnation child is created.
    private void keys(String bucket, List<String> names) {
        Deadline d = longDeadline();
        List<String> paths = names.stream().map(name -> ctx.layout.object(bucket, name)).toList();
        List<Zk.Node> nodes = ctx.zk.read(d, h -> Zk.await(d, ctx.zk.getManyAsync(h, paths)));
        List<Op> ops = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Keys.KeyNode k = Keys.parse(nodes.get(i));
            if (k == null || k.state().incarnation() != null) {
                continue; // a dangling index entry, or upgraded already
            }
            KeyState s = k.state();
            String incarnation = Tokens.writeToken();
            byte[] data = Stored.key(new KeyState(s.current(), s.ordinal(), s.nextOrdinal(), s.born(), s.nullOrdinal(),
                    s.token(), incarnation));
            if (!ops.isEmpty() && bytes + data.length > BYTES_PER_MULTI) {
                must(ctx.zk.multi(d, ops), "keys of bucket " + bucket);
                ops = new ArrayList<>();
                bytes = 0;
            }
            ops.add(Op.setData(paths.get(i), data, k.version()));
            ops.add(ctx.create(ctx.layout.keyIncarnation(bucket, names.get(i), incarnation), new byte[0]));
            bytes += data.length;
            keys++;
        }
        if (!ops.isEmpty()) {
            must(ctx.zk.multi(d, ops), "keys of bucket " + bucket);
        }
    }

    // Nothing else writes while the upgrade runs, so a multi that does not commit is an error: stop, and
    // let the next store that starts take over (every step is idempotent: upgraded records are skipped).
    private static void must(Zk.Outcome o, String what) {
        if (!(o instanceof Zk.Outcome.Committed)) {
            throw new MetadataException.Unavailable("upgrading the metadata to format " + FORMAT + " failed on "
                    + what + " (" + o + "): did a store of an older format still run? Start a store again to "
                    + "resume the upgrade", null);
        }
    }

    private void setRoot(boolean upgrading, int version) {
        must(ctx.zk.multi(ctx.deadline(), List.of(Op.setData(ctx.layout.root, Stored.root(FORMAT, upgrading),
                version))), "the root record");
    }

    private RootState read() {
        return RootState.of(ctx.zk.get(ctx.deadline(), ctx.layout.root));
    }

    private void refuseNewer(RootState s) {
        if (s.format() > FORMAT) {
            throw new IllegalStateException("metadata at " + ctx.layout.root + " is of format " + s.format()
                    + ", newer than this store's " + FORMAT + ": run a newer imagegate");
        }
    }

    private static Deadline longDeadline() {
        return Deadline.after(Duration.ofMinutes(10));
    }
}
