package io.imagegate.agent.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imagegate.agent.Images;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.remote.ObjectHead;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.Retries;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The layered disk against a model (a byte array): random writes, zeroes and trims of any size and
 * alignment, snapshots freezing layers in between, reads across every layer, and a reopen from disk.
 */
class LayeredDiskTest {

    private static final int SIZE = 3 * 1024 * 1024 + 1234;
    private static S3ProxyFixture store;
    private static S3Client client;
    private static byte[] image;
    private static ObjectHead head;

    @BeforeAll
    static void upload() throws Exception {
        store = S3ProxyFixture.inMemory();
        client = store.client();
        Images.bucket(client, "layers", false);
        image = Images.disk(SIZE, 21);
        Images.put(client, "layers", "disk.raw", image);
        var h = client.headObject(b -> b.bucket("layers").key("disk.raw"));
        head = new ObjectHead(h.versionId(), h.eTag(), h.contentLength(), h.contentType());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        store.close();
    }

    private static byte[] read(LayeredDisk d, long off, int len) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(len);
        d.read(off, b);
        return b.array();
    }

    @Test
    void randomWritesZeroesAndSnapshotsMatchTheModel(@TempDir Path dir) throws Exception {
        try (S3Access s3 = new S3Access(new S3Endpoint(store.endpoint(), "us-east-1", S3ProxyFixture.ACCESS_KEY,
                S3ProxyFixture.SECRET_KEY, null), 8, Duration.ofSeconds(20));
             NodeCache cache = NodeCache.open(dir.resolve("cache"), 1 << 30)) {
            ExportStats stats = new ExportStats();
            FetchLimits limits = new FetchLimits(4, 1 << 20, 0, Retries.defaults());
            ImageVersion v = new ImageVersion.Plain("s", new ObjectRef("layers", "disk.raw", null), head.etag(), SIZE,
                    65536);
            BaseImage base = new BaseImage(v, s3, cache, limits, stats);
            List<OverlayLayer> all = new ArrayList<>();
            OverlayLayer first = OverlayLayer.create(dir, 0, SIZE);
            all.add(first);
            LayeredDisk disk = new LayeredDisk(base, first, List.of(), false, stats);
            byte[] model = image.clone();
            Random r = new Random(42);
            for (int step = 0; step < 400; step++) {
                int kind = r.nextInt(10);
                long off = r.nextInt(SIZE);
                int len = 1 + r.nextInt(Math.min(SIZE - (int) off, r.nextBoolean() ? 700 : 70000));
                if (kind < 6) {
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    disk.write(off, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, model, (int) off, len);
                } else if (kind < 8) {
                    if (kind == 6) {
                        disk.writeZeroes(off, len);
                    } else {
                        disk.trim(off, len);
                    }
                    java.util.Arrays.fill(model, (int) off, (int) off + len, (byte) 0);
                } else if (kind == 8 && step % 50 == 8) {
                    OverlayLayer next = OverlayLayer.create(dir, all.size(), SIZE);
                    all.add(next);
                    disk.freeze(next);
                } else {
                    assertArrayEquals(java.util.Arrays.copyOfRange(model, (int) off, (int) off + len),
                            read(disk, off, len), "step " + step);
                }
            }
            assertArrayEquals(model, read(disk, 0, SIZE));
            // what the frozen layers hold over the base, as a snapshot would commit it
            disk.flush();
            int frozenCount = disk.frozen().size();
            assertEquals(all.size() - 1, frozenCount);

            // reopen every layer from its files: the same bytes
            for (OverlayLayer l : all) {
                l.close();
            }
            List<OverlayLayer> reopened = new ArrayList<>();
            for (int g = 0; g < all.size(); g++) {
                reopened.add(OverlayLayer.open(dir, g, SIZE));
            }
            List<OverlayLayer> frozen = new ArrayList<>(reopened.subList(0, reopened.size() - 1));
            java.util.Collections.reverse(frozen);
            LayeredDisk again = new LayeredDisk(base, reopened.getLast(), frozen, false, stats);
            assertArrayEquals(model, read(again, 0, SIZE));
            for (OverlayLayer l : reopened) {
                l.close();
            }
        }
    }

    @Test
    void aFrozenViewIgnoresLaterWritesAndNamesTheChangedChunks(@TempDir Path dir) throws Exception {
        try (S3Access s3 = new S3Access(new S3Endpoint(store.endpoint(), "us-east-1", S3ProxyFixture.ACCESS_KEY,
                S3ProxyFixture.SECRET_KEY, null), 8, Duration.ofSeconds(20));
             NodeCache cache = NodeCache.open(dir.resolve("cache"), 1 << 30)) {
            ExportStats stats = new ExportStats();
            ImageVersion v = new ImageVersion.Plain("s", new ObjectRef("layers", "disk.raw", null), head.etag(), SIZE,
                    65536);
            BaseImage base = new BaseImage(v, s3, cache, new FetchLimits(4, 1 << 20, 0, Retries.defaults()), stats);
            OverlayLayer l0 = OverlayLayer.create(dir, 0, SIZE);
            LayeredDisk disk = new LayeredDisk(base, l0, List.of(), false, stats);
            disk.write(70000, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            disk.writeZeroes(65536 * 10, 65536 * 2);
            OverlayLayer l1 = OverlayLayer.create(dir, 1, SIZE);
            LayeredDisk.Frozen frozen = disk.freeze(l1);
            disk.write(0, ByteBuffer.wrap(new byte[] {9}));
            assertEquals(java.util.Set.of(1, 10, 11), frozen.changedChunks(65536).stream().boxed()
                    .collect(java.util.stream.Collectors.toSet()));
            ByteBuffer b = ByteBuffer.allocate(1);
            frozen.read(0, b);
            assertEquals(image[0], b.get(0), "the later write is not in the frozen view");
            assertEquals(9, read(disk, 0, 1)[0]);
            assertEquals(4096, disk.dirtyBytes() - l0.dirtyBytes());
            l0.close();
            l1.close();
        }
    }
}
