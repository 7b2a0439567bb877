package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit write path: a new version from a base plus replaced chunks and a new size, reading
 * back as the base with the replacements, and sharing every page the replacements do not touch.
 * Pages of 8 entries make trees of several levels from small objects.
 */
class ManifestEditorTest {

    static final int FANOUT = 8;

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(FANOUT));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    /** What an edit did and what it made. */
    record Edited(ManifestRoot root, ManifestEditor.EditStats stats) {}

    /** Applies {@code changes} (offset to bytes, ascending) to {@code base} and cuts or grows it to {@code size}. */
    Edited edit(ManifestRoot base, long size, TreeMap<Long, byte[]> changes) throws IOException {
        try (ManifestEditor e = f.repo.edit(base)) {
            for (var c : changes.entrySet()) {
                e.replace(c.getKey(), e.store(c.getValue(), 0, c.getValue().length));
            }
            ManifestRoot root = e.finish(size);
            return new Edited(root, e.stats());
        }
    }

    static byte[] expected(byte[] base, long size, TreeMap<Long, byte[]> changes) {
        byte[] out = Arrays.copyOf(base, (int) size);
        changes.forEach((off, b) -> System.arraycopy(b, 0, out, (int) (long) off, b.length));
        return out;
    }

    Set<ChunkHash> pages(ManifestRoot root) throws IOException {
        Set<ChunkHash> pages = new HashSet<>();
        Consumer<ChunkRef> page = p -> pages.add(p.hash());
        f.repo.walk(root, page, c -> { });
        return pages;
    }

    static TreeMap<Long, byte[]> changes(Object... offsetAndSeed) {
        TreeMap<Long, byte[]> m = new TreeMap<>();
        for (int i = 0; i < offsetAndSeed.length; i += 2) {
            long chunk = ((Number) offsetAndSeed[i]).longValue();
            m.put(chunk * CHUNK, Fixture.random(((Number) offsetAndSeed[i + 1]).longValue(), CHUNK));
        }
        return m;
    }

    @Test
    void aReplacedChunkReadsBackInPlaceAndOnlyItIsStored() throws IOException {
        byte[] data = Fixture.random(1, 100 * CHUNK);
        ManifestRoot base = f.write(data);
        long before = f.storedChunkBytes();
        TreeMap<Long, byte[]> c = changes(37, 99);
        Edited e = edit(base, data.length, c);
        assertArrayEquals(expected(data, data.length, c), f.readAll(e.root()));
        assertEquals(1, e.stats().storedChunks());
        assertEquals(CHUNK, e.stats().storedBytes());
        assertEquals(0, e.stats().rewrittenBytes());
        assertEquals(before + CHUNK, f.storedChunkBytes());
        assertEquals(base.chunkSize(), e.root().chunkSize());
    }

    @Test
    void onlyThePagesOnThePathToAReplacedChunkAreWritten() throws IOException {
        byte[] data = Fixture.random(2, FANOUT * FANOUT * FANOUT * CHUNK); // leaves, inner pages, one top
        ManifestRoot base = f.write(data);
        assertEquals(3, base.depth());
        Edited e = edit(base, data.length, changes(200, 5));
        assertEquals(3, e.stats().pagesWritten(), "a leaf, an inner page and the top");
        assertEquals(2 * (FANOUT - 1), e.stats().pagesReused(), "siblings at each level are named as they are");
        Set<ChunkHash> fresh = pages(e.root());
        fresh.removeAll(pages(base));
        assertEquals(3, fresh.size());
        assertEquals(base.depth(), e.root().depth());
    }

    @Test
    void scatteredReplacementsCostPagesInProportionToTheirNumberNotToTheObject() throws IOException {
        int chunks = FANOUT * FANOUT * FANOUT * 2;
        byte[] data = Fixture.random(3, chunks * CHUNK);
        ManifestRoot base = f.write(data);
        TreeMap<Long, byte[]> c = changes(0, 1, 100, 2, 333, 3, 1023, 4);
        Edited e = edit(base, data.length, c);
        assertArrayEquals(expected(data, data.length, c), f.readAll(e.root()));
        int pathLength = base.depth();
        assertTrue(e.stats().pagesWritten() <= 4L * pathLength, "pages written: " + e.stats().pagesWritten());
        int basePages = pages(base).size();
        System.out.printf("editor: %d of %d chunks replaced: %d pages written, %d reused, base has %d pages%n",
                c.size(), chunks, e.stats().pagesWritten(), e.stats().pagesReused(), basePages);
    }

    @Test
    void noReplacementAndTheSameSizeNamesTheBaseTreeItself() throws IOException {
        byte[] data = Fixture.random(4, 70 * CHUNK + 5);
        ManifestRoot base = f.write(data);
        Edited e = edit(base, data.length, new TreeMap<>());
        assertEquals(base, e.root());
        assertEquals(0, e.stats().pagesWritten());
    }

    @Test
    void growingAddsZerosAndReplacementsPastTheOldEnd() throws IOException {
        byte[] data = Fixture.random(5, 10 * CHUNK + 100);
        ManifestRoot base = f.write(data);
        long storedBefore = f.storedChunkBytes();
        long size = 20L * CHUNK + 7;
        TreeMap<Long, byte[]> c = changes(15, 6);
        byte[] tail = Fixture.random(7, 7);
        c.put(20L * CHUNK, tail);
        Edited e = edit(base, size, c);
        assertArrayEquals(expected(data, size, c), f.readAll(e.root()));
        assertEquals(storedBefore + CHUNK + 7, f.storedChunkBytes(), "zeros are stored nowhere");
        List<Long> offsets = new ArrayList<>();
        try (var s = f.repo.chunks(e.root(), 0)) {
            s.forEach(ch -> offsets.add(ch.offset()));
        }
        assertTrue(offsets.contains(11L * CHUNK), "zero runs past the old end follow the chunk grid: " + offsets);
        assertTrue(offsets.contains(15L * CHUNK));
    }

    @Test
    void shrinkingCutsAtTheNewEndAndRewritesOnlyACutChunk() throws IOException {
        byte[] data = Fixture.random(8, 30 * CHUNK);
        ManifestRoot base = f.write(data);
        Edited onGrid = edit(base, 12L * CHUNK, new TreeMap<>());
        assertArrayEquals(Arrays.copyOf(data, 12 * CHUNK), f.readAll(onGrid.root()));
        assertEquals(0, onGrid.stats().rewrittenBytes());
        Edited offGrid = edit(base, 12L * CHUNK + 10, changes(3, 9));
        assertArrayEquals(expected(data, 12L * CHUNK + 10, changes(3, 9)), f.readAll(offGrid.root()));
        assertEquals(10, offGrid.stats().rewrittenBytes());
        Edited empty = edit(base, 0, new TreeMap<>());
        assertEquals(ManifestRoot.empty(CHUNK), empty.root());
    }

    @Test
    void aShortChunkMayEndTheNewVersion() throws IOException {
        byte[] data = Fixture.random(9, 5 * CHUNK);
        ManifestRoot base = f.write(data);
        TreeMap<Long, byte[]> c = new TreeMap<>();
        c.put(4L * CHUNK, Fixture.random(10, 300));
        Edited e = edit(base, 4L * CHUNK + 300, c);
        assertArrayEquals(expected(data, 4L * CHUNK + 300, c), f.readAll(e.root()));
    }

    @Test
    void singleChunkAndEmptyBasesAreEditedToo() throws IOException {
        byte[] one = Fixture.random(11, 1000);
        ManifestRoot single = f.write(one);
        assertEquals(0, single.depth());
        TreeMap<Long, byte[]> c = new TreeMap<>();
        c.put(0L, Fixture.random(12, 1000));
        Edited e = edit(single, 1000, c);
        assertEquals(0, e.root().depth());
        assertArrayEquals(c.get(0L), f.readAll(e.root()));

        ManifestRoot empty = f.write(new byte[0]);
        Edited grown = edit(empty, 3L * CHUNK, changes(1, 13));
        assertArrayEquals(expected(new byte[0], 3L * CHUNK, changes(1, 13)), f.readAll(grown.root()));
    }

    @Test
    void aMultipartBaseIsEditedAndItsWholePartsShared() throws IOException {
        byte[] data = Fixture.random(14, 4 * FANOUT * CHUNK + 3 * CHUNK);
        List<ManifestRoot> parts = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            int from = p * FANOUT * CHUNK;
            int to = Math.min(data.length, from + FANOUT * CHUNK);
            parts.add(f.write(Arrays.copyOfRange(data, from, to)));
        }
        ManifestRoot base = f.repo.concat(parts);
        TreeMap<Long, byte[]> c = changes(FANOUT + 2, 15, 4L * FANOUT + 1, 16);
        Edited e = edit(base, data.length, c);
        assertArrayEquals(expected(data, data.length, c), f.readAll(e.root()));
        assertEquals(3, e.stats().pagesReused(), "the three untouched parts' leaves");
        assertTrue(f.repo.partCount(e.root()).isEmpty(), "the new version is an object tree, not parts");
    }

    @Test
    void anEditInOnePartOfAMultipartBaseLeavesTheLaterPartsShared() throws IOException {
        // parts of 5 chunks: each part is one partial leaf, so an edited part must not shift the rest
        byte[] data = Fixture.random(40, 40 * 5 * CHUNK);
        ManifestRoot base = concatOf(data, 5 * CHUNK);
        TreeMap<Long, byte[]> c = changes(12, 41);
        Edited e = edit(base, data.length, c);
        assertArrayEquals(expected(data, data.length, c), f.readAll(e.root()));
        assertEquals(39, e.stats().pagesReused(), "every other part's leaf");
        assertTrue(e.stats().pagesWritten() <= 1 + 5 + 1 + 1, "the edited leaf and the inner pages above the 40 leaves: "
                + e.stats().pagesWritten());
        Edited again = edit(e.root(), data.length, changes(100, 42));
        assertTrue(again.stats().pagesWritten() <= 3, "the second commit edits a regular tree: " + again.stats());
    }

    @Test
    void replacementsAcrossMisalignedBaseChunksRewriteTheRemainders() throws IOException {
        byte[] data = Fixture.random(17, 40 * CHUNK);
        ManifestRoot whole = f.write(data);
        ManifestRoot base = f.repo.slice(whole, 1000, 30L * CHUNK); // chunk edges 1000 bytes off the grid
        byte[] slice = Arrays.copyOfRange(data, 1000, 1000 + 30 * CHUNK);
        TreeMap<Long, byte[]> c = changes(4, 18, 29, 19);
        Edited e = edit(base, slice.length, c);
        assertArrayEquals(expected(slice, slice.length, c), f.readAll(e.root()));
        assertTrue(e.stats().rewrittenBytes() > 0);
    }

    @Test
    void replacementsMustComeInOrderAndFitTheNewSize() throws IOException {
        ManifestRoot base = f.write(Fixture.random(20, 10 * CHUNK));
        try (ManifestEditor e = f.repo.edit(base)) {
            ChunkRef a = e.store(Fixture.random(21, CHUNK), 0, CHUNK);
            e.replace(2L * CHUNK, a);
            assertThrows(IllegalArgumentException.class, () -> e.replace(2L * CHUNK, a));
            assertThrows(IllegalArgumentException.class, () -> e.replace(CHUNK, a));
            assertThrows(IllegalArgumentException.class, () -> e.finish(2L * CHUNK + 10));
        }
    }

    @Test
    void anAbortedEditLeavesNoPack() throws IOException {
        ManifestRoot base = f.write(Fixture.random(22, 10 * CHUNK));
        int packs = f.packs().size();
        try (ManifestEditor e = f.repo.edit(base)) {
            e.replace(0, e.store(Fixture.random(23, CHUNK), 0, CHUNK));
            e.abort();
        }
        assertEquals(packs, f.packs().size());
    }

    @Test
    void storeNamesChunksByTheirHashAndKeepsZerosOut() throws IOException {
        ManifestRoot base = f.write(Fixture.random(24, CHUNK));
        try (ManifestEditor e = f.repo.edit(base)) {
            byte[] b = Fixture.random(25, CHUNK);
            ChunkRef ref = e.store(b, 0, CHUNK);
            assertEquals(ChunkHash.sha256(b, 0, CHUNK), ref.hash());
            assertEquals(ref, e.store(b, 0, CHUNK), "stored once");
            ChunkRef zero = e.store(new byte[CHUNK], 0, CHUNK);
            assertTrue(zero.isZero());
            assertEquals(ManifestEditor.zeroChunk(CHUNK), zero);
            e.finish(CHUNK);
            assertEquals(1, e.stats().storedChunks());
        }
    }

    @Test
    void randomEditsOfRandomBasesReadBackAsTheModelSays() throws IOException {
        Random r = new Random(26);
        for (int round = 0; round < 60; round++) {
            int chunks = r.nextInt(300);
            byte[] data = Fixture.random(round, chunks * CHUNK + (r.nextBoolean() ? r.nextInt(CHUNK) : 0));
            ManifestRoot base = switch (r.nextInt(3)) {
                case 0 -> f.write(data);
                case 1 -> concatOf(data, 1 + r.nextInt(CHUNK * 12));
                default -> {
                    int off = r.nextInt(CHUNK);
                    byte[] wider = new byte[data.length + off + 10];
                    System.arraycopy(data, 0, wider, off, data.length);
                    yield f.repo.slice(f.write(wider), off, data.length);
                }
            };
            long size = switch (r.nextInt(3)) {
                case 0 -> data.length;
                case 1 -> r.nextInt(data.length + 1);
                default -> data.length + r.nextInt(20 * CHUNK);
            };
            TreeMap<Long, byte[]> c = new TreeMap<>();
            long slots = (size + CHUNK - 1) / CHUNK;
            for (long s = 0; s < slots; s++) {
                if (r.nextInt(10) == 0) {
                    int len = (int) Math.min(CHUNK, size - s * CHUNK);
                    c.put(s * CHUNK, r.nextInt(5) == 0 ? new byte[len] : Fixture.random(r.nextLong(), len));
                }
            }
            Edited e = edit(base, size, c);
            assertArrayEquals(expected(data, size, c), f.readAll(e.root()), "round " + round);
            assertEquals(size, e.root().size());
        }
    }

    /** The chunks of a version in order: offset, length and hash, what a reader sees of its tree. */
    List<String> chunkList(ManifestRoot root) throws IOException {
        List<String> out = new ArrayList<>();
        try (var s = f.repo.chunks(root, 0)) {
            s.forEach(ch -> out.add(ch.offset() + "+" + ch.ref().length() + ":" + ch.ref().hash().hex()));
        }
        return out;
    }

    @Test
    void extendingToFiveTebibytesEncodesAFewPagesNotOnePerChunkRun() throws IOException {
        ManifestRoot base = f.write(Fixture.random(31, 3 * CHUNK + 10));
        long size = 5L << 40;
        byte[] last = Fixture.random(32, CHUNK);
        long pagesEncoded;
        ManifestRoot root;
        try (ManifestEditor e = f.repo.edit(base)) {
            e.replace(size - CHUNK, e.store(last, 0, last.length));
            root = e.finish(size);
            pagesEncoded = ((TreeEditor) e).pagesEncoded();
        }
        // eagerly, 5 TiB of 4 KiB zero chunks are 2^28 leaf pages of 8 entries; lazily, a few per level
        assertTrue(pagesEncoded < 1000, "pages encoded: " + pagesEncoded);
        assertEquals(size, root.size());
        assertArrayEquals(last, f.read(root, size - CHUNK, CHUNK));
        assertArrayEquals(new byte[CHUNK], f.read(root, 1L << 40, CHUNK));
        try (var s = f.repo.chunks(root, (3L << 40) + 5)) {
            var c = s.findFirst().orElseThrow();
            assertEquals(3L << 40, c.offset(), "zero runs follow the chunk grid");
            assertEquals(CHUNK, c.ref().length());
            assertTrue(c.ref().isZero());
        }
    }

    @Test
    void anExtensionBuildsTheTreeThatZerosAddedOneByOneWouldBuild() throws IOException {
        Random r = new Random(12);
        for (int round = 0; round < 40; round++) {
            byte[] data = Fixture.random(100 + round, r.nextInt(40) * CHUNK + (r.nextBoolean() ? r.nextInt(CHUNK) : 0));
            ManifestRoot base = f.write(data);
            long size = data.length + (long) r.nextInt(3000) * CHUNK + (r.nextBoolean() ? r.nextInt(CHUNK) : 0);
            TreeMap<Long, byte[]> c = new TreeMap<>();
            long firstFree = (data.length + CHUNK - 1) / CHUNK;
            for (long slot = firstFree; slot < size / CHUNK; slot++) {
                if (r.nextInt(400) == 0) {
                    c.put(slot * CHUNK, Fixture.random(r.nextLong(), CHUNK));
                }
            }
            Edited lazy = edit(base, size, c);
            // the same edit with every zero chunk of the extension given as a replacement of its own
            ManifestRoot eager;
            try (ManifestEditor e = f.repo.edit(base)) {
                long pos = data.length;
                for (var ch : c.entrySet()) {
                    pos = zerosUpTo(e, pos, ch.getKey());
                    e.replace(ch.getKey(), e.store(ch.getValue(), 0, ch.getValue().length));
                    pos = ch.getKey() + CHUNK;
                }
                zerosUpTo(e, pos, size);
                eager = e.finish(size);
            }
            assertEquals(chunkList(eager), chunkList(lazy.root()), "round " + round);
            assertEquals(eager.depth(), lazy.root().depth(), "round " + round);
            assertEquals(pages(eager).size(), pages(lazy.root()).size(), "round " + round);
            assertArrayEquals(expected(data, size, c), f.readAll(lazy.root()), "round " + round);
        }
    }

    /** Zero references from {@code pos} to {@code to}, cut on the chunk grid; returns {@code to}. */
    private static long zerosUpTo(ManifestEditor e, long pos, long to) {
        while (pos < to) {
            long cut = Math.min(to, (pos / CHUNK + 1) * CHUNK);
            e.replace(pos, ManifestEditor.zeroChunk((int) (cut - pos)));
            pos = cut;
        }
        return to;
    }

    @Test
    void aReplacementWhoseEndOverflowsIsRefused() throws IOException {
        ManifestRoot base = f.write(Fixture.random(40, CHUNK));
        try (ManifestEditor e = f.repo.edit(base)) {
            ChunkRef ref = e.store(Fixture.random(41, CHUNK), 0, CHUNK);
            assertThrows(IllegalArgumentException.class, () -> e.replace(Long.MAX_VALUE - CHUNK / 2, ref));
        }
    }

    /** {@code data} written as parts of {@code partSize} bytes (the last shorter) and concatenated. */
    private ManifestRoot concatOf(byte[] data, int partSize) throws IOException {
        List<ManifestRoot> parts = new ArrayList<>();
        for (int from = 0; from < data.length || parts.isEmpty(); from += partSize) {
            parts.add(f.write(Arrays.copyOfRange(data, from, Math.min(data.length, from + partSize))));
        }
        return f.repo.concat(parts);
    }
}
