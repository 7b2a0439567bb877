package io.imagegate.meta;

import java.util.Optional;

/**
 * Bucket CORS configurations ({@code buckets/<bucket>/cors}). A configuration is replaced or removed
 * as a whole, only in the incarnation of the bucket the request was authorized against
 * ({@link BucketSubresources}).
 */
final class CorsConfigs {

    /** Stored configurations above this are refused (ZooKeeper's limit on a znode is 1 MB). */
    static final int MAX_STORED_BYTES = 512 * 1024;

    private final Context ctx;
    private final BucketSubresources subresources;

    CorsConfigs(Context ctx) {
        this.ctx = ctx;
        this.subresources = new BucketSubresources(ctx);
    }

    Optional<CorsConfiguration> get(String bucket) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        ctx.bucket(d, bucket);
        Zk.Node n = ctx.zk.get(d, ctx.layout.cors(bucket));
        return n == null ? Optional.empty() : Optional.of(Stored.cors(n.data()).record());
    }

    void put(BucketRecord bucket, CorsConfiguration config) {
        String token = Tokens.writeToken();
        byte[] data = Stored.cors(config, token);
        if (data.length > MAX_STORED_BYTES) {
            throw new MetadataException.RecordTooLarge("CORS configuration", data.length, MAX_STORED_BYTES);
        }
        subresources.put(bucket, "CORS configuration", ctx.layout.cors(bucket.name()), data, token,
                stored -> Stored.cors(stored).token());
    }

    void delete(BucketRecord bucket) {
        subresources.delete(bucket, "CORS configuration", ctx.layout.cors(bucket.name()));
    }
}
