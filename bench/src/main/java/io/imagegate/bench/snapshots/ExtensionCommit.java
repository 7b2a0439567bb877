package io.imagegate.bench.snapshots;

import io.imagegate.agent.remote.CommitChunk;
import io.imagegate.agent.remote.CommitResult;
import io.imagegate.chunk.ChunkHash;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * A snapshot through imagegate's commit extension, as the node agent's ExtensionCommitter makes
 * it: hash every changed chunk of the bucket's grid (the base's bytes with the guest's writes
 * over them), ask which of them the store lacks ({@code ?missing-chunks}), then send those in one
 * {@code ?commit} whose body is produced while it streams (chunks are rebuilt, not held); both
 * through the agent's own {@link io.imagegate.agent.remote.ExtensionClient}.
 */
final class ExtensionCommit {

    private ExtensionCommit() {}

    static Outcome run(S3Session s3, Target t, int grid) {
        long t0 = System.nanoTime();
        SnapshotImage image = t.image();
        BitSet changed = t.writes().changedChunks(grid);
        List<CommitChunk> chunks = new ArrayList<>(changed.cardinality());
        MessageDigest sha = sha256();
        byte[] buf = new byte[grid];
        for (int c = changed.nextSetBit(0); c >= 0; c = changed.nextSetBit(c + 1)) {
            long offset = (long) c * grid;
            int length = (int) Math.min(grid, image.size() - offset);
            image.read(offset, buf, 0, length);
            sha.update(buf, 0, length);
            chunks.add(new CommitChunk(offset, length, ChunkHash.of(sha.digest()), false));
        }
        Set<ChunkHash> missing = s3.missing(t.bucket(), t.key(), t.baseVersion(),
                chunks.stream().map(CommitChunk::hash).toList());
        List<CommitChunk> marked = chunks.stream().map(c -> c.withUpload(missing.contains(c.hash()))).toList();
        CommitResult r = s3.commit(t.bucket(), t.key(), t.baseVersion(), image.size(), marked,
                c -> image.bytes(c.offset(), c.length()));
        return new Outcome(t.snapshot(), r.versionId(), System.nanoTime() - t0, r.uploadedBytes(), 0, 1,
                r.storedBytes(), r.pagesWritten(), r.pagesReused());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
