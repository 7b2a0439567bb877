package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.Access;
import io.imagegate.gateway.api.Action;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.Principal;
import io.imagegate.gateway.policy.ConditionKeys;
import io.imagegate.gateway.policy.Decision;
import io.imagegate.gateway.policy.Policy;
import io.imagegate.gateway.policy.RequestPolicies;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.Grant;
import io.imagegate.meta.Grant.Permission;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.VersionRecord;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Who may do what: the one place authorization is decided. Every operation passes
 * {@link #checkOperation} with its {@link S3Request#action()} before it runs; every version an
 * operation reads, or whose bytes a write reuses, passes {@link #requireRead}; every key of a
 * DeleteObjects passes {@link #checkDelete}. Each decision is AWS's within one account
 * (docs/SECURITY.md, "The rule"):
 * <ol>
 *   <li>an explicit {@code Deny} in the caller's user policy or in the bucket's policy refuses;
 *   <li>else an {@code Allow} in either grants;
 *   <li>else the owner and ACL rules decide, as S3 does with ACLs enabled and objects owned by
 *       their writer: the bucket owner (by canonical id) controls its bucket (listing, writes,
 *       deletes, configuration), an object's owner (its writer) reads it and its ACL, ACLs give
 *       others S3's permissions (a bucket's READ, WRITE, READ_ACP, WRITE_ACP; an object's READ,
 *       READ_ACP, WRITE_ACP; FULL_CONTROL all of them) by explicit grants or canned ACLs
 *       ({@code bucket-owner-read} and {@code bucket-owner-full-control} the bucket's owner), and
 *       administrators act on every bucket.
 * </ol>
 * The bucket-policy operations are the exception: only the owner and administrators use them,
 * which no policy changes except a deny in the caller's own user policy.
 */
public final class AccessControl {

    private static final String GET_OBJECT = "s3:GetObject";
    private static final String GET_OBJECT_VERSION = "s3:GetObjectVersion";
    private static final String LIST_BUCKET = "s3:ListBucket";

    private AccessControl() {}

    public static void requireAuthenticated(Principal p) {
        if (p.anonymous()) {
            throw denied();
        }
    }

    /**
     * What an operation needs of its bucket ({@code bucket} null for service-level operations and
     * CreateBucket): its action on its resource. Reads of versions are also decided per version
     * ({@link #requireRead}); DeleteObjects per key ({@link #checkDelete}).
     */
    public static void checkOperation(Call call, S3Request op, BucketRecord bucket) {
        Principal p = call.principal();
        Action action = op.action();
        if (bucket == null) {
            Decision d = decide(call, null, op.bucket(), action.iamName(), resource(op), null, true);
            if (d == Decision.DENY) {
                throw denied();
            }
            // no policy makes a user an administrator: administrators' operations are theirs alone
            boolean allowed = switch (action.need()) {
                case AUTHENTICATED -> d == Decision.ALLOW || !p.anonymous();
                case ADMIN -> p.admin();
                default -> throw new IllegalStateException(action + " needs a bucket");
            };
            if (!allowed) {
                throw denied();
            }
            return;
        }
        if (action == Action.DELETE_OBJECTS) {
            // each key is decided on its own; refused whole when the caller may delete nothing here
            if (!mayByDefault(p, Access.BUCKET_WRITE, bucket) && !mayAllowDeletes(call, bucket)) {
                throw denied();
            }
            return;
        }
        if (action.managesPolicy()) {
            Decision own = decideUser(call, action.iamName(), resource(op), null);
            if (own == Decision.DENY || !ownsBucket(p, bucket)) {
                throw denied();
            }
            return;
        }
        String versionId = op instanceof S3Request.ObjectRequest o ? o.versionId() : null;
        Decision d = decide(call, bucket, bucket.name(), action.iamName(), resource(op), versionId, true);
        if (d == Decision.DENY) {
            throw denied();
        }
        if (d == Decision.ALLOW) {
            return;
        }
        if (!mayByDefault(p, action.need(), bucket)) {
            throw denied();
        }
    }

    /**
     * One key of a DeleteObjects: {@code s3:DeleteObject}, or {@code s3:DeleteObjectVersion} when it
     * names a version, on that key; without a policy's word, write access to the bucket.
     */
    public static void checkDelete(Call call, BucketRecord bucket, String key, String versionId) {
        String action = versionId == null ? "s3:DeleteObject" : "s3:DeleteObjectVersion";
        Decision d = decide(call, bucket, bucket.name(), action, Policy.objectArn(bucket.name(), key), versionId, false);
        if (d == Decision.DENY || (d == Decision.NONE && !mayByDefault(call.principal(), Access.BUCKET_WRITE, bucket))) {
            throw denied();
        }
    }

    /**
     * The rule for reading a version, and for every write that reuses another version's bytes (a
     * copy source, a part copy's source, a commit's base, the base {@code ?missing-chunks} answers
     * about): the caller must be allowed to read that version, {@code s3:GetObject} on its key, or
     * {@code s3:GetObjectVersion} when the request names the version ({@code versionId} not null).
     * {@code find} looks the version up as the operation does and throws its "not there" errors
     * (NoSuchKey, NoSuchVersion, a delete marker's 404 or 405); a caller who may not list the bucket
     * gets 403 AccessDenied instead, as S3 answers callers without s3:ListBucket, so whether a
     * version exists is learnt only by those allowed to know. A version that exists and is not
     * readable is 403 to everyone, and so is any version a policy denies, before it is looked up.
     */
    public static VersionRecord requireRead(Call call, BucketRecord bucket, String key, String versionId,
            Supplier<VersionRecord> find) {
        String action = versionId == null ? GET_OBJECT : GET_OBJECT_VERSION;
        Decision d = decide(call, bucket, bucket.name(), action, Policy.objectArn(bucket.name(), key), versionId, false);
        if (d == Decision.DENY) {
            throw denied();
        }
        VersionRecord v;
        try {
            v = find.get();
        } catch (S3Exception e) {
            throw unlessListable(call, bucket, e);
        } catch (MetadataException e) {
            // the store's NoSuchVersion is as telling as the gateway's NoSuchKey
            throw unlessListable(call, bucket, Errors.toS3(e, null));
        }
        if (d == Decision.NONE && !mayRead(call.principal(), bucket, v)) {
            throw denied();
        }
        return v;
    }

    /**
     * GetObjectAcl and PutObjectAcl (S3's READ_ACP and WRITE_ACP), after {@link #checkOperation}
     * passed {@code op}: unless a policy allowed its action, the version's owner, or the bucket's
     * owner when the version's ACL is {@code bucket-owner-full-control}. Whether it exists is learnt
     * as for reads ({@link #requireRead}).
     */
    public static VersionRecord requireAcp(Call call, BucketRecord bucket, S3Request.ObjectRequest op,
            Supplier<VersionRecord> find) {
        Decision d = decide(call, bucket, bucket.name(), op.action().iamName(), resource(op), op.versionId(), false);
        if (d == Decision.DENY) {
            throw denied();
        }
        VersionRecord v;
        try {
            v = find.get();
        } catch (S3Exception e) {
            if (revealsExistence(e) && !mayList(call, bucket)) {
                throw denied();
            }
            throw e;
        }
        Principal p = call.principal();
        Permission need = op instanceof S3Request.GetObjectAcl ? Permission.READ_ACP : Permission.WRITE_ACP;
        // the owner's READ_ACP and WRITE_ACP are implicit, whatever its ACL says
        if (d == Decision.NONE && !(p.admin() || ownsObject(p, bucket, v)
                || (!v.deleteMarker() && gives(v.accessControlList(), need, p, bucket)))) {
            throw denied();
        }
        return v;
    }

    /** The owner and ACL rules for reading a version: an administrator, its owner, or whom its ACL gives READ. */
    private static boolean mayRead(Principal p, BucketRecord bucket, VersionRecord v) {
        return p.admin() || ownsObject(p, bucket, v)
                || (!v.deleteMarker() && gives(v.accessControlList(), Permission.READ, p, bucket));
    }

    /** Whether the caller owns the version: wrote it (anonymous writes belong to the bucket's owner), by canonical id. */
    public static boolean ownsObject(Principal p, BucketRecord bucket, VersionRecord v) {
        return !p.anonymous() && p.id().equals(objectOwner(bucket, v));
    }

    /** The canonical id of a version's owner. */
    public static String objectOwner(BucketRecord bucket, VersionRecord v) {
        return CanonicalIds.ofOwner(v.owner() != null ? v.owner() : bucket.owner());
    }

    private static boolean isBucketOwner(Principal p, BucketRecord bucket) {
        return !p.anonymous() && p.id().equals(CanonicalIds.ofOwner(bucket.owner()));
    }

    /** Whether the caller may list the bucket ({@code s3:ListBucket}), and so learn which keys and versions exist. */
    public static boolean mayList(Call call, BucketRecord bucket) {
        Decision d = decide(call, bucket, bucket.name(), LIST_BUCKET, Policy.bucketArn(bucket.name()), null, false);
        return d == Decision.ALLOW || (d == Decision.NONE && mayByDefault(call.principal(), Access.BUCKET_READ, bucket));
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

    // ---- the policies' word

    /**
     * What the caller's user policy and the bucket's policy say of {@code action} on {@code resource}:
     * an explicit deny in either, else an allow in either, else nothing. {@code listing}: the
     * request's own listing parameters are the {@code s3:prefix}, {@code s3:delimiter} and
     * {@code s3:max-keys} keys (not when a read asks whether its caller may list).
     */
    private static Decision decide(Call call, BucketRecord bucket, String bucketName, String action, String resource,
            String versionId, boolean listing) {
        RequestPolicies policies = call.policies();
        Policy user = policies.user();
        Policy onBucket = bucket == null ? null : policies.bucket(bucketName);
        if (user == null && onBucket == null) {
            return Decision.NONE;
        }
        Function<String, String> keys = keys(call, action, versionId, listing);
        String id = call.principal().anonymous() ? null : call.principal().id();
        Decision d = user == null ? Decision.NONE : user.evaluate(id, action, resource, keys);
        return onBucket == null ? d : d.and(onBucket.evaluate(id, action, resource, keys));
    }

    /** The caller's user policy alone (the bucket-policy operations, which bucket policies do not govern). */
    private static Decision decideUser(Call call, String action, String resource, String versionId) {
        Policy user = call.policies().user();
        return user == null ? Decision.NONE
                : user.evaluate(call.principal().id(), action, resource, keys(call, action, versionId, false));
    }

    private static boolean mayAllowDeletes(Call call, BucketRecord bucket) {
        String id = call.principal().anonymous() ? null : call.principal().id();
        Function<String, String> keys = keys(call, "s3:DeleteObject", null, false);
        for (Policy p : new Policy[] {call.policies().user(), call.policies().bucket(bucket.name())}) {
            if (p != null && (p.mayAllowIn(id, "s3:DeleteObject", bucket.name(), keys)
                    || p.mayAllowIn(id, "s3:DeleteObjectVersion", bucket.name(), keys))) {
                return true;
            }
        }
        return false;
    }

    /** The request's condition keys (docs/SECURITY.md lists them), by lower-case name; null for one it lacks. */
    private static Function<String, String> keys(Call call, String action, String versionId, boolean listing) {
        Principal p = call.principal();
        return key -> switch (key) {
            case ConditionKeys.SOURCE_IP -> call.sourceIp();
            case ConditionKeys.SECURE_TRANSPORT -> String.valueOf(call.secure());
            case ConditionKeys.USERNAME -> p.anonymous() ? null : p.name();
            case ConditionKeys.USERID -> p.anonymous() ? null : p.id();
            case ConditionKeys.USER_AGENT -> call.header("User-Agent");
            case ConditionKeys.REFERER -> call.header("Referer");
            case ConditionKeys.PREFIX -> listing ? call.query().get("prefix") : null;
            case ConditionKeys.DELIMITER -> listing ? call.query().get("delimiter") : null;
            case ConditionKeys.MAX_KEYS -> listing ? call.query().get("max-keys") : null;
            case ConditionKeys.VERSION_ID -> versionId;
            case ConditionKeys.ACL -> call.header("x-amz-acl");
            default -> null;
        };
    }

    /** The resource an operation's action acts on: an object's ARN, its bucket's, or the service's. */
    private static String resource(S3Request op) {
        if (op instanceof S3Request.ObjectRequest o) {
            return Policy.objectArn(o.bucket(), o.key());
        }
        return op.bucket() == null ? Policy.SERVICE_RESOURCE : Policy.bucketArn(op.bucket());
    }

    // ---- the owner and the ACLs

    /**
     * The owner and ACL rules, where no policy has spoken: a bucket-level need (OBJECT_READ and
     * OBJECT_ACP are decided per version by {@link #requireRead} and {@link #requireAcp}). The bucket's
     * owner may do everything with its bucket; others what the bucket's ACL gives them.
     */
    private static boolean mayByDefault(Principal p, Access need, BucketRecord bucket) {
        if (ownsBucket(p, bucket)) {
            return true;
        }
        AccessControlList acl = bucket.accessControlList();
        return switch (need) {
            case AUTHENTICATED -> !p.anonymous();
            case ADMIN -> false;
            case BUCKET_READ -> gives(acl, Permission.READ, p, bucket);
            case BUCKET_WRITE -> gives(acl, Permission.WRITE, p, bucket);
            case BUCKET_READ_ACP -> gives(acl, Permission.READ_ACP, p, bucket);
            case BUCKET_WRITE_ACP -> gives(acl, Permission.WRITE_ACP, p, bucket);
            case BUCKET_OWNER -> false;
            case OBJECT_READ, OBJECT_ACP -> true; // decided per version
        };
    }

    /** {@code e}, or AccessDenied when {@code e} would tell a caller who may not list the bucket what exists. */
    private static S3Exception unlessListable(Call call, BucketRecord bucket, S3Exception e) {
        return revealsExistence(e) && !mayList(call, bucket) ? denied() : e;
    }

    private static boolean revealsExistence(S3Exception e) {
        return switch (e.code()) {
            case NO_SUCH_KEY, NO_SUCH_VERSION, METHOD_NOT_ALLOWED -> true;
            default -> false;
        };
    }

    /**
     * Whether an ACL gives the caller {@code need}, owners aside: one of its grants names the caller
     * (by canonical id), AllUsers, or AuthenticatedUsers for a signed request, with that permission or
     * FULL_CONTROL; a canned ACL gives what its grants would ({@code public-read}: AllUsers READ, ...).
     * The LogDelivery group names nobody here.
     */
    private static boolean gives(AccessControlList acl, Permission need, Principal p, BucketRecord bucket) {
        if (acl == null) {
            return false;
        }
        if (acl.explicit()) {
            for (Grant g : acl.grants()) {
                if (g.gives(need) && names(g, p)) {
                    return true;
                }
            }
            return false;
        }
        return switch (acl.canned()) {
            case PRIVATE -> false;
            case PUBLIC_READ -> need == Permission.READ;
            case PUBLIC_READ_WRITE -> need == Permission.READ || need == Permission.WRITE;
            case AUTHENTICATED_READ -> need == Permission.READ && !p.anonymous();
            case BUCKET_OWNER_READ -> need == Permission.READ && isBucketOwner(p, bucket);
            case BUCKET_OWNER_FULL_CONTROL -> isBucketOwner(p, bucket);
        };
    }

    private static boolean names(Grant g, Principal p) {
        if (g.uri() != null) {
            return g.uri().equals(Grant.ALL_USERS) || (g.uri().equals(Grant.AUTHENTICATED_USERS) && !p.anonymous());
        }
        return !p.anonymous() && g.id().equals(p.id());
    }

    private static S3Exception denied() {
        return new S3Exception(S3ErrorCode.ACCESS_DENIED);
    }
}
