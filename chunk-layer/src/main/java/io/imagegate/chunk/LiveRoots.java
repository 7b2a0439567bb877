package io.imagegate.chunk;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * What the {@link GarbageCollector} is told is alive. The chunk layer knows nothing of buckets or
 * ZooKeeper; the gateway implements this over its metadata store. One collection is one
 * {@link Marking}: first every root the metadata holds, then the roots writes in flight have
 * pinned, then {@link Marking#finish()}; only after that may the collector delete anything.
 */
public interface LiveRoots {

    /**
     * Starts a marking. From this moment on, writes that finish must keep their pins visible until
     * this marking has read them (see docs/FORMAT-zookeeper.md, "Garbage collection").
     *
     * @param dryRun a dry run changes nothing anywhere, not even the marking state
     */
    Marking begin(boolean dryRun) throws IOException;

    /** One collection's view of what is alive. Closing it ends the marking if it is still open. */
    interface Marking extends AutoCloseable {

        /** Every manifest root the metadata holds: versions (current and not) and parts of uploads in progress. */
        void visitStored(RootVisitor visitor) throws IOException;

        /**
         * The roots of writes in flight (their dedup bases, copy sources, and composed results),
         * read after {@link #visitStored}; returns the earliest start of any such write, before
         * which every pack it writes is younger.
         */
        Optional<Instant> visitPinned(RootVisitor visitor) throws IOException;

        /** Ends the marking phase; the collector sweeps only after this succeeded. */
        void finish() throws IOException;

        /** False once this collector may have lost its exclusive right to change the store. */
        boolean mayProceed();

        @Override
        void close();
    }

    /** Receives manifest roots. */
    @FunctionalInterface
    interface RootVisitor {
        void visit(ManifestRoot root) throws IOException;
    }
}
