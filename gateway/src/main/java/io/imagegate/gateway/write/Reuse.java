package io.imagegate.gateway.write;

import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.VersionRecord;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What stored references a write is about to reuse, handed to {@link WritePath#open}: it pins
 * their roots first, and only then checks that what they came from still exists.
 */
public sealed interface Reuse {

    /** Nothing stored: the write stores only new chunks, or composes references it checks itself ({@link GuardedWrite#compose}). */
    static Reuse nothing() {
        return new Nothing();
    }

    /**
     * The current version of {@code key} in the write's bucket, to deduplicate against (PutObject,
     * UploadPart): an optimisation, so when there is none, or it went away before it was pinned, the
     * write deduplicates against nothing.
     */
    static Reuse currentOf(String key) {
        return new CurrentOf(Objects.requireNonNull(key, "key"));
    }

    /**
     * {@code version} of {@code bucket}, whose references the write takes over (a copy, a part copy, a
     * commit's base): when it is gone once pinned, {@link WritePath#open} throws what {@code gone} gives.
     */
    static Reuse source(BucketRecord bucket, VersionRecord version, Supplier<? extends RuntimeException> gone) {
        if (version.manifest() == null) {
            throw new IllegalArgumentException("a delete marker holds no references to reuse");
        }
        return new Source(bucket, version, gone);
    }

    /** See {@link #nothing()}. */
    record Nothing() implements Reuse {}

    /** See {@link #currentOf(String)}. */
    record CurrentOf(String key) implements Reuse {}

    /** See {@link #source}. */
    record Source(BucketRecord bucket, VersionRecord version, Supplier<? extends RuntimeException> gone)
            implements Reuse {}
}
