package io.imagegate.gateway.policy;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One statement of a policy: to whom (bucket policies), which actions, on which resources, under
 * which conditions, and whether it allows or denies. Each list is a disjunction; the {@code not}
 * flags make it NotPrincipal, NotAction, NotResource; the conditions are a conjunction.
 */
record Statement(String sid, boolean allow, Principals principals, boolean notPrincipal, List<Pattern> actions,
                 boolean notAction, List<Pattern> resources, boolean notResource, List<Condition> conditions) {

    /**
     * Who a bucket policy's statement names: everyone ({@code "*"}, anonymous callers included), or
     * users by canonical id (user ARNs are resolved to ids when the policy is stored). A user
     * policy's statements name nobody: they apply to their user.
     */
    record Principals(boolean everyone, Set<String> ids) {

        static final Principals SELF = new Principals(true, Set.of());

        boolean match(String callerId) {
            return everyone || (callerId != null && ids.contains(callerId));
        }
    }

    /** Whether the statement applies to this request. */
    boolean applies(Request r) {
        if (principals.match(r.principalId()) == notPrincipal) {
            return false;
        }
        if (anyMatch(actions, r.action(), r.keys()) == notAction) {
            return false;
        }
        if (anyMatch(resources, r.resource(), r.keys()) == notResource) {
            return false;
        }
        for (Condition c : conditions) {
            if (!c.holds(r.keys())) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyMatch(List<Pattern> patterns, String value, Function<String, String> keys) {
        for (Pattern p : patterns) {
            if (p.matches(value, keys)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the statement could allow {@code action} on some object of {@code bucket} for this
     * caller, whatever the key and conditions: DeleteObjects decides its keys one by one only for
     * callers that some statement may let delete something.
     */
    boolean mayAllowIn(String principalId, String action, String bucket, Function<String, String> keys) {
        if (!allow || principals.match(principalId) == notPrincipal || anyMatch(actions, action, keys) == notAction) {
            return false;
        }
        if (notResource) {
            return true;
        }
        String bucketArn = Policy.ARN_PREFIX + bucket;
        for (Pattern p : resources) {
            String w = p.written();
            int slash = w.indexOf('/');
            String bucketPart = slash < 0 ? w : w.substring(0, slash);
            if (w.equals("*") || bucketPart.contains("*") || bucketPart.contains("${")
                    || Pattern.of(bucketPart, false, false).matches(bucketArn, keys)) {
                return true;
            }
        }
        return false;
    }

    /** What a statement is asked about: who, which action (canonical name), which resource ARN, the condition keys. */
    record Request(String principalId, String action, String resource, Function<String, String> keys) {}
}
