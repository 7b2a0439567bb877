package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.Access;
import io.imagegate.gateway.http.Principal;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.VersionRecord;

/**
 * Decides whether a caller may do what an operation needs, from bucket ownership and canned
 * ACLs, as S3 does with ACLs enabled: the bucket owner controls every object in its bucket
 * (S3's "bucket owner enforced"), and ACLs grant others read or write.
 */
public final class AccessControl {

    private AccessControl() {}

    public static void requireAuthenticated(Principal p) {
        if (p.anonymous()) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED);
        }
    }

    /** Checks a bucket-level need; OBJECT_READ is checked with {@link #checkObjectRead}. */
    public static void checkBucket(Principal p, Access need, BucketRecord bucket) {
        if (ownsBucket(p, bucket)) {
            return;
        }
        boolean allowed = switch (need) {
            case AUTHENTICATED -> !p.anonymous();
            case BUCKET_READ -> grantsRead(bucket.acl(), p);
            case BUCKET_WRITE -> bucket.acl() == CannedAcl.PUBLIC_READ_WRITE;
            case BUCKET_OWNER -> false;
            case OBJECT_READ -> true; // decided per object
        };
        if (!allowed) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED);
        }
    }

    public static void checkObjectRead(Principal p, BucketRecord bucket, VersionRecord object) {
        if (!ownsBucket(p, bucket) && !grantsRead(object.acl(), p)) {
            throw new S3Exception(S3ErrorCode.ACCESS_DENIED);
        }
    }

    public static boolean ownsBucket(Principal p, BucketRecord bucket) {
        return p.admin() || (!p.anonymous() && p.name().equals(bucket.owner()));
    }

    private static boolean grantsRead(CannedAcl acl, Principal p) {
        if (acl == null) {
            return false;
        }
        return switch (acl) {
            case PRIVATE -> false;
            case PUBLIC_READ, PUBLIC_READ_WRITE -> true;
            case AUTHENTICATED_READ -> !p.anonymous();
        };
    }
}
