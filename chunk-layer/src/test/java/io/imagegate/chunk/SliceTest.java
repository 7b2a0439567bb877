package io.imagegate.chunk;

import static io.imagegate.chunk.Fixture.CHUNK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SliceTest {

    @TempDir
    Path dir;

    private Fixture f;

    @BeforeEach
    void open() throws IOException {
        f = new Fixture(dir, RepositoryConfig.defaults().withPageEntries(8));
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    private Set<ChunkRef> refs(ManifestRoot root) throws IOException {
        Set<ChunkRef> refs = new HashSet<>();
        f.repo.walk(root, p -> { }, refs::add);
        return refs;
    }

    @Test
    void sliceWithPartialEdgesSharesEveryWholeChunkAndStoresOnlyTheEdges() throws IOException {
        byte[] data = Fixture.random(1, 30 * CHUNK);
        ManifestRoot root = f.write(data);
        long storedBefore = f.storedChunkBytes();
        long off = 3 * CHUNK + 100;
        long len = 10 * CHUNK;
        ManifestRoot slice = f.repo.slice(root, off, len);
        assertArrayEquals(Arrays.copyOfRange(data, (int) off, (int) (off + len)), f.readAll(slice));
        Set<ChunkRef> shared = refs(slice);
        shared.retainAll(refs(root));
        assertEquals(9, shared.size(), "chunks 4..12 are covered whole");
        assertEquals(storedBefore + CHUNK - 100 + 100, f.storedChunkBytes(), "only the two edges are new");
        assertEquals(CHUNK, slice.chunkSize());
    }

    @Test
    void sliceOnChunkBoundariesWritesNoChunkData() throws IOException {
        byte[] data = Fixture.random(2, 30 * CHUNK);
        ManifestRoot root = f.write(data);
        long storedBefore = f.storedChunkBytes();
        ManifestRoot slice = f.repo.slice(root, 4 * CHUNK, 20 * CHUNK);
        assertEquals(storedBefore, f.storedChunkBytes());
        assertArrayEquals(Arrays.copyOfRange(data, 4 * CHUNK, 24 * CHUNK), f.readAll(slice));
    }

    @Test
    void sliceInsideOneChunkIsASingleChunkObject() throws IOException {
        byte[] data = Fixture.random(3, 5 * CHUNK);
        ManifestRoot root = f.write(data);
        ManifestRoot slice = f.repo.slice(root, 2 * CHUNK + 10, 50);
        assertEquals(0, slice.depth());
        assertArrayEquals(Arrays.copyOfRange(data, 2 * CHUNK + 10, 2 * CHUNK + 60), f.readAll(slice));
    }

    @Test
    void sliceOfTheWholeObjectIsTheObject() throws IOException {
        ManifestRoot root = f.write(Fixture.random(4, 5 * CHUNK));
        assertSame(root, f.repo.slice(root, 0, root.size()));
    }

    @Test
    void emptySliceIsAnEmptyObject() throws IOException {
        ManifestRoot root = f.write(Fixture.random(4, 5 * CHUNK));
        assertEquals(ManifestRoot.empty(CHUNK), f.repo.slice(root, 7, 0));
    }

    @Test
    void sliceBeyondTheEndIsRefused() throws IOException {
        ManifestRoot root = f.write(Fixture.random(4, 5 * CHUNK));
        assertThrows(IndexOutOfBoundsException.class, () -> f.repo.slice(root, 1, root.size()));
    }

    @Test
    void sliceOfAConcatAcrossPartBoundariesReadsBack() throws IOException {
        List<ManifestRoot> parts = new ArrayList<>();
        byte[] whole = new byte[0];
        for (int i = 0; i < 5; i++) {
            byte[] part = Fixture.random(10 + i, 2 * CHUNK + 333 * i + 1);
            parts.add(f.write(part));
            byte[] grown = Arrays.copyOf(whole, whole.length + part.length);
            System.arraycopy(part, 0, grown, whole.length, part.length);
            whole = grown;
        }
        ManifestRoot concat = f.repo.concat(parts);
        ManifestRoot slice = f.repo.slice(concat, CHUNK + 5, whole.length - CHUNK - 50);
        assertArrayEquals(Arrays.copyOfRange(whole, CHUNK + 5, whole.length - 45), f.readAll(slice));
        ManifestRoot copy = f.repo.concat(List.of(slice, f.repo.slice(concat, 0, 10)));
        assertTrue(copy.size() > 0);
    }

    @Test
    void sliceEdgeThatIsAllZeroBecomesAZeroReference() throws IOException {
        byte[] data = Fixture.random(5, 4 * CHUNK);
        Arrays.fill(data, CHUNK, CHUNK + 200, (byte) 0);
        ManifestRoot root = f.write(data);
        long storedBefore = f.storedChunkBytes();
        ManifestRoot slice = f.repo.slice(root, CHUNK, 200);
        assertTrue(slice.top().isZero());
        assertEquals(storedBefore, f.storedChunkBytes());
        assertArrayEquals(new byte[200], f.readAll(slice));
    }
}
