package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptionTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir);
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    private void flipByte(PackId pack, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(f.local.packPath(pack), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x40));
            b.rewind();
            ch.write(b, offset);
        }
    }

    private ChunkRef chunk(ManifestRoot root, int index) throws IOException {
        try (var chunks = f.repo.chunks(root, (long) index * CHUNK)) {
            return chunks.findFirst().orElseThrow().ref();
        }
    }

    @Test
    void flippedByteInAChunkIsDetectedAndItsBytesAreNotServed() throws IOException {
        byte[] data = Fixture.random(1, 10 * CHUNK);
        ManifestRoot root = f.write(data);
        ChunkRef bad = chunk(root, 4);
        flipByte(bad.pack(), bad.offset() + 17);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CorruptChunkException e = assertThrows(CorruptChunkException.class,
                () -> f.repo.read(root, 4 * CHUNK, CHUNK, out));
        assertEquals(0, out.size());
        assertEquals(bad.pack(), e.pack());
        assertEquals(bad.offset(), e.offset());
        assertThrows(CorruptChunkException.class, () -> f.readAll(root));
        // the chunks around it are still served
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, 4 * CHUNK), f.read(root, 0, 4 * CHUNK));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 5 * CHUNK, 10 * CHUNK), f.read(root, 5 * CHUNK, 5 * CHUNK));
    }

    @Test
    void corruptChunkReadInPartIsDetectedWhenPartialChunksAreVerified() throws IOException {
        ManifestRoot root = f.write(Fixture.random(1, 10 * CHUNK));
        ChunkRef bad = chunk(root, 4);
        flipByte(bad.pack(), bad.offset() + 17);
        DefaultChunkRepository strict = f.sharingStore(RepositoryConfig.defaults().withVerifyPartialChunks(true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(CorruptChunkException.class, () -> strict.read(root, 4 * CHUNK + 100, 10, out));
        assertEquals(0, out.size());
    }

    @Test
    void withVerificationOffCorruptBytesAreServedAsStored() throws IOException {
        byte[] data = Fixture.random(1, 3 * CHUNK);
        ManifestRoot root = f.write(data);
        ChunkRef bad = chunk(root, 1);
        flipByte(bad.pack(), bad.offset());
        DefaultChunkRepository trusting = f.sharingStore(RepositoryConfig.defaults().withVerifyOnRead(false));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        trusting.read(root, CHUNK, CHUNK, out);
        assertEquals(data[CHUNK] ^ 0x40, out.toByteArray()[0]);
    }

    @Test
    void corruptChunkInTheMiddleOfACoalescedRunStopsTheRunBeforeAnyOfItIsWritten() throws IOException {
        byte[] data = Fixture.random(2, 10 * CHUNK);
        ManifestRoot root = f.write(data);
        ChunkRef bad = chunk(root, 6);
        flipByte(bad.pack(), bad.offset());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(CorruptChunkException.class, () -> f.repo.read(root, 2 * CHUNK, 6 * CHUNK, out));
        assertEquals(0, out.size());
    }

    @Test
    void corruptManifestPageIsDetected() throws IOException {
        ManifestRoot root = f.write(Fixture.random(3, 10 * CHUNK));
        flipByte(root.top().pack(), root.top().offset() + 40);
        DefaultChunkRepository fresh = f.sharingStore(RepositoryConfig.defaults()); // with an empty page cache
        assertThrows(CorruptChunkException.class, () -> fresh.read(root, 0, 1, new ByteArrayOutputStream()));
        assertThrows(CorruptChunkException.class, () -> fresh.walk(root, p -> { }, c -> { }));
    }

    @Test
    void sliceRefusesToCopyACorruptEdgeChunk() throws IOException {
        ManifestRoot root = f.write(Fixture.random(4, 10 * CHUNK));
        ChunkRef bad = chunk(root, 2);
        flipByte(bad.pack(), bad.offset() + 5);
        assertThrows(CorruptChunkException.class, () -> f.repo.slice(root, 2 * CHUNK + 1, CHUNK));
    }

    @Test
    void readOfACollectedPackNamesThePack() throws IOException {
        ManifestRoot root = f.write(Fixture.random(5, 3 * CHUNK));
        f.readAll(root);
        for (ChunkStore.PackInfo p : f.packs()) {
            f.local.delete(p.id());
        }
        try (DefaultChunkRepository fresh = new DefaultChunkRepository(LocalChunkStore.open(dir))) {
            PackNotFoundException e = assertThrows(PackNotFoundException.class,
                    () -> fresh.read(root, 0, 1, new ByteArrayOutputStream()));
            assertEquals(root.top().pack(), e.pack());
        }
    }

    @Test
    void damagedFooterIsReportedAndTheScanStillRecoversTheEntries() throws IOException {
        ManifestRoot root = f.write(Fixture.random(6, 5 * CHUNK));
        ChunkStore.PackInfo pack = f.packs().get(0);
        List<PackReader.PackEntry> index = PackReader.readIndex(f.local, pack);
        flipByte(pack.id(), pack.size() - PackFormat.TRAILER_BYTES - 3);
        assertThrows(CorruptPackException.class, () -> PackReader.readIndex(f.local, pack));
        assertEquals(index, PackReader.scan(f.local, pack));
        assertArrayEquals(f.readAll(root), f.readAll(root));
    }

    @Test
    void scanStopsAtTheFirstDamagedEntry() throws IOException {
        f.write(Fixture.random(7, 5 * CHUNK));
        ChunkStore.PackInfo pack = f.packs().get(0);
        List<PackReader.PackEntry> index = PackReader.readIndex(f.local, pack);
        flipByte(pack.id(), index.get(2).offset() + 1);
        assertEquals(index.subList(0, 2), PackReader.scan(f.local, pack));
    }

    @Test
    void truncatedPackIsNotMistakenForAPack() throws IOException {
        f.write(Fixture.random(8, 2 * CHUNK));
        ChunkStore.PackInfo pack = f.packs().get(0);
        try (FileChannel ch = FileChannel.open(f.local.packPath(pack.id()), StandardOpenOption.WRITE)) {
            ch.truncate(pack.size() - 10);
        }
        ChunkStore.PackInfo truncated = f.packs().get(0);
        assertThrows(CorruptPackException.class, () -> PackReader.readIndex(f.local, truncated));
        assertEquals(Files.size(f.local.packPath(pack.id())), truncated.size());
    }
}
