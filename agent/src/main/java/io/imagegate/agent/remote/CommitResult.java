package io.imagegate.agent.remote;

/** What the commit extension answered: the new version and what it cost. */
public record CommitResult(String versionId, String etag, long size, long uploadedChunks, long uploadedBytes,
                           long reusedChunks) {}
