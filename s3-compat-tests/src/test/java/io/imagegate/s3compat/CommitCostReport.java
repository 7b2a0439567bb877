package io.imagegate.s3compat;

import static io.imagegate.s3compat.ExtensionCalls.Chunk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imagegate.chunk.ChunkStoreStats;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * What a commit of 1% of a 1 GiB image costs: bytes the client sends, bytes the store adds, pages
 * written, for writes clustered like a guest's and for scattered single chunks. Printed, not
 * asserted (beyond reading back right); runs only with IMAGEGATE_BENCH=1, since it writes 1 GiB.
 */
class CommitCostReport {

    static final long IMAGE = 1L << 30;
    static final int CHUNK = 64 * 1024;

    @Test
    void commitOfOnePercentOfAGibibyteImage() throws Exception {
        assumeTrue("1".equals(System.getenv("IMAGEGATE_BENCH")), "set IMAGEGATE_BENCH=1 to run the commit cost report");
        try (GatewayFixture gw = GatewayFixture.start(); S3Client s3 = gw.client()) {
            ExtensionCalls ext = new ExtensionCalls(new SignedHttp(gw.endpoint()));
            String b = GatewayFixture.uniqueBucket("cost");
            s3.createBucket(r -> r.bucket(b));
            s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
            String base = s3.putObject(r -> r.bucket(b).key("disk.raw"),
                    RequestBody.fromContentProvider(() -> image(1), IMAGE, "application/octet-stream")).versionId();
            long chunks = IMAGE / CHUNK;
            int changed = (int) (chunks / 100);
            Random r = new Random(2);

            TreeSet<Long> clustered = new TreeSet<>();
            while (clustered.size() < changed) {
                long start = r.nextLong(chunks - 16);
                int run = 1 + r.nextInt(16);
                for (long c = start; c < start + run && clustered.size() < changed; c++) {
                    clustered.add(c);
                }
            }
            TreeSet<Long> scattered = new TreeSet<>();
            while (scattered.size() < changed) {
                scattered.add(r.nextLong(chunks));
            }
            TreeSet<Long> one = new TreeSet<>(List.of(chunks / 2));
            report(gw, ext, b, base, "1% in clustered runs of 1-16 chunks", clustered);
            report(gw, ext, b, base, "1% in scattered single chunks", scattered);
            report(gw, ext, b, base, "one chunk", one);
        }
    }

    private static void report(GatewayFixture gw, ExtensionCalls ext, String bucket, String base, String what,
            TreeSet<Long> chunkIndexes) throws Exception {
        List<Chunk> chunks = new ArrayList<>();
        for (long c : chunkIndexes) {
            byte[] data = new byte[CHUNK];
            new Random(c * 31 + 7).nextBytes(data);
            chunks.add(Chunk.upload(c * CHUNK, data));
        }
        byte[] body = ExtensionCalls.commitBody(IMAGE, chunks);
        ChunkStoreStats before = gw.gateway().chunkStore().stats();
        long t0 = System.nanoTime();
        SignedHttp.Response resp = ext.commitRaw(bucket, "disk.raw", base, false, body);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        ChunkStoreStats after = gw.gateway().chunkStore().stats();
        assertEquals(200, resp.status(), resp.text());
        JsonNode a = ExtensionCalls.JSON.readTree(resp.body());
        long changedBytes = (long) chunkIndexes.size() * CHUNK;
        long stored = after.bytesWritten() - before.bytesWritten();
        System.out.printf("commit to a 1 GiB image (%s): %d chunks = %d bytes changed; body sent %d bytes "
                        + "(%.3fx); store added %d bytes in %d pack(s) (%.3fx); %d pages written, %d reused; %d ms%n",
                what, chunkIndexes.size(), changedBytes, body.length, (double) body.length / changedBytes, stored,
                after.packsWritten() - before.packsWritten(), (double) stored / changedBytes,
                a.get("pagesWritten").asLong(), a.get("pagesReused").asLong(), millis);
        verifySample(gw, bucket, a.get("versionId").asText(), chunkIndexes.first());
    }

    /** The first changed chunk reads back as committed. */
    private static void verifySample(GatewayFixture gw, String bucket, String version, long chunk) throws Exception {
        try (S3Client s3 = gw.client()) {
            byte[] got = s3.getObjectAsBytes(r -> r.bucket(bucket).key("disk.raw").versionId(version)
                    .range("bytes=" + chunk * CHUNK + "-" + (chunk * CHUNK + CHUNK - 1))).asByteArray();
            byte[] want = new byte[CHUNK];
            new Random(chunk * 31 + 7).nextBytes(want);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            assertEquals(HexFormat.of().formatHex(md.digest(want)), HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(got)));
        }
    }

    /** A deterministic 1 GiB image of random bytes, produced as it is read. */
    private static InputStream image(long seed) {
        return new InputStream() {
            private final Random random = new Random(seed);
            private final byte[] block = new byte[1 << 20];
            private int at = block.length;
            private long left = IMAGE;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                if (at == block.length) {
                    random.nextBytes(block);
                    at = 0;
                }
                int n = (int) Math.min(Math.min(len, block.length - at), left);
                System.arraycopy(block, at, b, off, n);
                at += n;
                left -= n;
                return n;
            }
        };
    }
}
