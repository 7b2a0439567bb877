package io.imagegate.meta;

import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.ACL;

/** What every part of the store shares: ZooKeeper access, paths, settings and the partition map cache. */
final class Context {

    final Zk zk;
    final Layout layout;
    final ZkStoreConfig config;
    final PartitionMap maps;
    final Keys keys;
    /** The ACL of every znode this store creates: see {@link ZkAuth}. */
    final List<ACL> acl;

    Context(Zk zk, ZkStoreConfig config, String absoluteRoot) {
        this.zk = zk;
        this.config = config;
        this.acl = ZkAuth.acl(config.auth());
        this.layout = new Layout(absoluteRoot);
        this.maps = new PartitionMap(zk, layout);
        this.keys = new Keys(zk, layout);
    }

    /** The operation that creates a persistent znode, with this store's ACL. */
    Op create(String path, byte[] data) {
        return Op.create(path, data, acl, CreateMode.PERSISTENT);
    }

    Deadline deadline() {
        return Deadline.after(config.operationTimeout());
    }

    /** Brings this session up to date with the leader, so the reads that follow see every committed write. */
    void syncForRead(Deadline d) {
        if (config.syncReads()) {
            zk.sync(d, layout.root);
        }
    }

    /**
     * The same sync, whatever {@code syncReads} says: for the reads the collector's safety rests on
     * (pins, live roots, a lease's check that its source is still live), which must see every write
     * committed before they began. {@code syncReads} trades read freshness for speed; it must not
     * trade away collected data.
     */
    void syncAlways(Deadline d) {
        zk.sync(d, layout.root);
    }

    /**
     * A bucket's record with its znode version, creation zxid ({@code incarnation}: what read caches
     * key on) and {@code incarnationId}, the token named by its child {@code ~<incarnationId>} that
     * writes check (see {@link Layout#bucketIncarnation}).
     */
    record BucketNode(BucketRecord record, int version, long incarnation, String incarnationId, byte[] raw) {

        static BucketNode of(Zk.Node n) {
            Stored.BucketDoc doc = Stored.bucket(n.data());
            return new BucketNode(doc.record(), n.stat().getVersion(), n.stat().getCzxid(), doc.incarnation(), n.data());
        }
    }

    /** The bucket's node; NoSuchBucket when it does not exist. */
    BucketNode bucket(Deadline d, String name) {
        Zk.Node n = zk.get(d, layout.bucket(name));
        if (n == null) {
            throw new MetadataException.NoSuchBucket(name);
        }
        return BucketNode.of(n);
    }
}
