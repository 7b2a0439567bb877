package io.imagegate.meta;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link MetadataStore#visitLiveRoots}: every version of every key (through the partition index,
 * never listing {@code obj}), and every part of every upload in progress, read in batches and
 * reported as read. The guarantee the garbage collector needs: a version or part that exists for
 * the whole walk is reported. Hence:
 * <ul>
 *   <li>partitions are walked until a fresh read of the map names none not yet walked, sources of
 *       a split before its target (index entries only move from a split's source to its target);
 *   <li>a key with history is read as a snapshot: key record, history, then the key record's
 *       version again; a change in between (every change to a key's versions is a compare-and-set
 *       of that record) reads it again;
 *   <li>an upload's record is read (active) before its parts.
 * </ul>
 */
final class LiveRootWalk {

    /** Fresh map reads before giving up on a bucket whose partitions keep splitting. */
    private static final int MAX_PASSES = 100;
    /** Reads of one key before giving up on a key that keeps changing. */
    private static final int MAX_KEY_READS = 100;

    private final Context ctx;

    LiveRootWalk(Context ctx) {
        this.ctx = ctx;
    }

    void run(String onlyBucket, LiveRoot.Visitor visitor) {
        ctx.syncAlways(ctx.deadline());
        List<String> buckets;
        if (onlyBucket != null) {
            buckets = List.of(onlyBucket);
        } else {
            List<String> names = ctx.zk.children(ctx.deadline(), ctx.layout.buckets());
            buckets = names == null ? List.of() : names.stream().map(KeyNames::unescape).sorted().toList();
        }
        for (String bucket : buckets) {
            try {
                bucket(bucket, visitor);
            } catch (MetadataException.NoSuchBucket e) {
                if (onlyBucket != null) {
                    throw e;
                }
                // deleted meanwhile: it was empty, and its uploads were discarded with it
            }
        }
    }

    private void bucket(String bucket, LiveRoot.Visitor visitor) {
        long incarnation = ctx.bucket(ctx.deadline(), bucket).incarnation();
        Set<String> done = new HashSet<>();
        for (int pass = 0; ; pass++) {
            if (pass == MAX_PASSES) {
                throw new MetadataException.Unavailable("the partitions of bucket " + bucket
                        + " kept changing while its versions were read", null);
            }
            List<String> partitions = partitions(bucket, incarnation);
            if (partitions == null) {
                continue; // a page vanished under a page split: read the map again
            }
            List<String> todo = partitions.stream().filter(p -> !done.contains(p)).toList();
            if (todo.isEmpty()) {
                break;
            }
            for (String partition : todo) {
                partition(bucket, partition, visitor);
                done.add(partition);
            }
        }
        uploads(bucket, visitor);
    }

    /**
     * Every partition of the bucket in key order, with the source of a split in progress before its
     * target; null when a page the root names is gone (a page split under way).
     */
    private List<String> partitions(String bucket, long incarnation) {
        PartitionMap.Root root = ctx.maps.root(ctx.deadline(), bucket, incarnation, true);
        List<String> out = new ArrayList<>();
        for (PartitionMap.Bound b : root.pages()) {
            PartitionMap.Page page = ctx.maps.page(ctx.deadline(), bucket, incarnation, b.id(), true);
            if (page == null) {
                return null;
            }
            List<String> ids = new ArrayList<>(page.partitions().stream().map(PartitionMap.Bound::id).toList());
            PartitionMap.Move move = page.move();
            if (move != null && ids.contains(move.from()) && ids.contains(move.to())
                    && ids.indexOf(move.to()) < ids.indexOf(move.from())) {
                ids.remove(move.to());
                ids.add(ids.indexOf(move.from()) + 1, move.to());
            }
            out.addAll(ids);
        }
        return out;
    }

    private void partition(String bucket, String partition, LiveRoot.Visitor visitor) {
        List<String> names = ctx.zk.children(ctx.deadline(), ctx.layout.partition(bucket, partition));
        if (names == null) {
            return; // merged away: it was empty
        }
        for (int i = 0; i < names.size(); i += Zk.READ_BATCH) {
            List<String> batch = names.subList(i, Math.min(names.size(), i + Zk.READ_BATCH));
            List<String> paths = batch.stream().map(n -> ctx.layout.object(bucket, n)).toList();
            Deadline d = ctx.deadline();
            List<Zk.Node> nodes = ctx.zk.read(d, zk -> Zk.await(d, ctx.zk.getManyAsync(zk, paths)));
            for (int k = 0; k < nodes.size(); k++) {
                Keys.KeyNode key = Keys.parse(nodes.get(k));
                if (key != null) {
                    key(bucket, batch.get(k), key, visitor);
                }
            }
        }
    }

    /** Reports the key's versions as one consistent snapshot. */
    private void key(String bucket, String name, Keys.KeyNode first, LiveRoot.Visitor visitor) {
        Keys.KeyNode node = first;
        for (int attempt = 0; attempt < MAX_KEY_READS; attempt++) {
            if (node == null) {
                return; // deleted meanwhile
            }
            List<VersionRecord> versions = new ArrayList<>();
            versions.add(node.state().current());
            if (node.groups() > 0) {
                history(bucket, name, versions);
                Zk.Node now = ctx.zk.get(ctx.deadline(), ctx.layout.object(bucket, name));
                if (now == null || now.stat().getVersion() != node.version() || now.stat().getCzxid() != node.czxid()) {
                    node = Keys.parse(now);
                    continue;
                }
            }
            for (VersionRecord v : versions) {
                if (!v.deleteMarker() && v.manifest() != null) {
                    visitor.visit(new LiveRoot(bucket, v.key(), v.versionId(), null, 0, v.manifest(), v.size()));
                }
            }
            return;
        }
        throw new MetadataException.Unavailable("key " + name + " in bucket " + bucket
                + " kept changing while its versions were read", null);
    }

    private void history(String bucket, String name, List<VersionRecord> out) {
        List<String> groups = ctx.zk.children(ctx.deadline(), ctx.layout.object(bucket, name));
        for (String group : groups == null ? List.<String>of() : groups) {
            if (!Layout.isGroup(group)) {
                continue; // the key's incarnation
            }
            String groupPath = ctx.layout.object(bucket, name) + "/" + group;
            List<String> ordinals = ctx.zk.children(ctx.deadline(), groupPath);
            if (ordinals == null) {
                continue;
            }
            List<String> paths = ordinals.stream().map(o -> groupPath + "/" + o).toList();
            Deadline d = ctx.deadline();
            for (Zk.Node n : ctx.zk.read(d, zk -> Zk.await(d, ctx.zk.getManyAsync(zk, paths)))) {
                if (n != null) {
                    out.add(Stored.version(n.data()));
                }
            }
        }
    }

    /** Parts of uploads in progress: the upload record is read first, then its parts. */
    private void uploads(String bucket, LiveRoot.Visitor visitor) {
        List<String> ids = ctx.zk.children(ctx.deadline(), ctx.layout.uploads(bucket));
        if (ids == null) {
            return;
        }
        for (int i = 0; i < ids.size(); i += Zk.READ_BATCH) {
            List<String> batch = ids.subList(i, Math.min(ids.size(), i + Zk.READ_BATCH));
            List<String> paths = batch.stream().map(id -> ctx.layout.upload(bucket, id)).toList();
            Deadline d = ctx.deadline();
            List<Zk.Node> nodes = ctx.zk.read(d, zk -> Zk.await(d, ctx.zk.getManyAsync(zk, paths)));
            for (Zk.Node n : nodes) {
                if (n == null) {
                    continue;
                }
                StoredUpload upload = Stored.upload(n.data());
                if (upload.active()) {
                    parts(bucket, upload.upload(), visitor);
                }
            }
        }
    }

    private void parts(String bucket, UploadRecord upload, LiveRoot.Visitor visitor) {
        String dir = ctx.layout.parts(upload.uploadId());
        List<String> numbers = ctx.zk.children(ctx.deadline(), dir);
        if (numbers == null) {
            return;
        }
        for (int i = 0; i < numbers.size(); i += Zk.READ_BATCH) {
            List<String> paths = numbers.subList(i, Math.min(numbers.size(), i + Zk.READ_BATCH)).stream()
                    .map(p -> dir + "/" + p).toList();
            Deadline d = ctx.deadline();
            for (Zk.Node n : ctx.zk.read(d, zk -> Zk.await(d, ctx.zk.getManyAsync(zk, paths)))) {
                if (n != null) {
                    PartRecord p = Stored.part(n.data());
                    if (p.manifest() != null) {
                        visitor.visit(new LiveRoot(bucket, upload.key(), null, upload.uploadId(), p.partNumber(),
                                p.manifest(), p.size()));
                    }
                }
            }
        }
    }
}
