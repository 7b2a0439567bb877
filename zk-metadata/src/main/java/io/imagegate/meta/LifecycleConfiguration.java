package io.imagegate.meta;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A bucket's lifecycle configuration as stored (docs/FORMAT-zookeeper.md, "Lifecycle"): the rules of
 * a PutBucketLifecycleConfiguration, already validated by the gateway, in the order given. The
 * record component names are the JSON field names of the stored form.
 */
public record LifecycleConfiguration(List<Rule> rules) {

    public LifecycleConfiguration {
        rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
    }

    /**
     * One rule.
     *
     * @param id         the rule's ID (the gateway generates one when the client gave none)
     * @param enabled    Status Enabled (true) or Disabled
     * @param filter     which objects the rule applies to
     * @param expiration the Expiration action, or null
     * @param noncurrent the NoncurrentVersionExpiration action, or null
     * @param abortDays  AbortIncompleteMultipartUpload's DaysAfterInitiation, or null
     */
    public record Rule(String id, boolean enabled, Filter filter, Expiration expiration,
                       NoncurrentExpiration noncurrent, Integer abortDays) {

        public Rule {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(filter, "filter");
        }
    }

    /**
     * The objects a rule applies to: keys starting with {@code prefix} whose size is strictly between
     * the two bounds (each absent when null). {@code form} says how the client wrote it, so
     * GetBucketLifecycleConfiguration answers with the same shape.
     */
    public record Filter(FilterForm form, String prefix, Long sizeGreaterThan, Long sizeLessThan) {

        public Filter {
            Objects.requireNonNull(form, "form");
            prefix = prefix == null ? "" : prefix;
        }

        public boolean matchesKey(String key) {
            return key.startsWith(prefix);
        }

        /** Size bounds apply to versions with data; delete markers carry none and match on the key alone. */
        public boolean matchesSize(long size) {
            return (sizeGreaterThan == null || size > sizeGreaterThan) && (sizeLessThan == null || size < sizeLessThan);
        }

        public boolean hasSizeBounds() {
            return sizeGreaterThan != null || sizeLessThan != null;
        }
    }

    /** How a filter was written in the XML. */
    public enum FilterForm {
        /** The rule-level {@code <Prefix>} of the original (V1) schema. */
        RULE_PREFIX,
        /** {@code <Filter/>} or {@code <Filter><Prefix>p</Prefix></Filter>}. */
        PREFIX,
        /** {@code <Filter><ObjectSizeGreaterThan>}. */
        SIZE_GREATER_THAN,
        /** {@code <Filter><ObjectSizeLessThan>}. */
        SIZE_LESS_THAN,
        /** {@code <Filter><And>...</And></Filter>}. */
        AND
    }

    /**
     * The Expiration action: exactly one of {@code days}, {@code date}, or
     * {@code expiredObjectDeleteMarker} true.
     */
    public record Expiration(Integer days, Instant date, boolean expiredObjectDeleteMarker) {}

    /** NoncurrentVersionExpiration: NoncurrentDays and, optionally, NewerNoncurrentVersions. */
    public record NoncurrentExpiration(int days, Integer newerVersions) {}
}
