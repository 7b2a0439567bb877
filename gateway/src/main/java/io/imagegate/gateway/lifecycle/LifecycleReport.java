package io.imagegate.gateway.lifecycle;

import java.time.Instant;
import java.util.List;

/**
 * What a lifecycle run did, or a dry run would do, rule by rule. Logical bytes are the sizes of the
 * versions removed (and of the parts of the uploads aborted); physical bytes, computed by dry runs,
 * are the chunk and manifest-page bytes that nothing surviving references, so what the collector
 * frees afterwards (-1 where not computed).
 *
 * @param now     the time every rule was judged at
 * @param resumed whether the run continued one that had been interrupted
 * @param skipped keys left alone because they kept changing while the run decided about them
 */
public record LifecycleReport(boolean dryRun, Instant now, boolean resumed, List<RuleTally> rules, long skipped,
                              long physicalBytes) {

    /**
     * One rule of one bucket.
     *
     * @param noncurrentExpired noncurrent versions removed
     * @param currentExpired    current versions removed (unversioned buckets) or hidden behind a new
     *                          delete marker (versioned ones)
     * @param markersRemoved    expired object delete markers removed
     * @param physicalBytes     bytes only this rule's removals hold (-1 when not computed); rules whose
     *                          removals share chunks each count them
     */
    public record RuleTally(String bucket, String rule, long noncurrentExpired, long currentExpired,
                            long markersRemoved, long uploadsAborted, long logicalBytes, long physicalBytes) {

        public long objects() {
            return noncurrentExpired + currentExpired + markersRemoved;
        }
    }

    public long versionsExpired() {
        return rules.stream().mapToLong(r -> r.noncurrentExpired() + r.currentExpired()).sum();
    }

    public long markersRemoved() {
        return rules.stream().mapToLong(RuleTally::markersRemoved).sum();
    }

    public long uploadsAborted() {
        return rules.stream().mapToLong(RuleTally::uploadsAborted).sum();
    }

    public long logicalBytes() {
        return rules.stream().mapToLong(RuleTally::logicalBytes).sum();
    }
}
