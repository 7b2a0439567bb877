package io.imagegate.gateway.ops;

import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.lifecycle.Expiry;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.VersionRecord;
import java.util.Optional;

/**
 * {@code x-amz-expiration}, which S3 sends on GET, HEAD, PUT, CopyObject and CompleteMultipartUpload
 * when an Expiration rule (Days or Date) of the bucket's lifecycle will expire the current version:
 * {@code expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="..."}, the earliest rule's.
 */
final class ExpirationHeader {

    private ExpirationHeader() {}

    static void write(Call call, Stores stores, BucketRecord bucket, VersionRecord current) {
        if (current == null || current.deleteMarker()) {
            return;
        }
        Optional<LifecycleConfiguration> config;
        try {
            config = stores.meta().lifecycle(bucket.name()); // cached for a second, absence included
        } catch (MetadataException e) {
            return; // advisory: the object's answer does not depend on it
        }
        config.flatMap(c -> Expiry.first(c, current))
                .ifPresent(s -> call.respondHeader("x-amz-expiration", s.header()));
    }
}
