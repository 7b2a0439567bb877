package io.imagegate.agent.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node cache on its own: naming, verification, eviction, restarts, one owner. */
class NodeCacheTest {

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static CacheKey content(byte[] b) {
        return CacheKey.content(ChunkHash.sha256(b, 0, b.length));
    }

    @Test
    void entriesSurviveARestart(@TempDir Path dir) throws IOException {
        byte[] a = bytes(65536, 1);
        CacheKey ka = content(a);
        CacheKey kr = CacheKey.range("http://s3", "b", "k", null, "\"etag\"", 65536, 7);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(ka, a);
            c.put(kr, a);
        }
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            assertEquals(2, c.stats().entries());
            assertArrayEquals(a, c.get(ka).orElseThrow());
            assertArrayEquals(a, c.get(kr).orElseThrow());
        }
    }

    @Test
    void corruptEntriesOfEitherKindAreDeletedNotServed(@TempDir Path dir) throws IOException {
        byte[] a = bytes(4096, 2);
        CacheKey ka = content(a);
        CacheKey kr = CacheKey.range("http://s3", "b", "k", "v1", "\"e\"", 4096, 0);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(ka, a);
            c.put(kr, a);
            for (CacheKey k : new CacheKey[] {ka, kr}) {
                CacheFiles.flip(c, k, a.length - 1);
                assertTrue(c.get(k).isEmpty());
                assertFalse(c.contains(k));
            }
            assertEquals(2, c.stats().corrupt());
            assertEquals(0, c.stats().entries());
        }
    }

    @Test
    void anEntryFoundAtStartIsCheckedAgainstItsHashOnItsFirstRead(@TempDir Path dir) throws IOException {
        byte[] a = bytes(65536, 5);
        CacheKey ka = content(a);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(ka, a);
        }
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            // damaged while no agent ran: no checksum of this process knows the entry, its hash does
            CacheFiles.flip(c, ka, 40000);
        }
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            assertTrue(c.contains(ka));
            assertTrue(c.read(ka, 0, java.nio.ByteBuffer.allocate(4096)) == false, "not served");
            assertEquals(1, c.stats().corrupt());
            assertFalse(c.contains(ka));
        }
    }

    @Test
    void aRecordTornByACrashIsSkippedAtTheRestart(@TempDir Path dir) throws IOException {
        byte[] a = bytes(8192, 10);
        byte[] b = bytes(8192, 11);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(content(a), a);
            c.put(content(b), b);
        }
        Path index;
        try (var files = Files.list(dir.resolve("slabs"))) {
            index = files.filter(f -> f.toString().endsWith(".index")).findFirst().orElseThrow();
        }
        try (var ch = java.nio.channels.FileChannel.open(index, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10); // the second record lost its tail
        }
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            assertEquals(1, c.stats().entries());
            assertArrayEquals(a, c.get(content(a)).orElseThrow());
            assertFalse(c.contains(content(b)));
        }
    }

    @Test
    void aCacheOfTheFirstFormatIsEmptiedNotRefused(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("chunks").resolve("ab"));
        Files.write(dir.resolve("chunks").resolve("ab").resolve("ab".repeat(32)), new byte[10]);
        Files.writeString(dir.resolve("FORMAT"), "imagegate-agent-cache 1\n");
        byte[] a = bytes(4096, 12);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            assertEquals(0, c.stats().entries());
            assertFalse(Files.exists(dir.resolve("chunks")));
            c.put(content(a), a);
            assertArrayEquals(a, c.get(content(a)).orElseThrow());
        }
        assertEquals("imagegate-agent-cache 2\n", Files.readString(dir.resolve("FORMAT")));
    }

    @Test
    void aTruncatedEntryIsCorrupt(@TempDir Path dir) throws IOException {
        byte[] a = bytes(65536, 6);
        CacheKey ka = content(a);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(ka, a);
            NodeCache.Location l = c.location(ka).orElseThrow();
            try (var ch = java.nio.channels.FileChannel.open(l.file(), java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(l.offset() + 8192);
            }
            assertTrue(c.read(ka, 60000, java.nio.ByteBuffer.allocate(100)) == false);
            assertEquals(1, c.stats().corrupt());
        }
    }

    @Test
    void readsOfAnyPartOfAnEntryReturnThoseBytes(@TempDir Path dir) throws IOException {
        byte[] a = bytes(3 * 4096 + 1000, 7);
        CacheKey ka = content(a);
        CacheKey kr = CacheKey.range("http://s3", "b", "k", null, "\"e\"", 65536, 0);
        int[][] parts = {{0, a.length}, {0, 4096}, {4096, 8192}, {8192, 4096 + 1000}, {1, 1}, {4095, 2}, {100, 9000},
                {12288, 1000}, {12289, 999}, {a.length - 1, 1}};
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            c.put(ka, a);
            c.put(kr, a);
            for (CacheKey k : new CacheKey[] {ka, kr}) {
                for (int[] p : parts) {
                    for (boolean direct : new boolean[] {false, true}) {
                        java.nio.ByteBuffer dst = direct ? java.nio.ByteBuffer.allocateDirect(p[1] + 20)
                                : java.nio.ByteBuffer.allocate(p[1] + 20);
                        dst.position(10).limit(10 + p[1]);
                        assertTrue(c.read(k, p[0], dst), k.kind() + " " + p[0] + "+" + p[1]);
                        assertEquals(10 + p[1], dst.position());
                        byte[] got = new byte[p[1]];
                        dst.get(10, got);
                        assertArrayEquals(java.util.Arrays.copyOfRange(a, p[0], p[0] + p[1]), got);
                    }
                }
            }
            assertEquals(0, c.stats().corrupt());
        }
    }

    @Test
    void evictionKeepsTheBoundAndDropsTheLeastRecentlyUsed(@TempDir Path dir) throws IOException {
        try (NodeCache c = NodeCache.open(dir, 10 * 4096)) {
            byte[][] data = new byte[12][];
            for (int i = 0; i < 12; i++) {
                data[i] = bytes(4096, 100 + i);
                c.put(content(data[i]), data[i]);
                if (i >= 1) {
                    c.get(content(data[0])); // keep the first one hot
                }
            }
            assertTrue(c.stats().bytes() <= 10 * 4096, "bytes " + c.stats().bytes());
            assertTrue(c.stats().evictions() > 0);
            assertTrue(c.contains(content(data[0])), "the hot entry stays");
            assertFalse(c.contains(content(data[1])), "the coldest entry went first");
        }
    }

    @Test
    void plainRangeNamesDifferByEveryPartOfTheIdentity() {
        CacheKey base = CacheKey.range("http://s3", "b", "k", "v", "\"e\"", 65536, 3);
        assertEquals(base, CacheKey.range("http://s3", "b", "k", "v", "\"e\"", 65536, 3));
        assertFalse(base.equals(CacheKey.range("http://s3", "b", "k", "v2", "\"e\"", 65536, 3)));
        assertFalse(base.equals(CacheKey.range("http://s3", "b", "k", "v", "\"e2\"", 65536, 3)));
        assertFalse(base.equals(CacheKey.range("http://other", "b", "k", "v", "\"e\"", 65536, 3)));
        assertFalse(base.equals(CacheKey.range("http://s3", "b", "k", "v", "\"e\"", 65536, 4)));
        assertFalse(base.equals(CacheKey.range("http://s3", "b", "k", "v", "\"e\"", 4096, 3)));
    }

    @Test
    void linkGivesAnEntryASecondName(@TempDir Path dir) throws IOException {
        byte[] a = bytes(8192, 3);
        CacheKey v1 = CacheKey.range("s", "b", "k", "v1", "e1", 8192, 0);
        CacheKey v2 = CacheKey.range("s", "b", "k", "v2", "e2", 8192, 0);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            assertFalse(c.link(v1, v2));
            c.put(v1, a);
            assertTrue(c.link(v1, v2));
            assertArrayEquals(a, c.get(v2).orElseThrow());
        }
    }

    @Test
    void oneProcessOwnsACacheDirectory(@TempDir Path dir) throws IOException {
        try (NodeCache first = NodeCache.open(dir, 1 << 30)) {
            assertTrue(first.directory().endsWith(dir.getFileName()));
            // a second open in the same JVM is refused by the file lock (OverlappingFileLockException)
            assertThrows(RuntimeException.class, () -> NodeCache.open(dir, 1 << 30));
        }
    }

    @Test
    void inFlightFetchesAreShared(@TempDir Path dir) throws IOException {
        byte[] a = bytes(100, 4);
        CacheKey k = content(a);
        try (NodeCache c = NodeCache.open(dir, 1 << 30)) {
            NodeCache.Inflight first = c.join(k);
            NodeCache.Inflight second = c.join(k);
            assertTrue(first.owner());
            assertFalse(second.owner());
            c.finish(k, first.future(), java.nio.ByteBuffer.wrap(a));
            assertEquals(null, second.future().join(), "the bytes are in the cache, not held");
            assertArrayEquals(a, c.get(k).orElseThrow());
            assertTrue(c.join(k).owner(), "a finished fetch leaves the table");
        }
    }
}
