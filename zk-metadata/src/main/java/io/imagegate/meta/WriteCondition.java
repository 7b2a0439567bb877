package io.imagegate.meta;

/** What must hold of a key's current version for a write to be published. */
public sealed interface WriteCondition {

    /** Always publish: last writer wins. */
    record None() implements WriteCondition {}

    /** {@code If-None-Match: *}: only if the key has no current version (or a delete marker). */
    record IfNoneMatch() implements WriteCondition {}

    /** {@code If-Match}: only if the current version's ETag is this one (unquoted). */
    record IfMatch(String etag) implements WriteCondition {}

    /** The commit extension: only if the current version is exactly this version id. */
    record IfCurrentVersion(String versionId) implements WriteCondition {}

    /**
     * Lifecycle expiration: only if the current version is still exactly the one a decision was made
     * on, by id and publication time. The time tells apart two null versions (an unversioned key
     * written again keeps the id {@code null}), so a version written after the decision is never
     * the one removed.
     */
    record IfCurrentIs(String versionId, java.time.Instant lastModified) implements WriteCondition {}

    WriteCondition NONE = new None();
}
