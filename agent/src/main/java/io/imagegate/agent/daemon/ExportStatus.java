package io.imagegate.agent.daemon;

/** One export as {@code status} shows it. */
public record ExportStatus(String name, String url, String object, String versionId, String mode, long size,
                           boolean readOnly, int connections, long guestReadBytes, long guestWriteBytes,
                           long fetchedBytes, long fetchRequests, long fetchedChunks, long cacheHits,
                           long sharedFetches, long readAheadChunks, long fetchRetries, long fetchFailures,
                           long hashMismatches, long dirtyBytes, long prefetchDone, long prefetchTotal,
                           String profile, String snapshot, long snapshots, String lastSnapshotVersion,
                           String lastError) {}
