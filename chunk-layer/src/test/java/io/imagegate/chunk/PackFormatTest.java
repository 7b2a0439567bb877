package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackFormatTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(4));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    @Test
    void footerListsEveryChunkAndPageTheManifestReferences() throws IOException {
        ManifestRoot root = f.write(Fixture.random(1, 20 * CHUNK + 5));
        ChunkStore.PackInfo pack = f.packs().get(0);
        Set<ChunkRef> inFooter = new HashSet<>();
        int pages = 0;
        for (PackReader.PackEntry e : PackReader.readIndex(f.local, pack)) {
            inFooter.add(e.ref(pack.id()));
            pages += e.type() == PackReader.EntryType.MANIFEST_PAGE ? 1 : 0;
        }
        Set<ChunkRef> reachable = new HashSet<>();
        List<ChunkRef> pageRefs = new ArrayList<>();
        f.repo.walk(root, p -> {
            reachable.add(p);
            pageRefs.add(p);
        }, reachable::add);
        assertEquals(reachable, inFooter);
        assertEquals(pageRefs.size(), pages);
        assertEquals(21 + 6 + 2 + 1, inFooter.size(), "21 chunks, 6 leaves, 2 inner pages, 1 top");
    }

    @Test
    void packFileIsFramedByMagicAndEachEntryHeaderPrecedesItsBytes() throws IOException {
        byte[] data = Fixture.random(2, CHUNK + 1);
        f.write(data);
        byte[] file = Files.readAllBytes(f.local.packPath(f.packs().get(0).id()));
        assertEquals("imgpack1", new String(file, 0, 8, StandardCharsets.US_ASCII));
        assertEquals("imgpend1", new String(file, file.length - 8, 8, StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.wrap(file);
        assertEquals(PackReader.EntryType.CHUNK.code(), b.get(8));
        assertEquals(CHUNK, b.getInt(12));
        b.position(16);
        assertEquals(ChunkHash.sha256(data, 0, CHUNK), ChunkHash.read(b));
        assertArrayEquals(java.util.Arrays.copyOf(data, CHUNK), java.util.Arrays.copyOfRange(file, 48, 48 + CHUNK));
        long footerLength = b.getLong(file.length - 16);
        int count = b.getInt(file.length - 24);
        assertEquals(count * 48L + 24, footerLength);
    }

    @Test
    void chunkRefOffsetPointsAtTheDataBytes() throws IOException {
        byte[] data = Fixture.random(3, 3 * CHUNK);
        ManifestRoot root = f.write(data);
        try (var chunks = f.repo.chunks(root, 0)) {
            for (ChunkRepository.ChunkAt c : chunks.toList()) {
                ByteBuffer dst = ByteBuffer.allocate(c.ref().length());
                f.local.read(c.ref().pack(), c.ref().offset(), dst);
                assertEquals(c.ref().hash(), ChunkHash.sha256(dst.array(), 0, dst.capacity()));
            }
        }
    }

    @Test
    void manifestPagesParseBackFromTheirBytes() throws IOException {
        ManifestRoot root = f.write(Fixture.random(4, 9 * CHUNK));
        List<ChunkRef> pages = new ArrayList<>();
        f.repo.walk(root, pages::add, c -> { });
        for (ChunkRef p : pages) {
            ByteBuffer dst = ByteBuffer.allocate(p.length());
            f.local.read(p.pack(), p.offset(), dst);
            ManifestPage page = ManifestPage.parse(dst.array());
            assertTrue(page.kind == ManifestPage.LEAF || page.kind == ManifestPage.INNER);
            assertEquals(ManifestPage.HEADER_BYTES + page.count * (page.kind == ManifestPage.LEAF ? 60 : 68), p.length());
        }
    }

    @Test
    void mangledPageBytesParseOrFailAsCorruptNeverOtherwise() throws IOException {
        ManifestRoot root = f.repo.concat(List.of(f.write(Fixture.random(6, 9 * CHUNK)), f.write(new byte[0])));
        ByteBuffer top = ByteBuffer.allocate(root.top().length());
        f.local.read(root.top().pack(), root.top().offset(), top);
        java.util.Random r = new java.util.Random(6);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = top.array().clone();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            byte[] mangled = r.nextInt(8) == 0 ? java.util.Arrays.copyOf(b, r.nextInt(b.length)) : b;
            try {
                ManifestPage.parse(mangled);
            } catch (CorruptChunkException expected) {
                // the only permitted failure
            }
        }
    }

    @Test
    void fileOfRandomBytesIsNotAPack() throws IOException {
        PackId id = PackId.generate(java.time.Instant.now());
        try (ChunkStore.PackOutput out = f.local.create(id)) {
            out.write(ByteBuffer.wrap(Fixture.random(1, 5000)));
            out.seal();
        }
        ChunkStore.PackInfo info = new ChunkStore.PackInfo(id, 5000);
        org.junit.jupiter.api.Assertions.assertThrows(CorruptPackException.class, () -> PackReader.readIndex(f.local, info));
        org.junit.jupiter.api.Assertions.assertThrows(CorruptPackException.class, () -> PackReader.scan(f.local, info));
    }

    @Test
    void streamOfChunksStartsAtTheChunkHoldingTheOffset() throws IOException {
        ManifestRoot root = f.write(Fixture.random(5, 20 * CHUNK + 9));
        try (var chunks = f.repo.chunks(root, 7 * CHUNK + 3)) {
            List<ChunkRepository.ChunkAt> list = chunks.toList();
            assertEquals(14, list.size());
            for (int i = 0; i < list.size(); i++) {
                assertEquals((7L + i) * CHUNK, list.get(i).offset());
            }
            assertEquals(9, list.get(13).ref().length());
        }
        try (var none = f.repo.chunks(root, root.size())) {
            assertEquals(0, none.count());
        }
    }

    @Test
    void walkReportsEachDistinctPageOnceAndSkipsZeroChunks() throws IOException {
        byte[] data = new byte[40 * CHUNK];
        data[0] = 1;
        ManifestRoot root = f.write(data);
        List<ChunkRef> pages = new ArrayList<>();
        List<ChunkRef> chunks = new ArrayList<>();
        f.repo.walk(root, pages::add, chunks::add);
        assertEquals(1, chunks.size());
        assertEquals(pages.size(), new HashSet<>(pages).size());
        // 10 leaves, but 9 of them are identical pages of zero references: stored and reported once
        assertEquals(2 + 3 + 1, pages.size());
    }
}
