package io.imagegate.agent.daemon;

/**
 * What {@code snapshot} reports: the new version id (when the commit is done), how it was made,
 * and its cost. {@code state} is "started" for a snapshot that goes on in the background.
 */
public record SnapshotResult(String export, String state, String versionId, String etag, String method,
                             long changedChunks, long uploadedBytes, long copiedBytes) {}
