package io.imagegate.meta;

import java.util.Locale;
import java.util.Optional;

/** The canned ACLs of S3 that imagegate supports, on buckets and on objects. */
public enum CannedAcl {
    PRIVATE, PUBLIC_READ, PUBLIC_READ_WRITE, AUTHENTICATED_READ;

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
