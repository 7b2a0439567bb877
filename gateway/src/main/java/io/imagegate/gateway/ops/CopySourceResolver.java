package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request.CopySource;
import io.imagegate.gateway.http.Call;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.VersionRecord;

/** Finds and checks the version {@code x-amz-copy-source} names, for CopyObject and UploadPartCopy. */
final class CopySourceResolver {

    record Source(BucketRecord bucket, VersionRecord version) {}

    private final Stores stores;

    CopySourceResolver(Stores stores) {
        this.stores = stores;
    }

    /**
     * The source version, which the caller must be allowed to read: one who may not gets 403
     * whether or not it exists ({@link AccessControl#requireRead}).
     */
    Source resolve(Call call, CopySource source) {
        BucketRecord bucket = stores.meta().bucket(source.bucket()).orElseThrow(() -> Errors.noSuchBucket(source.bucket()));
        AccessControl.checkExpectedOwner(call.header("x-amz-source-expected-bucket-owner"), bucket);
        VersionRecord v = AccessControl.requireRead(call, bucket, source.key(), source.versionId(),
                () -> find(bucket, source));
        if (v.deleteMarker()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "The source of a copy request may not specifically refer to a delete marker by version id.");
        }
        Conditionals.checkCopySource(call::header, v);
        return new Source(bucket, v);
    }

    private VersionRecord find(BucketRecord bucket, CopySource source) {
        if (source.versionId() == null) {
            return stores.meta().current(bucket.name(), source.key())
                    .filter(c -> !c.deleteMarker())
                    .orElseThrow(() -> Errors.noSuchKey(source.key()));
        }
        return Versions.byId(stores.meta(), bucket, source.key(), source.versionId());
    }
}
