package io.imagegate.meta;

import java.util.List;
import java.util.Objects;

/**
 * A bucket's or a version's ACL as stored: a canned ACL, or explicit grants kept exactly as given,
 * in their order, duplicates included (S3 answers them back so). With {@code grants}, {@code canned}
 * is {@code PRIVATE}: what a reader that does not know grants sees (it then grants nobody anything).
 * At most {@link #MAX_GRANTS} grants, as S3 allows, which bounds the records that hold them.
 *
 * @param grants null for a canned ACL
 */
public record AccessControlList(CannedAcl canned, List<Grant> grants) {

    public static final int MAX_GRANTS = 100;

    public AccessControlList {
        Objects.requireNonNull(canned, "canned");
        if (grants != null) {
            grants = List.copyOf(grants);
            if (grants.size() > MAX_GRANTS) {
                throw new IllegalArgumentException("an ACL has at most " + MAX_GRANTS + " grants");
            }
            canned = CannedAcl.PRIVATE;
        }
    }

    public static AccessControlList of(CannedAcl canned) {
        return new AccessControlList(canned, null);
    }

    public static AccessControlList of(List<Grant> grants) {
        return new AccessControlList(CannedAcl.PRIVATE, Objects.requireNonNull(grants, "grants"));
    }

    public boolean explicit() {
        return grants != null;
    }

    /** What this ACL means on a bucket: the bucket-owner canned ACLs are S3's "ignored" there. */
    public AccessControlList forBucket() {
        return explicit() ? this : of(canned.forBucket());
    }
}
