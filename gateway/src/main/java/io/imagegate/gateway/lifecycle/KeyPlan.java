package io.imagegate.gateway.lifecycle;

import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import io.imagegate.meta.VersionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the lifecycle rules do to one key now, decided from its versions (newest first, the current
 * one first): which noncurrent versions expire, whether an expired object delete marker goes, and
 * whether the current version expires. Pure: the same versions, rules and time give the same plan,
 * which is what makes a run idempotent and a dry run truthful.
 *
 * <p>A noncurrent version became noncurrent when the next newer version still present was published
 * (S3 counts from when it became noncurrent). Had a version between them been deleted since, that
 * time is later than the true one, so the age errs towards keeping.
 */
public record KeyPlan(String key, VersionRecord current, List<Action> actions) {

    /** One removal, and the rule that decided it. */
    public sealed interface Action {
        Rule rule();

        VersionRecord version();

        /** Bytes clients no longer see once it is done (a new delete marker hides bytes but frees none). */
        default long logicalBytesFreed() {
            return version().deleteMarker() ? 0 : version().size();
        }
    }

    /** NoncurrentVersionExpiration: the version is removed for good. */
    public record ExpireNoncurrent(Rule rule, VersionRecord version) implements Action {}

    /**
     * Expiration (Days, Date) of the current version: removed in an unversioned bucket, hidden behind a
     * new delete marker in a versioned one (the null version replaced by it when suspended).
     */
    public record ExpireCurrent(Rule rule, VersionRecord version, boolean removes) implements Action {

        @Override
        public long logicalBytesFreed() {
            return removes ? version.size() : 0;
        }
    }

    /** An expired object delete marker (the key's only version) is removed. */
    public record RemoveMarker(Rule rule, VersionRecord version) implements Action {}

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /**
     * @param versions  the key's versions, newest first; the first is the current one
     * @param versioned whether the bucket's versioning is enabled or suspended
     */
    public static KeyPlan decide(LifecycleConfiguration config, List<VersionRecord> versions, boolean versioned,
            Instant now) {
        VersionRecord current = versions.get(0);
        List<Action> actions = new ArrayList<>();
        for (int i = 1; i < versions.size(); i++) {
            VersionRecord v = versions.get(i);
            Instant noncurrentSince = versions.get(i - 1).lastModified();
            Rule r = noncurrentRule(config, v, noncurrentSince, i - 1, now);
            if (r != null) {
                actions.add(new ExpireNoncurrent(r, v));
            }
        }
        if (current.deleteMarker()) {
            boolean alone = actions.size() == versions.size() - 1; // every other version goes in this plan
            Rule r = alone ? markerRule(config, current, now) : null;
            if (r != null) {
                actions.add(new RemoveMarker(r, current));
            }
        } else {
            Expiry.first(config, current).filter(s -> !s.at().isAfter(now))
                    .ifPresent(s -> actions.add(new ExpireCurrent(s.rule(), current, !versioned)));
        }
        return new KeyPlan(current.key(), current, List.copyOf(actions));
    }

    /** The first rule that expires noncurrent version {@code v}, which has {@code newer} newer noncurrent ones. */
    private static Rule noncurrentRule(LifecycleConfiguration config, VersionRecord v, Instant since, int newer,
            Instant now) {
        for (Rule r : config.rules()) {
            var n = r.noncurrent();
            if (!r.enabled() || n == null || !r.filter().matchesKey(v.key())) {
                continue;
            }
            if (v.deleteMarker() ? r.filter().hasSizeBounds() : !r.filter().matchesSize(v.size())) {
                continue; // delete markers have no size: rules that filter on size leave them alone
            }
            boolean oldEnough = !Expiry.after(since, n.days()).isAfter(now);
            boolean enoughNewer = n.newerVersions() == null || newer >= n.newerVersions();
            if (oldEnough && enoughNewer) {
                return r;
            }
        }
        return null;
    }

    /**
     * A delete marker that is the key's only version goes under ExpiredObjectDeleteMarker, and under
     * Expiration Days once it is that old (S3 cleans such markers up with the Days action).
     */
    private static Rule markerRule(LifecycleConfiguration config, VersionRecord marker, Instant now) {
        for (Rule r : config.rules()) {
            var e = r.expiration();
            if (!r.enabled() || e == null || !r.filter().matchesKey(marker.key()) || r.filter().hasSizeBounds()) {
                continue;
            }
            if (e.expiredObjectDeleteMarker()
                    || (e.days() != null && !Expiry.after(marker.lastModified(), e.days()).isAfter(now))) {
                return r;
            }
        }
        return null;
    }
}
