package io.imagegate.meta;

import java.util.Locale;
import java.util.Optional;

/**
 * The canned ACLs of S3 that imagegate supports, on buckets and on objects. The object's owner
 * (its uploader) always has full control; {@code BUCKET_OWNER_READ} and
 * {@code BUCKET_OWNER_FULL_CONTROL} grant the bucket's owner read, or full control, of an object
 * someone else wrote, and are ignored on buckets (stored there as {@code PRIVATE}), as in S3.
 */
public enum CannedAcl {
    PRIVATE, PUBLIC_READ, PUBLIC_READ_WRITE, AUTHENTICATED_READ, BUCKET_OWNER_READ, BUCKET_OWNER_FULL_CONTROL;

    /** What this ACL means on a bucket: the bucket-owner ACLs are S3's "ignored" there. */
    public CannedAcl forBucket() {
        return this == BUCKET_OWNER_READ || this == BUCKET_OWNER_FULL_CONTROL ? PRIVATE : this;
    }

    /** The header form: {@code private}, {@code public-read}, ... */
    public String headerValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<CannedAcl> fromHeader(String value) {
        for (CannedAcl acl : values()) {
            if (acl.headerValue().equals(value)) {
                return Optional.of(acl);
            }
        }
        return Optional.empty();
    }
}
