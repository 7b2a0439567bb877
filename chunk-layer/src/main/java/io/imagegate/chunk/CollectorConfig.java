package io.imagegate.chunk;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link GarbageCollector}; {@link #defaults()} holds every default in one place.
 *
 * @param grace            packs younger than this (by the time in their id) are never touched:
 *                         writes that pin nothing still have this long to publish what they wrote
 * @param rewriteThreshold a pack whose live data is below this fraction of its data is rewritten
 *                         (its live entries copied into a new pack, then it is deleted); 0 never
 *                         rewrites, 1 rewrites every pack holding any dead entry
 * @param maxPackBytes     size limit of the packs rewrites write
 * @param hook             called before every step that changes the store; tests throw from it
 *                         to stop a collection at that point, as a crash would
 */
public record CollectorConfig(Duration grace, double rewriteThreshold, long maxPackBytes, SweepHook hook) {

    public CollectorConfig {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(hook, "hook");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        if (!(rewriteThreshold >= 0 && rewriteThreshold <= 1)) {
            throw new IllegalArgumentException("rewriteThreshold must be in 0..1: " + rewriteThreshold);
        }
        if (maxPackBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxPackBytes below 64 KiB: " + maxPackBytes);
        }
    }

    public static CollectorConfig defaults() {
        return new CollectorConfig(Duration.ofHours(1), 0.5, 64 * RepositoryConfig.MiB, SweepHook.NONE);
    }

    public CollectorConfig withGrace(Duration value) {
        return new CollectorConfig(value, rewriteThreshold, maxPackBytes, hook);
    }

    public CollectorConfig withRewriteThreshold(double value) {
        return new CollectorConfig(grace, value, maxPackBytes, hook);
    }

    public CollectorConfig withMaxPackBytes(long value) {
        return new CollectorConfig(grace, rewriteThreshold, value, hook);
    }

    public CollectorConfig withHook(SweepHook value) {
        return new CollectorConfig(grace, rewriteThreshold, maxPackBytes, value);
    }

    /** The steps of a sweep that change the store, in the order they happen for one pack. */
    public enum Step {
        /** Deleting a pack no live reference reaches. */
        DELETE_PACK,
        /** Sealing a new pack holding live entries copied from packs being rewritten. */
        SEAL_REWRITE,
        /** Writing the redirect record of a rewritten pack (its new pack is sealed). */
        WRITE_REDIRECT,
        /** Deleting a rewritten pack (its redirect is written). */
        DELETE_REWRITTEN,
        /** Deleting a redirect record no live reference needs. */
        DELETE_REDIRECT
    }

    /** Sees each step before it is taken. */
    @FunctionalInterface
    public interface SweepHook {
        SweepHook NONE = (step, pack) -> { };

        void before(Step step, PackId pack) throws IOException;
    }
}
