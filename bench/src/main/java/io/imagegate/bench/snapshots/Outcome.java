package io.imagegate.bench.snapshots;

/**
 * One snapshot made by one method: the new version, how long it took from the client's first
 * byte of work to the server's answer, and what the client sent as data: chunks or parts
 * uploaded, ranges copied server-side. The imagegate commit also reports what the server says
 * it stored and how many manifest pages it wrote and reused (-1 where a method has no such
 * answer).
 */
record Outcome(int snapshot, String versionId, long nanos, long uploadedBytes, long copiedBytes, int parts,
               long reportedStoredBytes, long pagesWritten, long pagesReused) {

    static Outcome of(int snapshot, String versionId, long nanos, long uploadedBytes, long copiedBytes, int parts) {
        return new Outcome(snapshot, versionId, nanos, uploadedBytes, copiedBytes, parts, -1, -1, -1);
    }
}
