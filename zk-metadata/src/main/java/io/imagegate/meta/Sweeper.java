package io.imagegate.meta;

import java.util.List;

/** The periodic housekeeping behind {@link ZkMetadataStore#sweep()}. */
final class Sweeper {

    private final Context ctx;
    private final Multipart multipart;
    private final Maintenance maintenance;

    Sweeper(Context ctx, Multipart multipart, Maintenance maintenance) {
        this.ctx = ctx;
        this.multipart = multipart;
        this.maintenance = maintenance;
    }

    void run(Deadline d) {
        for (String escaped : orEmpty(ctx.zk.children(d, ctx.layout.buckets()))) {
            String bucket = KeyNames.unescape(escaped);
            try {
                multipart.sweep(d, bucket, ctx.config.completedUploadRetention());
                finishStalledSplits(d, bucket);
            } catch (MetadataException.NoSuchBucket e) {
                // deleted meanwhile
            }
        }
        removeOrphanedParts(d);
    }

    private void finishStalledSplits(Deadline d, String bucket) {
        long incarnation = ctx.bucket(d, bucket).incarnation();
        long stall = ctx.config.splitStallTimeout().toMillis();
        for (PartitionMap.Bound b : ctx.maps.root(d, bucket, incarnation, true).pages()) {
            PartitionMap.Page page = ctx.maps.page(d, bucket, incarnation, b.id(), true);
            if (page != null && page.move() != null && System.currentTimeMillis() - page.move().since() > stall) {
                maintenance.splitter().finishMove(d, bucket, incarnation, page);
            }
        }
    }

    // Parts whose upload is gone or completed: left behind by a process that died before removing them.
    private void removeOrphanedParts(Deadline d) {
        for (char shard : Layout.SHARDS.toCharArray()) {
            for (String uploadId : orEmpty(ctx.zk.children(d, ctx.layout.partsShard(shard)))) {
                removeIfOrphaned(d, uploadId);
            }
        }
    }

    private void removeIfOrphaned(Deadline d, String uploadId) {
        Zk.Node dir = ctx.zk.get(d, ctx.layout.parts(uploadId));
        if (dir == null) {
            return;
        }
        String bucket = Stored.partsDir(dir.data());
        Zk.Node upload = bucket == null ? null : ctx.zk.get(d, ctx.layout.upload(bucket, uploadId));
        if (upload == null || !Stored.upload(upload.data()).active()) {
            maintenance.deleteParts(d, uploadId);
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
