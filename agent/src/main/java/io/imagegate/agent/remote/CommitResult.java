package io.imagegate.agent.remote;

/**
 * What the commit extension answered: the new version and what it cost. {@code storedBytes},
 * {@code pagesWritten} and {@code pagesReused} are -1 when the gateway did not say (docs/API.md).
 */
public record CommitResult(String versionId, String etag, long size, long uploadedChunks, long uploadedBytes,
                           long reusedChunks, long storedBytes, long pagesWritten, long pagesReused) {}
