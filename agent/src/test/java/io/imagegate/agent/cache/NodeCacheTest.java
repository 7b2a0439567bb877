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
        try (NodeCache c = NodeCache.open(dir, 1 << 30, 1 << 20)) {
            c.put(ka, a);
            c.put(kr, a);
        }
        try (NodeCache c = NodeCache.open(dir, 1 << 30, 1 << 20)) {
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
        try (NodeCache c = NodeCache.open(dir, 1 << 30, 1 << 20)) {
            c.put(ka, a);
            c.put(kr, a);
            for (CacheKey k : new CacheKey[] {ka, kr}) {
                byte[] f = Files.readAllBytes(c.file(k));
                f[f.length - 1] ^= 1;
                Files.write(c.file(k), f);
                c.dropFromMemory(k);
                assertTrue(c.get(k).isEmpty());
                assertFalse(Files.exists(c.file(k)));
            }
            assertEquals(2, c.stats().corrupt());
            assertEquals(0, c.stats().entries());
        }
    }

    @Test
    void evictionKeepsTheBoundAndDropsTheLeastRecentlyUsed(@TempDir Path dir) throws IOException {
        try (NodeCache c = NodeCache.open(dir, 10 * 4096, 0)) {
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
        try (NodeCache c = NodeCache.open(dir, 1 << 30, 0)) {
            assertFalse(c.link(v1, v2));
            c.put(v1, a);
            assertTrue(c.link(v1, v2));
            assertArrayEquals(a, c.get(v2).orElseThrow());
        }
    }

    @Test
    void oneProcessOwnsACacheDirectory(@TempDir Path dir) throws IOException {
        try (NodeCache first = NodeCache.open(dir, 1 << 30, 0)) {
            assertTrue(first.directory().endsWith(dir.getFileName()));
            // a second open in the same JVM is refused by the file lock (OverlappingFileLockException)
            assertThrows(RuntimeException.class, () -> NodeCache.open(dir, 1 << 30, 0));
        }
    }

    @Test
    void inFlightFetchesAreShared(@TempDir Path dir) throws IOException {
        byte[] a = bytes(100, 4);
        CacheKey k = content(a);
        try (NodeCache c = NodeCache.open(dir, 1 << 30, 1 << 20)) {
            NodeCache.Inflight first = c.join(k);
            NodeCache.Inflight second = c.join(k);
            assertTrue(first.owner());
            assertFalse(second.owner());
            c.finish(k, first.future(), a, true);
            assertArrayEquals(a, second.future().join());
            assertTrue(c.join(k).owner(), "a finished fetch leaves the table");
        }
    }
}
