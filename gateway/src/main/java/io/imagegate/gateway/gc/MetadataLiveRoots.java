package io.imagegate.gateway.gc;

import io.imagegate.chunk.LiveRoots;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.meta.GcCoordination;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * The live roots of a ZooKeeper metadata store, for the chunk layer's collector: versions and
 * parts from {@link ZkMetadataStore#visitLiveRoots}, pins of writes in flight from the marking,
 * and the collector lock's state. The caller holds {@code lock} for the whole collection.
 */
final class MetadataLiveRoots implements LiveRoots {

    private final ZkMetadataStore meta;
    private final GcCoordination.CollectorLock lock;

    MetadataLiveRoots(ZkMetadataStore meta, GcCoordination.CollectorLock lock) {
        this.meta = meta;
        this.lock = lock;
    }

    @Override
    public Marking begin(boolean dryRun) throws IOException {
        GcCoordination.Marking marking = metadata(() -> lock.beginMarking(dryRun));
        return new Marking() {
            @Override
            public void visitStored(RootVisitor visitor) throws IOException {
                metadata(() -> {
                    meta.visitLiveRoots(null, r -> visit(visitor, r.manifest(), r.bucket() + "/" + r.key()));
                    return null;
                });
            }

            @Override
            public Optional<Instant> visitPinned(RootVisitor visitor) throws IOException {
                return metadata(() -> marking.visitPins(m -> visit(visitor, m, "a pin")));
            }

            @Override
            public void finish() throws IOException {
                metadata(() -> {
                    marking.finish();
                    return null;
                });
            }

            @Override
            public boolean mayProceed() {
                return marking.mayProceed();
            }

            @Override
            public void close() {
                marking.close();
            }
        };
    }

    private static void visit(RootVisitor visitor, String manifest, String where) {
        ManifestRoot root;
        try {
            root = ManifestRoot.decode(manifest);
        } catch (IllegalArgumentException e) {
            // never guess what an unreadable root references: stop before anything is deleted
            throw new IllegalStateException("unreadable manifest root in " + where + ": " + e.getMessage(), e);
        }
        try {
            visitor.visit(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a metadata call, turning its failures into IOExceptions the collector stops on. */
    private static <T> T metadata(java.util.function.Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (MetadataException e) {
            throw new IOException("metadata: " + e.getMessage(), e);
        }
    }
}
