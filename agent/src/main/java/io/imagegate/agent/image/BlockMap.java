package io.imagegate.agent.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The state of every block of one overlay layer, two bits a block: BASE (read from below),
 * DATA (in this layer's data file) or ZERO (reads as zeros, nothing stored). Kept in memory and
 * persisted page by page into a file: a 4096-byte header, then the packed states.
 *
 * <p>Persisting follows the layer's flush order (see {@link OverlayLayer#flush()}): pages are
 * captured, the data file is synced, then the captured pages are written and synced. So a state
 * on disk never points at data that is not. A page written in place can tear on power loss only
 * at sector granularity, and every 2-bit state lies inside one sector.
 */
final class BlockMap implements AutoCloseable {

    static final int BASE = 0;
    static final int DATA = 1;
    static final int ZERO = 2;

    static final int HEADER = 4096;
    private static final int PAGE = 4096;
    private static final byte[] MAGIC = "IGOVMAP\0".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;

    private final FileChannel file;
    private final int blockSize;
    private final long imageSize;
    private final long generation;
    private final long blocks;
    private final byte[] states;
    private final BitSet dirtyPages = new BitSet();
    private long nonBase;

    private BlockMap(FileChannel file, int blockSize, long imageSize, long generation, byte[] states) {
        this.file = file;
        this.blockSize = blockSize;
        this.imageSize = imageSize;
        this.generation = generation;
        this.blocks = (imageSize + blockSize - 1) / blockSize;
        this.states = states;
    }

    static BlockMap create(Path path, long imageSize, int blockSize, long generation) throws IOException {
        long blocks = (imageSize + blockSize - 1) / blockSize;
        if (blocks / 4 + 1 > Integer.MAX_VALUE - 16) {
            throw new IOException("image too large for one block map: " + imageSize);
        }
        FileChannel f = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ByteBuffer h = ByteBuffer.allocate(HEADER);
        h.put(MAGIC).putInt(FORMAT).putInt(blockSize).putLong(imageSize).putLong(generation);
        h.clear();
        f.write(h, 0);
        f.force(true);
        return new BlockMap(f, blockSize, imageSize, generation, new byte[(int) ((blocks + 3) / 4)]);
    }

    static BlockMap open(Path path, long expectedSize) throws IOException {
        FileChannel f = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = ByteBuffer.allocate(HEADER);
            while (h.hasRemaining() && f.read(h, h.position()) > 0) {
                // read the whole header
            }
            h.flip();
            byte[] magic = new byte[MAGIC.length];
            if (h.remaining() < 32) {
                throw new IOException(path + " is not a block map (too short)");
            }
            h.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || h.getInt() != FORMAT) {
                throw new IOException(path + " is not a block map of format " + FORMAT);
            }
            int blockSize = h.getInt();
            long imageSize = h.getLong();
            long generation = h.getLong();
            if (imageSize != expectedSize) {
                throw new IOException(path + " maps " + imageSize + " bytes, the export has " + expectedSize);
            }
            long blocks = (imageSize + blockSize - 1) / blockSize;
            byte[] states = new byte[(int) ((blocks + 3) / 4)];
            ByteBuffer b = ByteBuffer.wrap(states);
            while (b.hasRemaining()) {
                if (f.read(b, HEADER + b.position()) < 0) {
                    break; // a short file: the missing pages were never persisted, so all BASE
                }
            }
            BlockMap m = new BlockMap(f, blockSize, imageSize, generation, states);
            m.countNonBase();
            return m;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private void countNonBase() {
        long n = 0;
        for (long b = 0; b < blocks; b++) {
            int s = get(b);
            if (s == 3) {
                throw new IllegalStateException("invalid block state 3 at block " + b);
            }
            n += s != BASE ? 1 : 0;
        }
        nonBase = n;
    }

    int blockSize() {
        return blockSize;
    }

    long imageSize() {
        return imageSize;
    }

    long generation() {
        return generation;
    }

    long blocks() {
        return blocks;
    }

    synchronized int get(long block) {
        return (states[(int) (block >>> 2)] >>> ((block & 3) * 2)) & 3;
    }

    /** How many blocks from {@code block} (up to {@code limit}, exclusive) share its state. */
    synchronized long run(long block, long limit) {
        int s = get(block);
        long b = block + 1;
        while (b < limit && get(b) == s) {
            b++;
        }
        return b - block;
    }

    synchronized void set(long from, long to, int state) {
        for (long b = from; b < to; b++) {
            int i = (int) (b >>> 2);
            int shift = (int) ((b & 3) * 2);
            int old = (states[i] >>> shift) & 3;
            if (old == state) {
                continue;
            }
            nonBase += (old == BASE ? 1 : 0) - (state == BASE ? 1 : 0);
            states[i] = (byte) ((states[i] & ~(3 << shift)) | (state << shift));
            dirtyPages.set(i / PAGE);
        }
    }

    synchronized boolean anyNonBase(long from, long to) {
        if (nonBase == 0) {
            return false;
        }
        for (long b = from; b < to; b++) {
            if (get(b) != BASE) {
                return true;
            }
        }
        return false;
    }

    synchronized long nonBaseBlocks() {
        return nonBase;
    }

    synchronized boolean isEmpty() {
        return nonBase == 0;
    }

    /** Pages changed since the last persist, copied now; to be written by {@link #write}. */
    record Captured(List<Integer> pages, List<byte[]> bytes) {}

    synchronized Captured capture() {
        List<Integer> pages = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        for (int p = dirtyPages.nextSetBit(0); p >= 0; p = dirtyPages.nextSetBit(p + 1)) {
            int from = p * PAGE;
            int to = Math.min(states.length, from + PAGE);
            pages.add(p);
            bytes.add(java.util.Arrays.copyOfRange(states, from, to));
        }
        dirtyPages.clear();
        return new Captured(pages, bytes);
    }

    /** Writes captured pages and syncs the map file. On failure the pages are marked for the next persist. */
    void write(Captured c) throws IOException {
        try {
            for (int k = 0; k < c.pages().size(); k++) {
                ByteBuffer b = ByteBuffer.wrap(c.bytes().get(k));
                long pos = HEADER + (long) c.pages().get(k) * PAGE;
                while (b.hasRemaining()) {
                    pos += file.write(b, pos);
                }
            }
            if (!c.pages().isEmpty()) {
                file.force(false);
            }
        } catch (IOException e) {
            synchronized (this) {
                c.pages().forEach(dirtyPages::set);
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
