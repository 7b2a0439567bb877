package io.imagegate.gateway.write;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.chunk.ChunkRef;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.ManifestEditor;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.PartRecord;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.WriteLease;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One write that stores chunks or reuses stored ones, in the one order that keeps the garbage
 * collector from sweeping what it needs (docs/FORMAT-zookeeper.md, "Garbage collection", "A
 * write, step by step"). Like Curator's {@code Locker}, it is an {@link AutoCloseable} that is
 * acquired (pinned) when made and released when closed, and operations hand it what to do instead of
 * doing the steps themselves:
 * <pre>{@code
 * try (GuardedWrite w = writes.open(bucket, Reuse.currentOf(key))) {  // 1 pin the reused roots, 2 check them
 *     ObjectWriter writer = w.newWriter(bucket.chunkSize());          // 3 packs, only after the pin
 *     ... stream the body into writer ...
 *     published = w.publish(draft(writer.finish()), condition);      // 5 check the lease, 6 publish + release
 * }                                                                  // release (if not published)
 * }</pre>
 * What it enforces, so that no write path can skip or reorder a step:
 * <ul>
 * <li>It exists only once its lease's pin is written and the sources it reuses were found live after
 *     the pin ({@link WritePath#open}); the chunk layer's writers are handed out only by it
 *     ({@link #newWriter}, {@link #slice}, {@link #edit}, {@link #compose}: operations see the chunk
 *     layer as a read-only {@code ChunkReader}), so every pack a write makes is younger than its pin.</li>
 * <li>A root composed of references read from elsewhere (a CompleteMultipartUpload's concatenation)
 *     is pinned before the caller's check that those references are still held ({@link #compose}).</li>
 * <li>Only a manifest this write wrote, composed, or verified as a source may be published or put as a
 *     part; the lease is checked right before, and the store's transaction checks the lease's owner
 *     session, releases the pin (publish and complete) and checks the bucket's incarnation: the bucket
 *     the caller authorized the write against, not one created under its name since.</li>
 * <li>It publishes (or puts a part) at most once, and writes nothing after that; closing it aborts
 *     writers left unfinished and releases the pin if the publish did not.</li>
 * </ul>
 * One thread at a time.
 */
public final class GuardedWrite implements AutoCloseable {

    private enum State { OPEN, DONE, CLOSED }

    private final MetadataStore meta;
    private final ChunkRepository chunks;
    private final BucketRecord bucket;
    private final WriteLease lease;
    private final VersionRecord source;
    private final DedupIndex dedup;
    /** Encoded roots this write may publish: what it wrote or composed, and its verified source's. */
    private final Set<String> publishable = new HashSet<>();
    private final List<AutoCloseable> unfinished = new ArrayList<>();
    private State state = State.OPEN;

    GuardedWrite(MetadataStore meta, ChunkRepository chunks, BucketRecord bucket, WriteLease lease,
            VersionRecord source, DedupIndex dedup) {
        this.meta = meta;
        this.chunks = chunks;
        this.bucket = bucket;
        this.lease = lease;
        this.source = source;
        this.dedup = dedup;
        if (source != null) {
            publishable.add(source.manifest());
        }
    }

    /** The source version this write reuses, found live after its pin; null for a write of new data. */
    public VersionRecord source() {
        return source;
    }

    /**
     * A writer of a new object cut into {@code chunkSize} chunks, deduplicated against the key's
     * current version when the write was opened with {@link Reuse#currentOf} and it was still live.
     * Its root may be published once it is finished.
     */
    public ObjectWriter newWriter(int chunkSize) {
        requireOpen();
        ObjectWriter writer = chunks.newWriter(chunkSize, dedup);
        unfinished.add(writer);
        return new ObjectWriter() {
            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                writer.write(buf, off, len);
            }

            @Override
            public ManifestRoot finish() throws IOException {
                ManifestRoot root = writer.finish();
                written(root);
                return root;
            }

            @Override
            public WriteStats stats() {
                return writer.stats();
            }

            @Override
            public void abort() {
                writer.abort();
            }

            @Override
            public void close() {
                writer.close();
            }
        };
    }

    /** Bytes {@code [offset, offset + length)} of the source as an object of its own (UploadPartCopy of a range). */
    public ManifestRoot slice(long offset, long length) throws IOException {
        requireOpen();
        ManifestRoot root = chunks.slice(sourceRoot(), offset, length);
        written(root);
        return root;
    }

    /** A new version of the source, edited chunk by chunk (the commit extension); its root may be published. */
    public ManifestEditor edit() {
        requireOpen();
        ManifestEditor editor = chunks.edit(sourceRoot());
        unfinished.add(editor);
        return new ManifestEditor() {
            @Override
            public ManifestRoot base() {
                return editor.base();
            }

            @Override
            public ChunkRef store(byte[] buf, int off, int len) throws IOException {
                return editor.store(buf, off, len);
            }

            @Override
            public void replace(long offset, ChunkRef ref) {
                editor.replace(offset, ref);
            }

            @Override
            public ManifestRoot finish(long newSize) throws IOException {
                ManifestRoot root = editor.finish(newSize);
                written(root);
                return root;
            }

            @Override
            public EditStats stats() {
                return editor.stats();
            }

            @Override
            public void abort() {
                editor.abort();
            }

            @Override
            public void close() {
                editor.close();
            }
        };
    }

    /**
     * Concatenates {@code parts} (CompleteMultipartUpload), whose references this write did not pin:
     * the composed root is written, then pinned (step 4), and only then {@code stillHeld} is run, which
     * must throw unless every part is still held with the manifest it was concatenated from. The
     * composed root may then be published.
     */
    public ManifestRoot compose(List<ManifestRoot> parts, Runnable stillHeld) throws IOException {
        requireOpen();
        ManifestRoot root = chunks.concat(parts);
        lease.protect(List.of(root.encode()));
        stillHeld.run();
        written(root);
        return root;
    }

    /**
     * Steps 5 and 6: checks the lease, then publishes {@code draft} as the key's current version if
     * {@code condition} holds, releasing the pin in the same transaction, into this write's bucket as
     * the caller read it (NoSuchBucket if it was deleted since, even if created again).
     */
    public VersionRecord publish(VersionDraft draft, WriteCondition condition) {
        requirePublishable(draft.manifest());
        lease.check();
        VersionRecord published = meta.publish(bucket, draft, condition, lease);
        state = State.DONE;
        return published;
    }

    /** {@link #publish}, and the multipart upload {@code uploadId} ends with it, in one transaction. */
    public VersionRecord complete(String uploadId, VersionDraft draft, WriteCondition condition) {
        requirePublishable(draft.manifest());
        lease.check();
        VersionRecord published = meta.completeUpload(bucket, uploadId, draft, condition, lease);
        state = State.DONE;
        return published;
    }

    /**
     * Steps 5 and 6 for a part: checks the lease, then records {@code part} of upload {@code uploadId}
     * in a transaction that fails once the session that pinned the write ended. The pin is released
     * when this write is closed (the part, once recorded, is a live root of its own).
     */
    public void putPart(String uploadId, PartRecord part) {
        requirePublishable(part.manifest());
        lease.check();
        meta.putPart(bucket, uploadId, part, lease);
        state = State.DONE;
    }

    /** Aborts writers left unfinished (their packs never become visible), then releases the pin. */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        try {
            for (AutoCloseable c : unfinished) {
                try {
                    c.close();
                } catch (Exception e) {
                    // a writer that fails to abort leaves garbage for the collector, nothing visible
                }
            }
        } finally {
            lease.close();
        }
    }

    private ManifestRoot sourceRoot() {
        if (source == null) {
            throw new IllegalStateException("this write reuses no source (open it with Reuse.source)");
        }
        return ManifestRoot.decode(source.manifest());
    }

    private void written(ManifestRoot root) {
        publishable.add(root.encode());
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("this write is " + state.name().toLowerCase() + ": nothing more may be written");
        }
    }

    private void requirePublishable(String manifest) {
        requireOpen();
        if (!publishable.contains(manifest)) {
            throw new IllegalStateException("a write publishes only what it wrote, composed or verified as its source, "
                    + "not " + manifest);
        }
    }
}
