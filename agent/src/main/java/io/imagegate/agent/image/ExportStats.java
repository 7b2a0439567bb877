package io.imagegate.agent.image;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one export, kept across snapshots; read by status and the metrics endpoint. */
public final class ExportStats {
    public final AtomicLong guestReadBytes = new AtomicLong();
    public final AtomicLong guestWriteBytes = new AtomicLong();
    public final AtomicLong fetchRequests = new AtomicLong();
    public final AtomicLong fetchedBytes = new AtomicLong();
    public final AtomicLong fetchedChunks = new AtomicLong();
    public final AtomicLong fetchRetries = new AtomicLong();
    public final AtomicLong fetchFailures = new AtomicLong();
    public final AtomicLong hashMismatches = new AtomicLong();
    public final AtomicLong cacheHits = new AtomicLong();
    public final AtomicLong sharedFetches = new AtomicLong();
    public final AtomicLong readAheadChunks = new AtomicLong();
    public final AtomicLong prefetchTotal = new AtomicLong();
    public final AtomicLong prefetchDone = new AtomicLong();
    public final AtomicLong snapshots = new AtomicLong();
}
