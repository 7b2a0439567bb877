package io.imagegate.agent.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block map: states in memory, pages on disk, what a reopen sees. */
class BlockMapTest {

    private static final long SIZE = 40L * 1024 * 1024 + 100;

    @Test
    void statesSurviveAPersistAndReopen(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m");
        try (BlockMap m = BlockMap.create(f, SIZE, 4096, 7)) {
            m.set(0, 3, BlockMap.DATA);
            m.set(5000, 5002, BlockMap.ZERO);
            m.set(m.blocks() - 1, m.blocks(), BlockMap.DATA);
            m.write(m.capture());
        }
        try (BlockMap m = BlockMap.open(f, SIZE)) {
            assertEquals(7, m.generation());
            assertEquals(BlockMap.DATA, m.get(2));
            assertEquals(BlockMap.BASE, m.get(3));
            assertEquals(BlockMap.ZERO, m.get(5001));
            assertEquals(BlockMap.DATA, m.get(m.blocks() - 1));
            assertEquals(6, m.nonBaseBlocks());
        }
    }

    @Test
    void whatWasNeverPersistedIsBase(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m");
        try (BlockMap m = BlockMap.create(f, SIZE, 4096, 1)) {
            m.set(10, 20, BlockMap.DATA);
            m.write(m.capture());
            m.set(9000, 9001, BlockMap.DATA); // set, never persisted: a crash loses it
        }
        try (BlockMap m = BlockMap.open(f, SIZE)) {
            assertEquals(10, m.nonBaseBlocks());
            assertEquals(BlockMap.BASE, m.get(9000));
        }
    }

    @Test
    void onlyChangedPagesAreWritten(@TempDir Path dir) throws IOException {
        // a page holds the states of 4096 * 4 blocks: 64 MiB of image
        try (BlockMap m = BlockMap.create(dir.resolve("m"), 256L * 1024 * 1024, 4096, 1)) {
            m.set(0, 1, BlockMap.DATA);
            m.set(4 * 4096 * 2, 4 * 4096 * 2 + 1, BlockMap.ZERO); // page 2
            BlockMap.Captured c = m.capture();
            assertEquals(java.util.List.of(0, 2), c.pages());
            assertTrue(m.capture().pages().isEmpty());
        }
    }

    @Test
    void runsAndDirtyCounts(@TempDir Path dir) throws IOException {
        try (BlockMap m = BlockMap.create(dir.resolve("m"), SIZE, 4096, 1)) {
            assertTrue(m.isEmpty());
            m.set(100, 110, BlockMap.DATA);
            assertEquals(10, m.run(100, 1000));
            assertEquals(100, m.run(0, 1000));
            assertTrue(m.anyNonBase(105, 106));
            assertFalse(m.anyNonBase(110, 200));
            m.set(100, 110, BlockMap.BASE);
            assertTrue(m.isEmpty());
        }
    }

    @Test
    void aMapOfAnotherSizeOrFormatIsRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m");
        BlockMap.create(f, SIZE, 4096, 1).close();
        assertThrows(IOException.class, () -> BlockMap.open(f, SIZE + 1));
        Files.write(dir.resolve("junk"), new byte[100]);
        assertThrows(IOException.class, () -> BlockMap.open(dir.resolve("junk"), SIZE));
    }
}
