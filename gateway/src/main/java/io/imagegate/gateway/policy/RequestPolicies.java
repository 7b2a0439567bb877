package io.imagegate.gateway.policy;

import java.util.function.Function;

/**
 * The policies that bear on one request: the calling user's own (null when it has none, and for
 * anonymous callers), and each bucket's, looked up when a decision needs it (null when none).
 */
public record RequestPolicies(Policy user, Function<String, Policy> buckets) {

    /** No policy anywhere: every decision is the owner's and the ACLs'. */
    public static final RequestPolicies NONE = new RequestPolicies(null, bucket -> null);

    /** The policy of {@code bucket}, or null. */
    public Policy bucket(String bucket) {
        return bucket == null ? null : buckets.apply(bucket);
    }
}
