package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.lifecycle.LifecycleXml;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.LifecycleConfiguration;
import java.io.IOException;

/**
 * PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and DeleteBucketLifecycle
 * ({@code ?lifecycle}); the rules are applied by the gateways' lifecycle runs (lifecycle package).
 */
public final class BucketLifecycle {

    /** Bodies above this are refused before parsing; S3 sets no documented limit, ZooKeeper does. */
    private static final int MAX_BODY = 1024 * 1024;

    private final Stores stores;

    public BucketLifecycle(Stores stores) {
        this.stores = stores;
    }

    public void put(Call call, BucketRecord bucket) throws IOException {
        byte[] body = call.smallBody(MAX_BODY);
        RequiredIntegrity.check(call, body);
        LifecycleConfiguration config = LifecycleXml.parse(body);
        stores.meta().putLifecycle(bucket, config); // too large to store: RecordTooLarge, InvalidRequest
        call.respondHeader("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K");
        call.respond(200);
    }

    public void get(Call call, BucketRecord bucket) {
        LifecycleConfiguration config = stores.meta().lifecycle(bucket.name())
                .orElseThrow(() -> new S3Exception(S3ErrorCode.NO_SUCH_LIFECYCLE_CONFIGURATION)
                        .detail("BucketName", bucket.name()));
        call.respondHeader("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K");
        call.respondXml(200, LifecycleXml.write(config));
    }

    public void delete(Call call, BucketRecord bucket) {
        stores.meta().deleteLifecycle(bucket);
        call.respond(204);
    }
}
