package io.imagegate.meta;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An access policy as stored: its JSON text exactly as it was given (GetBucketPolicy answers with
 * it), and the canonical id each user ARN in it named when it was stored. Users are resolved once,
 * when the policy is set, as AWS resolves principals: a user created later under the same name is
 * another user and is not named by the policy.
 *
 * @param text  the policy document, JSON
 * @param users user ARN (as written in the policy) to the canonical id of the user it named then
 */
public record PolicyDocument(String text, Map<String, String> users) {

    public PolicyDocument {
        Objects.requireNonNull(text, "text");
        users = users == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(users));
    }

    public PolicyDocument(String text) {
        this(text, Map.of());
    }
}
