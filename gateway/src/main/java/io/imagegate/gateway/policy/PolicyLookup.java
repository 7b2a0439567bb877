package io.imagegate.gateway.policy;

import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the policies of a request in the metadata store (user policies from its in-memory mirror,
 * bucket policies through the gateway's bucket cache) and keeps each parsed once, by its stored
 * form. A stored policy this gateway cannot read (written by a newer version, say) denies
 * everything it could bear on, rather than being ignored: a policy's denies must never be lost.
 */
public final class PolicyLookup {

    private static final Logger log = LoggerFactory.getLogger(PolicyLookup.class);
    private static final int LIMIT = 4096;

    private final MetadataStore meta;
    private final ConcurrentHashMap<String, Policy> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BucketKey, Policy> buckets = new ConcurrentHashMap<>();

    private record BucketKey(String bucket, PolicyDocument document) {}

    public PolicyLookup(MetadataStore meta) {
        this.meta = meta;
    }

    /** The policies of a request by the user with {@code canonicalId} (null: anonymous). */
    public RequestPolicies forCaller(String canonicalId) {
        Policy user = canonicalId == null ? null : userPolicy(canonicalId);
        return new RequestPolicies(user, this::bucketPolicy);
    }

    private Policy userPolicy(String canonicalId) {
        Optional<PolicyDocument> doc = meta.userPolicy(canonicalId);
        if (doc.isEmpty()) {
            return null;
        }
        String text = doc.get().text();
        Policy p = users.get(text);
        if (p == null) {
            try {
                p = PolicyParser.userPolicy(text.getBytes(StandardCharsets.UTF_8));
            } catch (MalformedPolicyException e) {
                log.error("user={} policy unreadable by this gateway, denying the user everything: {}", canonicalId,
                        e.getMessage());
                p = Policy.denyAll();
            }
            if (users.size() >= LIMIT) {
                users.clear();
            }
            users.put(text, p);
        }
        return p;
    }

    private Policy bucketPolicy(String bucket) {
        Optional<PolicyDocument> doc = meta.bucketPolicy(bucket);
        if (doc.isEmpty()) {
            return null;
        }
        BucketKey key = new BucketKey(bucket, doc.get());
        Policy p = buckets.get(key);
        if (p == null) {
            PolicyDocument stored = doc.get();
            try {
                p = PolicyParser.bucketPolicy(stored.text().getBytes(StandardCharsets.UTF_8), bucket,
                        new PolicyParser.Users() {
                            @Override
                            public Optional<String> idOf(String arn, String userName) {
                                return Optional.ofNullable(stored.users().get(arn));
                            }

                            @Override
                            public boolean exists(String canonicalId) {
                                return true;
                            }
                        }).policy();
            } catch (MalformedPolicyException e) {
                log.error("bucket={} policy unreadable by this gateway, denying everything it could grant: {}", bucket,
                        e.getMessage());
                p = Policy.denyAll();
            }
            if (buckets.size() >= LIMIT) {
                buckets.clear();
            }
            buckets.put(key, p);
        }
        return p;
    }

    /** The users of the store, as a bucket policy being set resolves its principals against them. */
    public static PolicyParser.Users storeUsers(MetadataStore meta) {
        return new PolicyParser.Users() {
            @Override
            public Optional<String> idOf(String arn, String userName) {
                return meta.user(userName).map(u -> u.canonicalId());
            }

            @Override
            public boolean exists(String canonicalId) {
                return meta.userById(canonicalId).isPresent();
            }
        };
    }
}
