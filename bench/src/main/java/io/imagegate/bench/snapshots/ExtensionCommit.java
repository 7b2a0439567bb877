package io.imagegate.bench.snapshots;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A snapshot through imagegate's commit extension, as the node agent's ExtensionCommitter makes
 * it: hash every changed chunk of the bucket's grid (the base's bytes with the guest's writes
 * over them), ask which of them the store lacks ({@code ?missing-chunks}), then send those in one
 * {@code ?commit} whose body is produced while it streams (chunks are rebuilt, not held).
 */
final class ExtensionCommit {

    private ExtensionCommit() {}

    static Outcome run(S3Session s3, Target t, int grid) {
        long t0 = System.nanoTime();
        SnapshotImage image = t.image();
        BitSet changed = t.writes().changedChunks(grid);
        List<S3Session.CommitChunk> chunks = new ArrayList<>(changed.cardinality());
        MessageDigest sha = sha256();
        byte[] buf = new byte[grid];
        HexFormat hex = HexFormat.of();
        for (int c = changed.nextSetBit(0); c >= 0; c = changed.nextSetBit(c + 1)) {
            long offset = (long) c * grid;
            int length = (int) Math.min(grid, image.size() - offset);
            image.read(offset, buf, 0, length);
            sha.update(buf, 0, length);
            chunks.add(new S3Session.CommitChunk(offset, length, hex.formatHex(sha.digest()), false));
        }
        Set<String> missing = s3.missing(t.bucket(), t.key(), t.baseVersion(),
                chunks.stream().map(S3Session.CommitChunk::hash).toList());
        List<S3Session.CommitChunk> marked = chunks.stream()
                .map(c -> new S3Session.CommitChunk(c.offset(), c.length(), c.hash(), missing.contains(c.hash())))
                .toList();
        JsonNode r = s3.commit(t.bucket(), t.key(), t.baseVersion(), image.size(), marked,
                c -> image.bytes(c.offset(), c.length()));
        return new Outcome(t.snapshot(), r.path("versionId").asText(null), System.nanoTime() - t0,
                r.path("uploadedBytes").asLong(), 0, 1, r.path("storedBytes").asLong(-1),
                r.path("pagesWritten").asLong(-1), r.path("pagesReused").asLong(-1));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
