package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcatTest {

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

    private record Parts(List<ManifestRoot> roots, byte[] whole, long[] offsets) {}

    private Parts writeParts(int... sizes) throws IOException {
        List<ManifestRoot> roots = new ArrayList<>();
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        long[] offsets = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            byte[] part = Fixture.random(100 + i, sizes[i]);
            offsets[i] = whole.size();
            whole.write(part);
            roots.add(f.write(part));
        }
        return new Parts(roots, whole.toByteArray(), offsets);
    }

    @Test
    void concatOfPartsOfOddSizesReadsAsTheirConcatenation() throws IOException {
        Parts p = writeParts(5 * CHUNK + 17, 3, CHUNK, 20 * CHUNK - 1, 2 * CHUNK + 1);
        ManifestRoot root = f.repo.concat(p.roots());
        assertEquals(p.whole().length, root.size());
        assertArrayEquals(p.whole(), f.readAll(root));
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            int off = r.nextInt(p.whole().length);
            int len = r.nextInt(p.whole().length - off + 1);
            assertArrayEquals(Arrays.copyOfRange(p.whole(), off, off + len), f.read(root, off, len));
        }
    }

    @Test
    void partRangeFindsEachPart() throws IOException {
        int[] sizes = {5 * CHUNK + 17, 3, CHUNK, 20 * CHUNK - 1, 2 * CHUNK + 1};
        Parts p = writeParts(sizes);
        ManifestRoot root = f.repo.concat(p.roots());
        for (int n = 1; n <= sizes.length; n++) {
            assertEquals(Optional.of(new ChunkRepository.ByteRange(p.offsets()[n - 1], sizes[n - 1])),
                    f.repo.partRange(root, n));
        }
        assertEquals(OptionalInt.of(sizes.length), f.repo.partCount(root));
    }

    @Test
    void partRangeIsEmptyOutOfRangeOrForObjectsThatAreNoConcat() throws IOException {
        Parts p = writeParts(CHUNK, CHUNK);
        ManifestRoot root = f.repo.concat(p.roots());
        assertEquals(Optional.empty(), f.repo.partRange(root, 0));
        assertEquals(Optional.empty(), f.repo.partRange(root, 3));
        ManifestRoot plain = f.write(Fixture.random(1, 10 * CHUNK));
        assertEquals(Optional.empty(), f.repo.partRange(plain, 1));
        assertEquals(Optional.empty(), f.repo.partRange(p.roots().get(0), 1));
        assertEquals(Optional.empty(), f.repo.partRange(ManifestRoot.empty(CHUNK), 1));
        assertEquals(OptionalInt.empty(), f.repo.partCount(plain));
    }

    @Test
    void singlePartConcatStillKnowsItsPart() throws IOException {
        Parts p = writeParts(3 * CHUNK + 5);
        ManifestRoot root = f.repo.concat(p.roots());
        assertEquals(Optional.of(new ChunkRepository.ByteRange(0, 3 * CHUNK + 5)), f.repo.partRange(root, 1));
        assertArrayEquals(p.whole(), f.readAll(root));
    }

    @Test
    void emptyAndSingleChunkPartsWork() throws IOException {
        Parts p = writeParts(0, 100, 0, CHUNK, 0);
        ManifestRoot root = f.repo.concat(p.roots());
        assertEquals(0, p.roots().get(1).depth());
        assertArrayEquals(p.whole(), f.readAll(root));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(0, 0)), f.repo.partRange(root, 1));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(0, 100)), f.repo.partRange(root, 2));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(100, 0)), f.repo.partRange(root, 3));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(100 + CHUNK, 0)), f.repo.partRange(root, 5));
    }

    @Test
    void concatOfOnlyEmptyPartsIsAnEmptyObjectWithParts() throws IOException {
        ManifestRoot root = f.repo.concat(List.of(ManifestRoot.empty(CHUNK), ManifestRoot.empty(CHUNK)));
        assertEquals(0, root.size());
        assertArrayEquals(new byte[0], f.readAll(root));
        assertEquals(OptionalInt.of(2), f.repo.partCount(root));
        assertEquals(ManifestRoot.decode(root.encode()), root);
    }

    @Test
    void manyPartsBuildATreeOfPartsPagesThatPartRangeDescends() throws IOException {
        int count = 150; // 4 entries a page: three levels of parts pages
        List<ManifestRoot> roots = new ArrayList<>();
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        long[] offsets = new long[count];
        for (int i = 0; i < count; i++) {
            byte[] part = Fixture.random(i, 1 + (i * 977) % (3 * CHUNK));
            offsets[i] = whole.size();
            whole.write(part);
            roots.add(f.write(part));
        }
        ManifestRoot root = f.repo.concat(roots);
        assertTrue(root.depth() >= 4, "depth " + root.depth());
        for (int n = 1; n <= count; n++) {
            long len = (n < count ? offsets[n] : whole.size()) - offsets[n - 1];
            assertEquals(Optional.of(new ChunkRepository.ByteRange(offsets[n - 1], len)), f.repo.partRange(root, n));
        }
        assertEquals(OptionalInt.of(count), f.repo.partCount(root));
        assertArrayEquals(whole.toByteArray(), f.readAll(root));
    }

    @Test
    void tenThousandPartsAreSupported() throws IOException {
        f.close();
        f = new Fixture(dir); // default page size
        ManifestRoot part = f.write(Fixture.random(1, 10));
        ManifestRoot root = f.repo.concat(java.util.Collections.nCopies(10_000, part));
        assertEquals(100_000, root.size());
        assertEquals(Optional.of(new ChunkRepository.ByteRange(99_990, 10)), f.repo.partRange(root, 10_000));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(51_230, 10)), f.repo.partRange(root, 5_124));
    }

    @Test
    void concatWritesOnlyPagesAndReadsNoData() throws IOException {
        Parts p = writeParts(10 * CHUNK, 7 * CHUNK + 3);
        List<ChunkStore.PackInfo> before = f.packs();
        f.store.drain();
        ManifestRoot root = f.repo.concat(p.roots());
        assertTrue(f.store.drain().isEmpty(), "concat reads nothing");
        List<ChunkStore.PackInfo> added = new ArrayList<>(f.packs());
        added.removeAll(before);
        assertEquals(1, added.size());
        for (PackReader.PackEntry e : PackReader.readIndex(f.local, added.get(0))) {
            assertEquals(PackReader.EntryType.MANIFEST_PAGE, e.type());
        }
        assertArrayEquals(p.whole(), f.readAll(root));
    }

    @Test
    void concatOfConcatsKeepsTheOuterPartsBoundaries() throws IOException {
        Parts a = writeParts(CHUNK + 1, 2);
        Parts b = writeParts(3 * CHUNK);
        ManifestRoot inner = f.repo.concat(a.roots());
        ManifestRoot outer = f.repo.concat(List.of(inner, b.roots().get(0)));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(0, CHUNK + 3)), f.repo.partRange(outer, 1));
        assertEquals(Optional.of(new ChunkRepository.ByteRange(CHUNK + 3, 3 * CHUNK)), f.repo.partRange(outer, 2));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a.whole());
        expected.write(b.whole());
        assertArrayEquals(expected.toByteArray(), f.readAll(outer));
    }

    @Test
    void concatOfNothingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> f.repo.concat(List.of()));
    }
}
