package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.Access;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Principal;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.VersionRecord;
import java.util.function.Supplier;

/**
 * Who may do what: the one place authorization is decided, from bucket ownership (by canonical
 * id) and canned ACLs, as S3 does with ACLs enabled: the bucket owner controls every object in its
 * bucket (S3's "bucket owner enforced"), ACLs grant others read or write, and administrators act
 * on every bucket. Every operation passes {@link #checkOperation} with its {@link S3Request#action()}
 * before it runs; every version an operation reads, or whose bytes a write reuses, passes
 * {@link #requireRead}. Explicit grants and bucket policies belong here, keyed by the action.
 */
public final class AccessControl {

    private AccessControl() {}

    public static void requireAuthenticated(Principal p) {
        if (p.anonymous()) {
            throw denied();
        }
    }

    /**
     * What an operation needs on its bucket ({@code bucket} null for service-level operations).
     * Object reads are decided per version by {@link #requireRead}.
     */
    public static void checkOperation(Principal p, S3Request op, BucketRecord bucket) {
        Access need = op.access();
        if (bucket == null) {
            boolean allowed = switch (need) {
                case AUTHENTICATED -> !p.anonymous();
                case ADMIN -> p.admin();
                default -> throw new IllegalStateException(op.action() + " needs a bucket");
            };
            if (!allowed) {
                throw denied();
            }
            return;
        }
        checkBucket(p, need, bucket);
    }

    /** Checks a bucket-level need; OBJECT_READ is decided per version with {@link #requireRead}. */
    public static void checkBucket(Principal p, Access need, BucketRecord bucket) {
        if (ownsBucket(p, bucket)) {
            return;
        }
        boolean allowed = switch (need) {
            case AUTHENTICATED -> !p.anonymous();
            case ADMIN -> false;
            case BUCKET_READ -> mayList(p, bucket);
            case BUCKET_WRITE -> bucket.acl() == CannedAcl.PUBLIC_READ_WRITE;
            case BUCKET_OWNER -> false;
            case OBJECT_READ -> true; // decided per version
        };
        if (!allowed) {
            throw denied();
        }
    }

    /**
     * The rule for reading a version, and for every write that reuses another version's bytes (a
     * copy source, a part copy's source, a commit's base, the base {@code ?missing-chunks} answers
     * about): the caller must be allowed to read that version. {@code find} looks the version up
     * as the operation does and throws its "not there" errors (NoSuchKey, NoSuchVersion, a delete
     * marker's 404 or 405); a caller who may not list the bucket gets 403 AccessDenied instead, as
     * S3 answers callers without s3:ListBucket, so whether a version exists is learnt only by those
     * allowed to know. A version that exists and is not readable is 403 to everyone.
     */
    public static VersionRecord requireRead(Principal p, BucketRecord bucket, Supplier<VersionRecord> find) {
        VersionRecord v;
        try {
            v = find.get();
        } catch (S3Exception e) {
            if (revealsExistence(e) && !mayList(p, bucket)) {
                throw denied();
            }
            throw e;
        }
        if (!mayRead(p, bucket, v)) {
            throw denied();
        }
        return v;
    }

    public static void checkObjectRead(Principal p, BucketRecord bucket, VersionRecord object) {
        if (!mayRead(p, bucket, object)) {
            throw denied();
        }
    }

    private static boolean mayRead(Principal p, BucketRecord bucket, VersionRecord object) {
        return ownsBucket(p, bucket) || grantsRead(object.acl(), p);
    }

    /** Whether the caller may list the bucket, and so learn which keys and versions exist. */
    public static boolean mayList(Principal p, BucketRecord bucket) {
        return ownsBucket(p, bucket) || grantsRead(bucket.acl(), p);
    }

    public static boolean ownsBucket(Principal p, BucketRecord bucket) {
        return p.admin() || (!p.anonymous() && p.id().equals(CanonicalIds.ofOwner(bucket.owner())));
    }

    /**
     * {@code x-amz-expected-bucket-owner} (and {@code x-amz-source-expected-bucket-owner} for a copy
     * source): when present, the bucket's owner must have that canonical id, else 403 AccessDenied.
     */
    public static void checkExpectedOwner(String expected, BucketRecord bucket) {
        if (expected != null && !expected.trim().equals(CanonicalIds.ofOwner(bucket.owner()))) {
            throw denied();
        }
    }

    private static boolean revealsExistence(S3Exception e) {
        return switch (e.code()) {
            case NO_SUCH_KEY, NO_SUCH_VERSION, METHOD_NOT_ALLOWED -> true;
            default -> false;
        };
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

    private static S3Exception denied() {
        return new S3Exception(S3ErrorCode.ACCESS_DENIED);
    }
}
