package io.imagegate.gateway.write;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.WriteLease;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where every write of the gateway that stores or reuses chunks begins: PutObject, CopyObject,
 * UploadPart, UploadPartCopy, CompleteMultipartUpload and the commit extension each
 * {@link #open} one {@link GuardedWrite}, the only holder of the chunk layer's writers and of the
 * metadata store's publishing under a lease. The chunk layer and the metadata store know nothing of
 * each other (docs/DESIGN.md); the protocol that makes their combination safe against the garbage
 * collector lives here, between them.
 */
public final class WritePath {

    private final MetadataStore meta;
    private final ChunkRepository chunks;

    public WritePath(MetadataStore meta, ChunkRepository chunks) {
        this.meta = Objects.requireNonNull(meta, "meta");
        this.chunks = Objects.requireNonNull(chunks, "chunks");
    }

    /**
     * Steps 1 and 2 of the protocol: pins the roots of what the write reuses, then checks (reading
     * after the pin) that what they came from still exists with the same manifest. A dedup base that
     * is gone is dropped; a source that is gone is its {@code gone} error. The write is then open
     * for writing into {@code bucket}, as the caller read (and authorized) it.
     */
    public GuardedWrite open(BucketRecord bucket, Reuse reuse) {
        Objects.requireNonNull(bucket, "bucket");
        return switch (reuse) {
            case Reuse.Nothing n -> new GuardedWrite(meta, chunks, bucket, meta.openLease(List.of()), null,
                    DedupIndex.NONE);
            case Reuse.CurrentOf c -> {
                Optional<VersionRecord> current = meta.current(bucket.name(), c.key())
                        .filter(v -> !v.deleteMarker() && v.manifest() != null);
                WriteLease lease = meta.openLease(current.map(VersionRecord::manifest).stream().toList());
                yield opened(lease, () -> {
                    boolean live = current.isPresent() && lease.stillLive(bucket.name(), current.get());
                    DedupIndex dedup = live ? chunks.dedupIndex(List.of(ManifestRoot.decode(current.get().manifest())))
                            : DedupIndex.NONE;
                    return new GuardedWrite(meta, chunks, bucket, lease, null, dedup);
                });
            }
            case Reuse.Source s -> {
                WriteLease lease = meta.openLease(List.of(s.version().manifest()));
                yield opened(lease, () -> {
                    if (!lease.stillLive(s.bucket().name(), s.version())) {
                        throw s.gone().get(); // deleted between being read and being pinned: a lost race
                    }
                    return new GuardedWrite(meta, chunks, bucket, lease, s.version(), DedupIndex.NONE);
                });
            }
        };
    }

    /** The write {@code open} makes under {@code lease}; the lease is released if that fails. */
    private static GuardedWrite opened(WriteLease lease, java.util.function.Supplier<GuardedWrite> open) {
        try {
            return open.get();
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }
}
