package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalChunkStoreTest {

    @TempDir
    Path dir;

    private LocalChunkStore store;

    @BeforeEach
    void open() throws IOException {
        store = LocalChunkStore.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private PackId writePack(byte[] content) throws IOException {
        PackId id = PackId.generate(Instant.now());
        try (ChunkStore.PackOutput out = store.create(id)) {
            out.write(ByteBuffer.wrap(content));
            assertEquals(content.length, out.position());
            out.seal();
        }
        return id;
    }

    private Set<PackId> listed() throws IOException {
        try (Stream<ChunkStore.PackInfo> s = store.list()) {
            return s.map(ChunkStore.PackInfo::id).collect(Collectors.toSet());
        }
    }

    private byte[] read(PackId id, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        store.read(id, offset, b);
        return b.array();
    }

    @Test
    void packBecomesVisibleOnlyWhenSealed() throws IOException {
        PackId id = PackId.generate(Instant.now());
        byte[] content = Fixture.random(1, 1000);
        try (ChunkStore.PackOutput out = store.create(id)) {
            out.write(ByteBuffer.wrap(content));
            assertTrue(listed().isEmpty());
            assertThrows(PackNotFoundException.class, () -> read(id, 0, 1));
            out.seal();
        }
        try (Stream<ChunkStore.PackInfo> s = store.list()) {
            assertEquals(List.of(new ChunkStore.PackInfo(id, 1000)), s.toList());
        }
        assertArrayEquals(content, read(id, 0, 1000));
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 500, 600), read(id, 500, 100));
    }

    @Test
    void sealedPackLivesUnderAFanoutDirectoryNamedByItsRandomBits() throws IOException {
        PackId id = writePack(new byte[] {1, 2, 3});
        Path path = store.packPath(id);
        assertEquals(dir.resolve("packs").resolve(id.hex().substring(30)).resolve(id.hex() + ".pack"), path);
        assertTrue(Files.exists(path));
    }

    @Test
    void abortedOrUnsealedPackLeavesNoFile() throws IOException {
        try (ChunkStore.PackOutput out = store.create(PackId.generate(Instant.now()))) {
            out.write(ByteBuffer.wrap(new byte[100]));
            out.abort();
            assertThrows(IllegalStateException.class, () -> out.write(ByteBuffer.allocate(1)));
        }
        try (ChunkStore.PackOutput out = store.create(PackId.generate(Instant.now()))) {
            out.write(ByteBuffer.wrap(new byte[100]));
        }
        assertTrue(listed().isEmpty());
        try (Stream<Path> temps = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, temps.count());
        }
    }

    @Test
    void tempFilesLeftByACrashAreIgnoredByList() throws IOException {
        PackId sealed = writePack(new byte[10]);
        ChunkStore.PackOutput crashed = store.create(PackId.generate(Instant.now()));
        crashed.write(ByteBuffer.wrap(new byte[10])); // never sealed nor aborted, as after a crash
        Path fanout = store.packPath(sealed).getParent();
        Files.write(fanout.resolve(sealed.hex() + ".pack.tmp"), new byte[10]);
        Files.write(fanout.resolve("notes.txt"), new byte[10]);
        assertEquals(Set.of(sealed), listed());
    }

    @Test
    void staleTempFilesAreRemovedOnOpenAndFreshOnesKept() throws IOException {
        store.create(PackId.generate(Instant.now())).write(ByteBuffer.wrap(new byte[10]));
        store.create(PackId.generate(Instant.now())).write(ByteBuffer.wrap(new byte[10]));
        List<Path> temps;
        try (Stream<Path> s = Files.list(dir.resolve("tmp"))) {
            temps = s.sorted().toList();
        }
        assertEquals(2, temps.size());
        Files.setLastModifiedTime(temps.get(0), FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        store.close();
        store = LocalChunkStore.open(dir);
        assertFalse(Files.exists(temps.get(0)));
        assertTrue(Files.exists(temps.get(1)), "it may belong to an upload still running in another process");
    }

    @Test
    void deleteIsIdempotent() throws IOException {
        PackId id = writePack(new byte[10]);
        read(id, 0, 10);
        store.delete(id);
        store.delete(id);
        assertTrue(listed().isEmpty());
        assertThrows(PackNotFoundException.class, () -> read(id, 0, 1));
    }

    @Test
    void readPastTheEndOfAPackFails() throws IOException {
        PackId id = writePack(new byte[10]);
        assertThrows(EOFException.class, () -> read(id, 5, 6));
    }

    @Test
    void creatingAPackThatExistsFails() throws IOException {
        PackId id = writePack(new byte[10]);
        assertThrows(FileAlreadyExistsException.class, () -> store.create(id));
    }

    @Test
    void zeroPackIsNeverStoredOrRead() {
        assertThrows(IllegalArgumentException.class, () -> store.create(PackId.ZERO));
        assertThrows(IllegalArgumentException.class, () -> read(PackId.ZERO, 0, 1));
    }

    @Test
    void morePacksThanTheOpenFileCacheHoldsAreAllReadable() throws IOException {
        store.close();
        store = LocalChunkStore.open(dir, LocalStoreConfig.defaults().withOpenPackCacheSize(2));
        List<PackId> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(writePack(Fixture.random(i, 100)));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(Fixture.random(i, 100), read(ids.get(i), 0, 100));
            }
        }
    }

    @Test
    void interruptedReaderDoesNotBreakTheSharedFileForOthers() throws Exception {
        PackId id = writePack(Fixture.random(1, 100));
        read(id, 0, 10); // the file is now open and cached
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            try {
                read(id, 0, 10);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        assertTrue(failure.get() instanceof ClosedByInterruptException, String.valueOf(failure.get()));
        assertArrayEquals(Fixture.random(1, 100), read(id, 0, 100));
    }

    @Test
    void closedStoreRefusesWork() throws IOException {
        PackId id = writePack(new byte[10]);
        store.close();
        assertThrows(IOException.class, () -> read(id, 0, 1));
    }
}
