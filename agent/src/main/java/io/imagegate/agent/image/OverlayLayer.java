package io.imagegate.agent.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One generation of guest writes: a sparse data file as large as the image (written at the
 * guest's offsets) and its {@link BlockMap}. Files: {@code layer-N.data} and {@code layer-N.map}.
 */
public final class OverlayLayer implements AutoCloseable {

    public static final int BLOCK_SIZE = 4096;

    private final Path dir;
    private final long generation;
    private final FileChannel data;
    private final BlockMap map;
    private final ReentrantLock flushing = new ReentrantLock();

    private OverlayLayer(Path dir, long generation, FileChannel data, BlockMap map) {
        this.dir = dir;
        this.generation = generation;
        this.data = data;
        this.map = map;
    }

    static Path dataFile(Path dir, long generation) {
        return dir.resolve("layer-" + generation + ".data");
    }

    static Path mapFile(Path dir, long generation) {
        return dir.resolve("layer-" + generation + ".map");
    }

    /** A new, empty layer; its files are synced (and the directory) before this returns. */
    public static OverlayLayer create(Path dir, long generation, long size) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dataFile(dir, generation));
        Files.deleteIfExists(mapFile(dir, generation));
        FileChannel data = FileChannel.open(dataFile(dir, generation), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
        try {
            if (size > 0) {
                data.write(ByteBuffer.allocate(1), size - 1); // sets the length; the file stays sparse
            }
            data.force(true);
            BlockMap map = BlockMap.create(mapFile(dir, generation), size, BLOCK_SIZE, generation);
            syncDirectory(dir);
            return new OverlayLayer(dir, generation, data, map);
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /** Reopens a layer after a restart: what its last flush persisted. */
    public static OverlayLayer open(Path dir, long generation, long size) throws IOException {
        FileChannel data = FileChannel.open(dataFile(dir, generation), StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return new OverlayLayer(dir, generation, data, BlockMap.open(mapFile(dir, generation), size));
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems refuse to open directories; their renames are durable anyway
        }
    }

    public long generation() {
        return generation;
    }

    BlockMap map() {
        return map;
    }

    public long dirtyBytes() {
        return map.nonBaseBlocks() * BLOCK_SIZE;
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    void readData(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = data.read(dst, pos);
            if (n < 0) {
                // beyond the written end of a sparse file: zeros
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    void writeData(long offset, ByteBuffer src) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += data.write(src, pos);
        }
    }

    /**
     * Makes every write completed before this call durable. Order: capture the changed map pages,
     * sync the data file, then write and sync the captured pages. A state captured was set after its
     * data reached the file, so after the data sync no persisted state points at missing data.
     */
    public void flush() throws IOException {
        flushing.lock();
        try {
            BlockMap.Captured pages = map.capture();
            data.force(false);
            map.write(pages);
        } finally {
            flushing.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            data.close();
        } finally {
            map.close();
        }
    }

    /** Closes the layer and removes its files. */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(dataFile(dir, generation));
        Files.deleteIfExists(mapFile(dir, generation));
    }
}
