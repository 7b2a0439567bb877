package io.imagegate.agent.daemon;

/**
 * One export as {@code status} shows it. {@code hydrate} is null when the export is not being
 * hydrated, else waiting, hydrating, done or stopped, with the bytes of the version's data in the
 * node cache, of all its data, and the seconds left at the current pace (-1: not known yet).
 */
public record ExportStatus(String name, String url, String object, String versionId, String mode, long size,
                           boolean readOnly, int connections, long guestReadBytes, long guestWriteBytes,
                           long fetchedBytes, long fetchRequests, long fetchedChunks, long cacheHits,
                           long sharedFetches, long readAheadChunks, long fetchRetries, long fetchFailures,
                           long hashMismatches, long dirtyBytes, long prefetchDone, long prefetchTotal,
                           String profile, String snapshot, long snapshots, String lastSnapshotVersion,
                           String lastError, String hydrate, long hydratedBytes, long hydrateTotalBytes,
                           long hydrateRate, long hydrateEtaSeconds) {}
