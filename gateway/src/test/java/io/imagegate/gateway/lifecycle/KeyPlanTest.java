package io.imagegate.gateway.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.LifecycleConfiguration.Expiration;
import io.imagegate.meta.LifecycleConfiguration.Filter;
import io.imagegate.meta.LifecycleConfiguration.FilterForm;
import io.imagegate.meta.LifecycleConfiguration.NoncurrentExpiration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import io.imagegate.meta.VersionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decisions of the rules, as S3 documents them, on versions made up for each case. */
class KeyPlanTest {

    static final Instant T0 = Instant.parse("2030-01-15T10:30:00Z");

    static Rule rule(String id, Filter filter, Expiration e, NoncurrentExpiration n) {
        return new Rule(id, true, filter, e, n, null);
    }

    static Filter prefix(String p) {
        return new Filter(FilterForm.PREFIX, p, null, null);
    }

    static VersionRecord version(String key, int n, Instant at, long size, boolean marker) {
        return new VersionRecord(key, "v" + n, marker, "o", at, size, marker ? null : "e", marker ? null : "m", 0,
                null, null, null, null, null);
    }

    @Test
    void daysCountToTheNextMidnightUtc() {
        assertEquals(Instant.parse("2030-01-19T00:00:00Z"), Expiry.after(T0, 3));
        assertEquals(Instant.parse("2030-01-18T00:00:00Z"), Expiry.after(Instant.parse("2030-01-15T00:00:00Z"), 3));
    }

    /** Versions v0 (oldest) .. v(n-1) (current), one published each hour from T0; newest first. */
    static List<VersionRecord> history(int n) {
        List<VersionRecord> out = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            out.add(version("images/vm.raw", i, T0.plusSeconds(3600L * i), 100, false));
        }
        return out;
    }

    @Test
    void newerNoncurrentVersionsKeepsThatManyAndAgeCountsFromTheSuccessor() {
        var config = new LifecycleConfiguration(List.of(rule("keep-3", prefix("images/"), null,
                new NoncurrentExpiration(1, 3))));
        List<VersionRecord> versions = history(8); // v7 current; v6..v0 noncurrent
        // v0 became noncurrent when v1 was published (T0 + 1h): old enough at the second midnight after
        var beforeMidnight = KeyPlan.decide(config, versions, true, Instant.parse("2030-01-16T23:59:59Z"));
        assertTrue(beforeMidnight.isEmpty(), beforeMidnight.toString());
        var plan = KeyPlan.decide(config, versions, true, Instant.parse("2030-01-17T00:00:00Z"));
        List<String> expired = plan.actions().stream().map(a -> a.version().versionId()).toList();
        assertEquals(List.of("v3", "v2", "v1", "v0"), expired); // v6, v5, v4 are the 3 newest noncurrent
        assertEquals(400, plan.actions().stream().mapToLong(KeyPlan.Action::logicalBytesFreed).sum());
    }

    @Test
    void currentVersionsExpireIntoAMarkerWhenVersionedAndAreRemovedOtherwise() {
        var config = new LifecycleConfiguration(List.of(
                rule("big", new Filter(FilterForm.SIZE_GREATER_THAN, "", 1000L, null), new Expiration(1, null, false), null),
                rule("dated", prefix("logs/"), new Expiration(null, Instant.parse("2030-02-01T00:00:00Z"), false), null)));
        VersionRecord small = version("logs/a", 1, T0, 10, false);
        VersionRecord big = version("x", 1, T0, 5000, false);
        Instant later = Instant.parse("2030-01-20T00:00:00Z");
        assertTrue(KeyPlan.decide(config, List.of(small), false, later).isEmpty());
        var removed = KeyPlan.decide(config, List.of(big), false, later).actions().get(0);
        assertEquals(new KeyPlan.ExpireCurrent(config.rules().get(0), big, true), removed);
        assertEquals(0, KeyPlan.decide(config, List.of(big), true, later).actions().get(0).logicalBytesFreed());
        assertEquals("dated", KeyPlan.decide(config, List.of(small), false, Instant.parse("2030-02-01T00:00:00Z"))
                .actions().get(0).rule().id());
    }

    @Test
    void deleteMarkersGoOnlyWhenAloneAndSizeFiltersLeaveThemAlone() {
        var config = new LifecycleConfiguration(List.of(
                rule("eodm", prefix(""), new Expiration(null, null, true), null),
                rule("sized", new Filter(FilterForm.SIZE_LESS_THAN, "", null, 50L), null, new NoncurrentExpiration(1, null))));
        VersionRecord marker = version("k", 2, T0.plusSeconds(60), 0, true);
        VersionRecord data = version("k", 1, T0, 10, false);
        Instant later = Instant.parse("2030-03-01T00:00:00Z");
        // the noncurrent version goes (size 10 < 50), so the marker is alone after it and goes too
        var plan = KeyPlan.decide(config, List.of(marker, data), true, later);
        assertEquals(List.of("v1", "v2"), plan.actions().stream().map(a -> a.version().versionId()).toList());
        // a noncurrent delete marker is not matched by a rule that filters on size
        VersionRecord current = version("k", 3, T0.plusSeconds(120), 10, false);
        var kept = KeyPlan.decide(config, List.of(current, marker), true, later);
        assertTrue(kept.isEmpty(), kept.toString());
    }
}
