package io.imagegate.gateway.gc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a gateway collects garbage; {@link #defaults()} holds every default in one place.
 *
 * @param interval         time between periodic collections (every gateway tries; one collects)
 * @param initialDelay     time from start-up to the first periodic collection
 * @param grace            packs younger than this are never touched (see CollectorConfig)
 * @param rewriteThreshold packs whose live fraction is below this are rewritten
 * @param periodic         false to collect only on demand ({@code imagegate gc})
 */
public record GcOptions(Duration interval, Duration initialDelay, Duration grace, double rewriteThreshold,
                        boolean periodic) {

    public GcOptions {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(grace, "grace");
        if (interval.isNegative() || interval.isZero() || initialDelay.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("gc interval must be positive, delay and grace not negative");
        }
        if (!(rewriteThreshold >= 0 && rewriteThreshold <= 1)) {
            throw new IllegalArgumentException("rewrite threshold must be in 0..1: " + rewriteThreshold);
        }
    }

    public static GcOptions defaults() {
        return new GcOptions(Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofHours(1), 0.5, true);
    }

    public GcOptions withInterval(Duration value) {
        return new GcOptions(value, initialDelay, grace, rewriteThreshold, periodic);
    }

    public GcOptions withInitialDelay(Duration value) {
        return new GcOptions(interval, value, grace, rewriteThreshold, periodic);
    }

    public GcOptions withGrace(Duration value) {
        return new GcOptions(interval, initialDelay, value, rewriteThreshold, periodic);
    }

    public GcOptions withRewriteThreshold(double value) {
        return new GcOptions(interval, initialDelay, grace, value, periodic);
    }

    public GcOptions withPeriodic(boolean value) {
        return new GcOptions(interval, initialDelay, grace, rewriteThreshold, value);
    }
}
