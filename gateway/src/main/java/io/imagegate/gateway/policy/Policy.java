package io.imagegate.gateway.policy;

import java.util.List;
import java.util.function.Function;

/**
 * A parsed access policy, bucket or user, ready to evaluate ({@link PolicyParser} reads one).
 * {@link #evaluate} is AWS's rule within one policy: any statement that applies and denies gives
 * {@link Decision#DENY}; else any that applies and allows gives {@link Decision#ALLOW}; else
 * {@link Decision#NONE}.
 */
public final class Policy {

    /** Every S3 resource ARN starts so: {@code arn:aws:s3:::bucket} and {@code arn:aws:s3:::bucket/key}. */
    public static final String ARN_PREFIX = "arn:aws:s3:::";

    /** The resource of actions that act on no bucket (ListAllMyBuckets): matched by {@code *} and {@code arn:aws:s3:::*}. */
    public static final String SERVICE_RESOURCE = ARN_PREFIX + "*";

    private final List<Statement> statements;

    Policy(List<Statement> statements) {
        this.statements = List.copyOf(statements);
    }

    /**
     * @param principalId the caller's canonical id, null when anonymous
     * @param action      the canonical action name ({@code s3:GetObject})
     * @param resource    the resource's ARN ({@link #bucketArn}, {@link #objectArn}, {@link #SERVICE_RESOURCE})
     * @param keys        the request's condition keys by lower-case name; null for a key it lacks
     */
    public Decision evaluate(String principalId, String action, String resource, Function<String, String> keys) {
        Statement.Request r = new Statement.Request(principalId, action, resource, keys);
        boolean allowed = false;
        for (Statement s : statements) {
            if (s.applies(r)) {
                if (!s.allow()) {
                    return Decision.DENY;
                }
                allowed = true;
            }
        }
        return allowed ? Decision.ALLOW : Decision.NONE;
    }

    /** Whether some statement may allow the caller {@code action} on some object of {@code bucket}. */
    public boolean mayAllowIn(String principalId, String action, String bucket, Function<String, String> keys) {
        for (Statement s : statements) {
            if (s.mayAllowIn(principalId, action, bucket, keys)) {
                return true;
            }
        }
        return false;
    }

    /** A policy that denies every action on every resource to everyone: what an unreadable stored policy becomes. */
    static Policy denyAll() {
        Pattern all = Pattern.of("*", false, false);
        return new Policy(List.of(new Statement("imagegate-unreadable", false, new Statement.Principals(true, java.util.Set.of()),
                false, List.of(all), false, List.of(all), false, List.of())));
    }

    int size() {
        return statements.size();
    }

    public static String bucketArn(String bucket) {
        return ARN_PREFIX + bucket;
    }

    public static String objectArn(String bucket, String key) {
        return ARN_PREFIX + bucket + "/" + key;
    }
}
