package io.imagegate.gateway.lifecycle;

import io.imagegate.gateway.http.HttpDates;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import io.imagegate.meta.VersionRecord;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When S3's lifecycle rules make things expire. Ages count in whole days from an instant, rounded
 * up to the next midnight UTC, as S3 computes them: an object written at 10:30 on the 15th with
 * {@code Days 3} expires at midnight between the 18th and the 19th.
 */
public final class Expiry {

    private static final long DAY_SECONDS = 86_400;

    private Expiry() {}

    /** {@code from + days}, rounded up to midnight UTC (an instant already at midnight stays). */
    public static Instant after(Instant from, int days) {
        Instant t = from.plus(Duration.ofDays(days));
        long s = t.getEpochSecond();
        long rem = Math.floorMod(s, DAY_SECONDS);
        if (rem == 0 && t.getNano() == 0) {
            return t;
        }
        return Instant.ofEpochSecond(s - rem + DAY_SECONDS);
    }

    /** When an Expiration rule (Days or Date) expires this current version; empty when it does not apply. */
    public static Optional<Instant> currentExpiry(Rule rule, VersionRecord current) {
        var e = rule.expiration();
        if (!rule.enabled() || e == null || current.deleteMarker() || !rule.filter().matchesKey(current.key())
                || !rule.filter().matchesSize(current.size())) {
            return Optional.empty();
        }
        if (e.days() != null) {
            return Optional.of(after(current.lastModified(), e.days()));
        }
        return Optional.ofNullable(e.date());
    }

    /** The rule that expires this current version first, and when. */
    public static Optional<Scheduled> first(LifecycleConfiguration config, VersionRecord current) {
        Scheduled best = null;
        for (Rule r : config.rules()) {
            Optional<Instant> at = currentExpiry(r, current);
            if (at.isPresent() && (best == null || at.get().isBefore(best.at()))) {
                best = new Scheduled(r, at.get());
            }
        }
        return Optional.ofNullable(best);
    }

    /** A current version's expiration by one rule. */
    public record Scheduled(Rule rule, Instant at) {

        /** The {@code x-amz-expiration} header's value: {@code expiry-date="...", rule-id="..."}. */
        public String header() {
            return "expiry-date=\"" + HttpDates.rfc1123(at) + "\", rule-id=\""
                    + URLEncoder.encode(rule.id(), StandardCharsets.UTF_8).replace("+", "%20") + "\"";
        }
    }
}
