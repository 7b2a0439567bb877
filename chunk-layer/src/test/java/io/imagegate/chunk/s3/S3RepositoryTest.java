package io.imagegate.chunk.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.BackendUnavailableException;
import io.imagegate.chunk.CachingChunkStore;
import io.imagegate.chunk.ChunkCacheConfig;
import io.imagegate.chunk.ChunkRef;
import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.CorruptChunkException;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.chunk.PackId;
import io.imagegate.chunk.PackNotFoundException;
import io.imagegate.chunk.s3.S3TestServer.Op;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** The chunk layer end to end over a real S3 server: objects in, ranges out, packs as S3 objects. */
class S3RepositoryTest {

    private static final int CHUNK = 4096;

    @TempDir
    static Path serverDir;

    private static S3TestServer server;
    private static S3Client raw;

    private S3ChunkStore s3;
    private MetricsChunkStore metrics;
    private DefaultChunkRepository repo;
    private S3StoreConfig config;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.start(serverDir);
        raw = server.client();
    }

    @AfterAll
    static void stopServer() throws Exception {
        raw.close();
        server.close();
    }

    @BeforeEach
    void open(TestInfo test) throws IOException {
        server.blobs.reset();
        config = server.config("repo/" + test.getTestMethod().orElseThrow().getName() + "/");
        s3 = S3ChunkStore.open(config);
        metrics = new MetricsChunkStore(s3);
        repo = new DefaultChunkRepository(metrics);
    }

    @AfterEach
    void close() throws IOException {
        repo.close();
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ManifestRoot write(DefaultChunkRepository r, byte[] data) throws IOException {
        try (ObjectWriter w = r.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            return w.finish();
        }
    }

    private static byte[] read(DefaultChunkRepository r, ManifestRoot root, long offset, long length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.read(root, offset, length, out);
        return out.toByteArray();
    }

    @Test
    void objectsRoundTripAndRangesReadBack() throws IOException {
        byte[] a = random(1, 50 * CHUNK + 17);
        byte[] b = new byte[30 * CHUNK]; // zeros: no stored chunk at all
        System.arraycopy(random(2, 3000), 0, b, 10 * CHUNK, 3000);
        ManifestRoot ra = write(repo, a);
        ManifestRoot rb = write(repo, b);
        assertArrayEquals(a, read(repo, ra, 0, a.length));
        assertArrayEquals(b, read(repo, rb, 0, b.length));
        Random rnd = new Random(3);
        for (int i = 0; i < 20; i++) {
            int off = rnd.nextInt(a.length);
            int len = rnd.nextInt(a.length - off) + 1;
            assertArrayEquals(Arrays.copyOfRange(a, off, off + len), read(repo, ra, off, len));
        }
        try (DefaultChunkRepository fresh = new DefaultChunkRepository(S3ChunkStore.open(config))) {
            assertArrayEquals(a, read(fresh, ra, 0, a.length), "another gateway reads what this one wrote");
        }
    }

    @Test
    void concatAndSliceWorkOverS3() throws IOException {
        byte[] a = random(4, 10 * CHUNK + 5);
        byte[] b = random(5, 7 * CHUNK);
        ManifestRoot ra = write(repo, a);
        ManifestRoot rb = write(repo, b);
        ManifestRoot both = repo.concat(List.of(ra, rb));
        byte[] expected = new byte[a.length + b.length];
        System.arraycopy(a, 0, expected, 0, a.length);
        System.arraycopy(b, 0, expected, a.length, b.length);
        assertArrayEquals(expected, read(repo, both, 0, expected.length));
        assertEquals(2, repo.partCount(both).orElseThrow());
        ManifestRoot slice = repo.slice(both, CHUNK + 100, 9 * CHUNK);
        assertArrayEquals(Arrays.copyOfRange(expected, CHUNK + 100, 10 * CHUNK + 100), read(repo, slice, 0, slice.size()));
    }

    @Test
    void adjacentChunksAreReadWithOneRangeGet() throws IOException {
        byte[] data = random(6, 64 * CHUNK);
        ManifestRoot root = write(repo, data);
        read(repo, root, 0, 1); // loads the manifest pages
        server.blobs.getRanges.clear();
        long gets = s3.requests().gets();
        long storeReads = metrics.stats().reads();
        assertArrayEquals(Arrays.copyOfRange(data, 8 * CHUNK, 24 * CHUNK), read(repo, root, 8 * CHUNK, 16 * CHUNK));
        assertEquals(1, metrics.stats().reads() - storeReads, "one read call reached the store");
        assertEquals(1, s3.requests().gets() - gets, "16 adjacent chunks, one GET: " + server.blobs.getRanges);
        ChunkRef first = chunk(root, 8);
        long end = chunk(root, 23).offset() + CHUNK - 1;
        assertEquals(List.of("bytes=" + first.offset() + "-" + end), server.blobs.getRanges);
        System.out.printf("coalescing: 16 chunks read with %d range GET(s); %d requests saved%n",
                s3.requests().gets() - gets, 16 - (s3.requests().gets() - gets));
    }

    @Test
    void largePackGoesUpAsAMultipartUploadAndReadsBack() throws IOException {
        repo.close();
        s3 = S3ChunkStore.open(config.withPartSize(5 * 1024 * 1024).withUploadParallelism(2));
        repo = new DefaultChunkRepository(s3);
        byte[] data = random(7, 12 * 1024 * 1024);
        ManifestRoot root = write(repo, data);
        assertTrue(s3.requests().parts() >= 3, "a 12 MiB pack in 5 MiB parts: " + s3.requests());
        assertArrayEquals(data, read(repo, root, 0, data.length));
        assertArrayEquals(Arrays.copyOfRange(data, 5_000_000, 5_300_000), read(repo, root, 5_000_000, 300_000));
    }

    @Test
    void corruptBytesInTheBackendAreDetectedAndNeverServed() throws IOException {
        byte[] data = random(8, 10 * CHUNK);
        ManifestRoot root = write(repo, data);
        ChunkRef bad = chunk(root, 4);
        flipStoredByte(bad.pack(), bad.offset() + 100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CorruptChunkException e = assertThrows(CorruptChunkException.class, () -> repo.read(root, 2 * CHUNK, 5 * CHUNK, out));
        assertEquals(0, out.size());
        assertEquals(bad.pack(), e.pack());
        assertEquals(bad.offset(), e.offset());
        assertArrayEquals(Arrays.copyOfRange(data, 0, 4 * CHUNK), read(repo, root, 0, 4 * CHUNK));
    }

    @Test
    void corruptBytesAreNotServedThroughTheCacheEither() throws Exception {
        byte[] data = random(9, 10 * CHUNK);
        ManifestRoot root = write(repo, data);
        ChunkRef bad = chunk(root, 4);
        flipStoredByte(bad.pack(), bad.offset() + 100);
        CachingChunkStore cache = new CachingChunkStore(S3ChunkStore.open(config), ChunkCacheConfig.defaults());
        try (DefaultChunkRepository cached = new DefaultChunkRepository(cache)) {
            for (int i = 0; i < 2; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThrows(CorruptChunkException.class, () -> cached.read(root, 3 * CHUNK, 3 * CHUNK, out));
                assertEquals(0, out.size());
            }
            // the cache kept no copy of the bad bytes: every attempt went back to S3
            assertTrue(cache.stats().invalidated() >= 2, cache.stats().toString());
            assertEquals(0, cache.stats().hits(), cache.stats().toString());
        }
    }

    @Test
    void backendOutageSurfacesAsUnavailableWithNothingWritten() throws IOException {
        byte[] data = random(10, 10 * CHUNK);
        ManifestRoot root = write(repo, data);
        read(repo, root, 0, 1);
        server.blobs.fail(Op.GET, 100, 503);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(BackendUnavailableException.class, () -> repo.read(root, 0, data.length, out));
        assertEquals(0, out.size());
        server.blobs.reset();
        server.blobs.fail(Op.PUT, 100, 503);
        assertThrows(BackendUnavailableException.class, () -> write(repo, random(11, 3 * CHUNK)));
    }

    @Test
    void collectorSeesEveryPackAndDeletedPacksAreGone() throws IOException {
        ManifestRoot root = write(repo, random(12, 20 * CHUNK));
        Set<PackId> reachable = new HashSet<>();
        repo.walk(root, p -> reachable.add(p.pack()), c -> reachable.add(c.pack()));
        Set<PackId> listed;
        try (Stream<ChunkStore.PackInfo> s = s3.list()) {
            listed = s.map(ChunkStore.PackInfo::id).collect(Collectors.toSet());
        }
        assertEquals(listed, reachable);
        for (PackId p : listed) {
            s3.delete(p);
        }
        try (DefaultChunkRepository fresh = new DefaultChunkRepository(S3ChunkStore.open(config))) {
            assertThrows(PackNotFoundException.class, () -> read(fresh, root, 0, 1));
        }
        assertEquals(listed.size(), metrics.stats().packsWritten());
    }

    private ChunkRef chunk(ManifestRoot root, int index) throws IOException {
        try (var chunks = repo.chunks(root, (long) index * CHUNK)) {
            return chunks.findFirst().orElseThrow().ref();
        }
    }

    /** Rewrites a pack object in the bucket with one byte flipped: a backend that returns bad bytes. */
    private void flipStoredByte(PackId pack, long offset) {
        String key = s3.key(pack);
        ResponseBytes<GetObjectResponse> bytes = raw.getObjectAsBytes(r -> r.bucket(S3TestServer.BUCKET).key(key));
        byte[] b = bytes.asByteArray();
        b[(int) offset] ^= 0x01;
        raw.putObject(r -> r.bucket(S3TestServer.BUCKET).key(key), RequestBody.fromBytes(b));
    }

}
