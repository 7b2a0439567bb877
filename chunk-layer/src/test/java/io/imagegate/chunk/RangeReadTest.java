package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RangeReadTest {

    @TempDir
    Path dir;

    private Fixture f;

    @AfterEach
    void close() throws IOException {
        if (f != null) {
            f.close();
        }
    }

    private ManifestRoot warmObject(RepositoryConfig config, byte[] data) throws IOException {
        f = new Fixture(dir, config);
        ManifestRoot root = f.write(data);
        f.read(root, 0, 1); // loads the pages
        f.store.drain();
        return root;
    }

    private ChunkRef chunk(ManifestRoot root, int index) throws IOException {
        try (var chunks = f.repo.chunks(root, (long) index * CHUNK)) {
            return chunks.findFirst().orElseThrow().ref();
        }
    }

    /** Edges read in part, never whole: the shape of reads when partial chunks are trusted. */
    private static RepositoryConfig trustingEdges() {
        return RepositoryConfig.defaults().withVerifyPartialChunks(false);
    }

    @Test
    void rangeSpanningTwoChunksReadsOnlyThoseChunksInOneRead() throws IOException {
        byte[] data = Fixture.random(1, 30 * CHUNK);
        ManifestRoot root = warmObject(trustingEdges(), data);
        assertArrayEquals(Arrays.copyOfRange(data, 7 * CHUNK + 100, 8 * CHUNK + 100), f.read(root, 7 * CHUNK + 100, CHUNK));
        ChunkRef seventh = chunk(root, 7);
        ChunkRef eighth = chunk(root, 8);
        assertTrue(seventh.adjoins(eighth));
        // the wanted bytes of both chunks, plus the entry header read through between them
        assertEquals(List.of(new Fixture.CountingStore.Read(seventh.pack(), seventh.offset() + 100, CHUNK + 40)),
                f.store.drain());
    }

    @Test
    void verifyingPartialChunksReadsTheEdgeChunksWhole() throws IOException {
        byte[] data = Fixture.random(1, 30 * CHUNK);
        ManifestRoot root = warmObject(RepositoryConfig.defaults().withVerifyPartialChunks(true), data);
        assertArrayEquals(Arrays.copyOfRange(data, 7 * CHUNK + 100, 8 * CHUNK + 100), f.read(root, 7 * CHUNK + 100, CHUNK));
        ChunkRef seventh = chunk(root, 7);
        ChunkRef eighth = chunk(root, 8);
        assertEquals(List.of(new Fixture.CountingStore.Read(seventh.pack(), seventh.offset(),
                (int) (eighth.offset() + eighth.length() - seventh.offset()))), f.store.drain());
    }

    @Test
    void anEdgeChunkIsReadWholeAndCheckedOnceThenOnlyItsPartWhileRemembered() throws IOException {
        byte[] data = Fixture.random(5, 10 * CHUNK);
        ManifestRoot root = warmObject(RepositoryConfig.defaults(), data);
        ChunkRef third = chunk(root, 3);
        f.read(root, 3 * CHUNK + 10, 20);
        assertEquals(List.of(new Fixture.CountingStore.Read(third.pack(), third.offset(), CHUNK)), f.store.drain());
        assertArrayEquals(Arrays.copyOfRange(data, 3 * CHUNK + 50, 3 * CHUNK + 70), f.read(root, 3 * CHUNK + 50, 20));
        assertEquals(List.of(new Fixture.CountingStore.Read(third.pack(), third.offset() + 50, 20)), f.store.drain());
    }

    @Test
    void withoutMemoryEveryEdgeReadIsCheckedAgain() throws IOException {
        byte[] data = Fixture.random(6, 10 * CHUNK);
        ManifestRoot root = warmObject(RepositoryConfig.defaults().withVerifiedMemorySeconds(0), data);
        ChunkRef third = chunk(root, 3);
        for (int i = 0; i < 2; i++) {
            f.read(root, 3 * CHUNK + 10, 20);
            assertEquals(List.of(new Fixture.CountingStore.Read(third.pack(), third.offset(), CHUNK)), f.store.drain());
        }
    }

    @Test
    void rangeInsideOneChunkReadsOnlyItsBytesUnlessEdgesAreVerified() throws IOException {
        byte[] data = Fixture.random(2, 10 * CHUNK);
        ManifestRoot root = warmObject(trustingEdges(), data);
        ChunkRef third = chunk(root, 3);
        f.read(root, 3 * CHUNK + 10, 20);
        assertEquals(List.of(new Fixture.CountingStore.Read(third.pack(), third.offset() + 10, 20)), f.store.drain());
        DefaultChunkRepository strict = f.sharingStore(RepositoryConfig.defaults());
        strict.read(root, 3 * CHUNK + 10, 20, new ByteArrayOutputStream());
        List<Fixture.CountingStore.Read> reads = f.store.drain();
        assertEquals(new Fixture.CountingStore.Read(third.pack(), third.offset(), CHUNK), reads.get(reads.size() - 1));
    }

    @Test
    void withoutVerificationOnlyTheRequestedBytesAreRead() throws IOException {
        byte[] data = Fixture.random(3, 10 * CHUNK);
        ManifestRoot root = warmObject(RepositoryConfig.defaults().withVerifyOnRead(false), data);
        assertArrayEquals(Arrays.copyOfRange(data, 3 * CHUNK + 10, 4 * CHUNK + 30), f.read(root, 3 * CHUNK + 10, CHUNK + 20));
        ChunkRef third = chunk(root, 3);
        // CHUNK + 20 object bytes plus the 40-byte entry header read through between the two chunks
        assertEquals(List.of(new Fixture.CountingStore.Read(third.pack(), third.offset() + 10, CHUNK + 20 + 40)),
                f.store.drain());
    }

    @Test
    void longRangesAreReadInRunsCappedAtTheMaximumReadSize() throws IOException {
        byte[] data = Fixture.random(4, 64 * CHUNK);
        ManifestRoot root = warmObject(RepositoryConfig.defaults().withMaxReadBytes(64 * 1024), data);
        assertArrayEquals(data, f.readAll(root));
        List<Fixture.CountingStore.Read> reads = f.store.drain();
        assertTrue(reads.stream().allMatch(r -> r.length() <= 64 * 1024), reads.toString());
        assertTrue(reads.size() >= 5 && reads.size() <= 6, "256 KiB plus headers in 64 KiB runs: " + reads.size());
    }

    @Test
    void secondReadOfAnObjectReadsNoManifestPages() throws IOException {
        byte[] data = Fixture.random(5, 100 * CHUNK);
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(4));
        ManifestRoot root = f.write(data);
        f.read(root, 50 * CHUNK, 10);
        int cold = f.store.drain().size();
        f.read(root, 50 * CHUNK, 10);
        assertEquals(1, f.store.drain().size());
        assertTrue(cold > 3, "a depth-" + root.depth() + " tree needs its pages the first time");
    }

    @Test
    void pageCacheStaysWithinItsBound() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(4).withPageCacheBytes(2000));
        byte[] data = Fixture.random(6, 200 * CHUNK);
        ManifestRoot root = f.write(data);
        assertArrayEquals(data, f.readAll(root));
        for (int i = 0; i < 200; i += 7) {
            f.read(root, (long) i * CHUNK, 1);
        }
        assertTrue(f.repo.cachedPageBytes() <= 2000 + 400, "cached " + f.repo.cachedPageBytes());
    }

    @Test
    void chunksFromTwoPacksAreNotCoalesced() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withMaxPackBytes(64 * 1024));
        byte[] data = Fixture.random(7, 40 * CHUNK);
        ManifestRoot root = f.write(data);
        f.readAll(root);
        f.store.drain();
        assertArrayEquals(data, f.readAll(root));
        List<Fixture.CountingStore.Read> reads = f.store.drain();
        long packsWithChunks = 0;
        for (ChunkStore.PackInfo p : f.packs()) {
            if (PackReader.readIndex(f.local, p).stream().anyMatch(e -> e.type() == PackReader.EntryType.CHUNK)) {
                packsWithChunks++;
            }
        }
        assertTrue(packsWithChunks > 1, "the object spans several packs");
        assertEquals(packsWithChunks, reads.stream().map(Fixture.CountingStore.Read::pack).distinct().count());
        assertEquals(reads.size(), reads.stream().map(Fixture.CountingStore.Read::pack).distinct().count());
    }

    @Test
    void aWholeReadGoesThroughThePagesStoredAmongTheChunksInOneRead() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(4));
        byte[] data = Fixture.random(8, 40 * CHUNK);
        ManifestRoot root = f.write(data);
        f.readAll(root);
        f.store.drain();
        assertArrayEquals(data, f.readAll(root));
        // ten leaf pages (and the inner pages above them) lie between the chunks, read through and dropped
        assertEquals(1, f.store.drain().size());
    }

    @Test
    void readWritesIntoTheGivenStreamOnly() throws IOException {
        byte[] data = Fixture.random(8, 3 * CHUNK);
        f = new Fixture(dir);
        ManifestRoot root = f.write(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(42);
        f.repo.read(root, 1, 2, out);
        assertArrayEquals(new byte[] {42, data[1], data[2]}, out.toByteArray());
    }
}
