package io.imagegate.chunk;

import java.time.Duration;
import java.time.Instant;

/**
 * What one collection found and did (or, in a dry run, would do).
 *
 * @param started          when the marking began; packs created before {@code cutoff} were candidates
 * @param cutoff           the grace limit, moved earlier by the oldest write in flight
 * @param rootsMarked      manifest roots marked from metadata
 * @param pinnedRoots      roots marked from pins of writes in flight
 * @param pagesMarked      distinct manifest pages read while marking
 * @param packsListed      packs in the store when the collection began
 * @param packsDeleted     packs deleted whole (nothing live in them, or left over by an earlier rewrite)
 * @param packsRewritten   packs whose live entries were copied into new packs, then deleted
 * @param packsWritten     new packs the rewrites wrote
 * @param bytesFreed       bytes of the packs deleted (deleted and rewritten)
 * @param bytesCopied      bytes of the new packs (live entries copied, with their headers and footers)
 * @param redirectsWritten redirect records written for rewritten packs
 * @param redirectsDeleted redirect records no live reference needed any more
 * @param anomalies        references to missing or inconsistent data, and packs left alone because
 *                         they could not be read: each is logged; none is ever deleted
 */
public record CollectionReport(
        boolean dryRun,
        Instant started,
        Instant cutoff,
        Duration markTime,
        Duration sweepTime,
        long rootsMarked,
        long pinnedRoots,
        long pagesMarked,
        long packsListed,
        long packsDeleted,
        long packsRewritten,
        long packsWritten,
        long bytesFreed,
        long bytesCopied,
        long redirectsWritten,
        long redirectsDeleted,
        long anomalies) {

    /** Bytes the store holds less after the collection. */
    public long netBytesFreed() {
        return bytesFreed - bytesCopied;
    }

    /** One line for logs and the command line. */
    public String summary() {
        return (dryRun ? "dry run: would free " : "freed ") + netBytesFreed() + " bytes: " + packsDeleted
                + " packs deleted, " + packsRewritten + " rewritten into " + packsWritten + " (" + bytesCopied
                + " bytes copied), " + redirectsWritten + " redirects written, " + redirectsDeleted
                + " deleted; marked " + rootsMarked + " roots + " + pinnedRoots + " pinned, " + pagesMarked
                + " pages; " + packsListed + " packs listed; " + anomalies + " anomalies; mark " + markTime.toMillis()
                + " ms, sweep " + sweepTime.toMillis() + " ms";
    }
}
