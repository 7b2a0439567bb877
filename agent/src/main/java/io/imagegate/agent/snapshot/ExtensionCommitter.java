package io.imagegate.agent.snapshot;

import io.imagegate.agent.cache.CacheKey;
import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.image.LayeredDisk;
import io.imagegate.agent.remote.CommitChunk;
import io.imagegate.agent.remote.CommitResult;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.Manifest;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots through imagegate's commit extension: hash every changed grid chunk, ask which ones the
 * store lacks ({@code ?missing-chunks}), send only those ({@code ?commit}). The changed chunks go
 * into the node cache under their hashes, so the new version reads them locally.
 */
public final class ExtensionCommitter implements Committer {

    private static final Logger log = LoggerFactory.getLogger(ExtensionCommitter.class);

    private final ExtensionClient extensions;
    private final NodeCache cache;
    private final int parallel;

    public ExtensionCommitter(ExtensionClient extensions, NodeCache cache, int parallel) {
        this.extensions = extensions;
        this.cache = cache;
        this.parallel = parallel;
    }

    @Override
    public Committed commit(LayeredDisk.Frozen frozen) throws IOException {
        ImageVersion.Chunked base = (ImageVersion.Chunked) frozen.base().version();
        int grid = base.gridSize();
        long size = base.size();
        BitSet changed = frozen.changedChunks(grid);
        if (changed.isEmpty()) {
            return new Committed(base, "unchanged", 0, 0, 0);
        }
        List<Integer> indexes = changed.stream().boxed().toList();
        List<CommitChunk> chunks = ChunkedReads.map(indexes, parallel, c -> {
            long offset = (long) c * grid;
            byte[] bytes = read(frozen, offset, (int) Math.min(grid, size - offset));
            ChunkHash hash = ChunkHash.sha256(bytes, 0, bytes.length);
            if (!allZero(bytes)) {
                cache.put(CacheKey.content(hash), bytes);
            }
            return new CommitChunk(offset, bytes.length, hash, false);
        });
        Set<ChunkHash> missing = extensions.missing(base.ref(), chunks.stream().map(CommitChunk::hash).toList());
        List<CommitChunk> marked = new ArrayList<>(chunks.size());
        for (CommitChunk c : chunks) {
            marked.add(c.withUpload(missing.contains(c.hash())));
        }
        CommitResult r = extensions.commit(base.ref(), size, marked, c -> bytes(frozen, c));
        log.info("snapshot committed object={} base={} version={} changedChunks={} uploadedChunks={} uploadedBytes={}",
                base.ref().withVersion(null), base.ref().versionId(), r.versionId(), chunks.size(), r.uploadedChunks(),
                r.uploadedBytes());
        ObjectRef next = base.ref().withVersion(r.versionId());
        Manifest m = extensions.manifest(next);
        return new Committed(new ImageVersion.Chunked(next.withVersion(m.versionId() != null ? m.versionId()
                : r.versionId()), m), "commit", chunks.size(), r.uploadedBytes(), 0);
    }

    /** The bytes of an uploaded chunk: from the cache where hashing left them, else read again and checked. */
    private byte[] bytes(LayeredDisk.Frozen frozen, CommitChunk c) throws IOException {
        var cached = cache.get(CacheKey.content(c.hash()));
        if (cached.isPresent()) {
            return cached.get();
        }
        byte[] b = read(frozen, c.offset(), c.length());
        if (!ChunkHash.sha256(b, 0, b.length).equals(c.hash())) {
            throw new IOException("frozen layer changed under a snapshot at offset " + c.offset());
        }
        return b;
    }

    static byte[] read(LayeredDisk.Frozen frozen, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        frozen.read(offset, b);
        return b.array();
    }

    static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
