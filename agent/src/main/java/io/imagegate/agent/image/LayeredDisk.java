package io.imagegate.agent.image;

import io.imagegate.agent.nbd.BlockDevice;
import io.imagegate.agent.nbd.Extent;
import io.imagegate.agent.nbd.NbdError;
import io.imagegate.agent.nbd.NbdException;
import io.imagegate.agent.nbd.Zeros;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * What an export serves: the active overlay layer (where writes go), layers frozen by snapshots
 * still being committed (newest first), and the base version at the bottom. A read takes each
 * block from the topmost layer that has it. A snapshot freezes the active layer and starts an
 * empty one, so the guest keeps writing while the frozen layers are committed; once committed,
 * the base becomes the new version and the frozen layers go.
 */
public final class LayeredDisk implements BlockDevice {

    private static final int STRIPES = 256;
    private static final int BS = OverlayLayer.BLOCK_SIZE;

    /** Layers at one moment: active, then frozen newest first, then the base. Immutable. */
    private record Stack(OverlayLayer active, List<OverlayLayer> frozen, BaseImage base, List<OverlayLayer> layers) {
        Stack(OverlayLayer active, List<OverlayLayer> frozen, BaseImage base) {
            this(active, frozen, base, all(active, frozen));
        }

        private static List<OverlayLayer> all(OverlayLayer active, List<OverlayLayer> frozen) {
            List<OverlayLayer> l = new ArrayList<>(frozen.size() + 1);
            l.add(active);
            l.addAll(frozen);
            return List.copyOf(l);
        }
    }

    private final long size;
    private final boolean readOnly;
    private final ExportStats stats;
    /**
     * Requests hold it shared, freeze and rebase exclusively: a frozen layer takes no write after the
     * freeze, and layers are only closed once no request reads them. A StampedLock, not a
     * ReentrantReadWriteLock, because every request runs on a new virtual thread and the latter
     * allocates per-thread hold counts.
     */
    private final StampedLock gate = new StampedLock();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private volatile Stack stack;

    public LayeredDisk(BaseImage base, OverlayLayer active, List<OverlayLayer> frozen, boolean readOnly,
                       ExportStats stats) {
        this.size = base.size();
        this.readOnly = readOnly;
        this.stats = stats;
        this.stack = new Stack(active, List.copyOf(frozen), base);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public BaseImage base() {
        return stack.base;
    }

    public OverlayLayer active() {
        return stack.active;
    }

    public List<OverlayLayer> frozen() {
        return stack.frozen;
    }

    /** Bytes the guest changed that no committed version holds yet (active and frozen layers). */
    public long dirtyBytes() {
        Stack s = stack;
        long n = s.active.dirtyBytes();
        for (OverlayLayer l : s.frozen) {
            n += l.dirtyBytes();
        }
        return n;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws NbdException {
        long stamp = gate.readLock();
        try {
            Stack s = stack;
            stats.guestReadBytes.addAndGet(dst.remaining());
            read(s.layers, 0, s.base, offset, dst, false);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, e.getMessage(), e);
        } finally {
            gate.unlockRead(stamp);
        }
    }

    @Override
    public boolean readNow(long offset, ByteBuffer dst) throws NbdException {
        long stamp = gate.readLock();
        try {
            Stack s = stack;
            int n = dst.remaining();
            if (read(s.layers, 0, s.base, offset, dst, true)) {
                stats.guestReadBytes.addAndGet(n);
                return true;
            }
            return false;
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, e.getMessage(), e);
        } finally {
            gate.unlockRead(stamp);
        }
    }

    /** Reads through {@code layers} from index {@code from} down to {@code base}. */
    static void read(List<OverlayLayer> layers, int from, BaseImage base, long offset, ByteBuffer dst)
            throws IOException {
        read(layers, from, base, offset, dst, false);
    }

    /**
     * Reads through {@code layers} from index {@code from} down to {@code base}; with {@code now},
     * only as far as no fetch is needed: returns false at the first base chunk not cached.
     */
    private static boolean read(List<OverlayLayer> layers, int from, BaseImage base, long offset, ByteBuffer dst,
                                boolean now) throws IOException {
        if (from == layers.size()) {
            if (now) {
                return base.readNow(offset, dst);
            }
            base.read(offset, dst);
            return true;
        }
        OverlayLayer layer = layers.get(from);
        BlockMap map = layer.map();
        if (map.isEmpty()) {
            return read(layers, from + 1, base, offset, dst, now);
        }
        long pos = offset;
        long end = offset + dst.remaining();
        long lastBlock = (end - 1) / BS;
        while (pos < end) {
            long block = pos / BS;
            int state = map.get(block);
            long blocks = map.run(block, lastBlock + 1);
            long runEnd = Math.min(end, (block + blocks) * BS);
            int n = (int) (runEnd - pos);
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (state) {
                case BlockMap.DATA -> layer.readData(pos, part);
                case BlockMap.ZERO -> Zeros.fill(part);
                default -> {
                    if (!read(layers, from + 1, base, pos, part, now)) {
                        return false;
                    }
                }
            }
            dst.position(dst.position() + n);
            pos = runEnd;
        }
        return true;
    }

    @Override
    public List<Extent> extents(long offset, long length, int maxExtents) throws NbdException {
        long stamp = gate.readLock();
        try {
            Stack s = stack;
            List<Extent> out = new ArrayList<>();
            long end = offset + length;
            long pos = offset;
            int flags = -1;
            long run = 0;
            while (pos < end) {
                long[] next = pos >= size ? new long[] {end, Extent.HOLE | Extent.ZERO}
                        : allocation(s.layers, 0, s.base, pos, Math.min(end, size));
                int f = (int) next[1];
                if (f != flags) {
                    if (run > 0) {
                        out.add(new Extent(run, flags));
                        if (out.size() == maxExtents) {
                            return out;
                        }
                    }
                    flags = f;
                    run = 0;
                }
                run += next[0] - pos;
                pos = next[0];
            }
            out.add(new Extent(run, flags));
            return out;
        } finally {
            gate.unlockRead(stamp);
        }
    }

    /**
     * The allocation state at {@code pos} (below {@code end}) and how far it holds: {end of the run,
     * flags}. A block the overlay holds is data, one it zeroed or trimmed a hole of zeros, and below
     * the overlay a zero chunk of the version is a hole of zeros and any other chunk data.
     */
    private static long[] allocation(List<OverlayLayer> layers, int from, BaseImage base, long pos, long end) {
        if (from == layers.size()) {
            ImageVersion v = base.version();
            int i = v.indexOf(pos);
            return new long[] {Math.min(end, v.offset(i) + v.length(i)), v.zero(i) ? Extent.HOLE | Extent.ZERO : Extent.DATA};
        }
        BlockMap map = layers.get(from).map();
        if (map.isEmpty()) {
            return allocation(layers, from + 1, base, pos, end);
        }
        long block = pos / BS;
        int state = map.get(block);
        if (state == BlockMap.BASE) {
            // what lies below decides, for as long as both its run and this layer's hole last (the map is
            // scanned only that far: a scan to the end for every 64 KiB below would be quadratic)
            long[] below = allocation(layers, from + 1, base, pos, end);
            long runEnd = Math.min(below[0], (block + map.run(block, (below[0] - 1) / BS + 1)) * BS);
            return new long[] {runEnd, below[1]};
        }
        long runEnd = Math.min(end, (block + map.run(block, (end - 1) / BS + 1)) * BS);
        return new long[] {runEnd, state == BlockMap.DATA ? Extent.DATA : Extent.HOLE | Extent.ZERO};
    }

    @Override
    public void write(long offset, ByteBuffer src) throws NbdException {
        long stamp = gate.readLock();
        try {
            Stack s = stack;
            stats.guestWriteBytes.addAndGet(src.remaining());
            write(s, offset, src);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, e.getMessage(), e);
        } finally {
            gate.unlockRead(stamp);
        }
    }

    private void write(Stack s, long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        long pos = offset;
        while (pos < end) {
            long block = pos / BS;
            long blockStart = block * BS;
            long blockEnd = Math.min(size, blockStart + BS);
            if (pos == blockStart && end >= blockEnd) {
                // whole blocks: straight into the data file
                long wholeEnd = Math.min(end, size) / BS * BS;
                if (end >= size) {
                    wholeEnd = size;
                }
                int n = (int) (wholeEnd - pos);
                s.active.writeData(pos, src.slice(src.position(), n));
                s.active.map().set(block, (wholeEnd + BS - 1) / BS, BlockMap.DATA);
                src.position(src.position() + n);
                pos = wholeEnd;
            } else {
                int n = (int) (Math.min(end, blockEnd) - pos);
                partial(s, block, pos, src.slice(src.position(), n));
                src.position(src.position() + n);
                pos += n;
            }
        }
    }

    /** A write covering part of one block: read-modify-write unless the block is already in the layer. */
    private void partial(Stack s, long block, long pos, ByteBuffer piece) throws IOException {
        ReentrantLock stripe = stripes[(int) (block % STRIPES)];
        stripe.lock();
        try {
            BlockMap map = s.active.map();
            int state = map.get(block);
            if (state == BlockMap.DATA) {
                s.active.writeData(pos, piece);
                return;
            }
            long blockStart = block * BS;
            int blockLen = (int) (Math.min(size, blockStart + BS) - blockStart);
            ByteBuffer whole = ByteBuffer.allocate(blockLen);
            if (state == BlockMap.BASE) {
                read(s.layers, 1, s.base, blockStart, whole.duplicate());
            }
            whole.put((int) (pos - blockStart), piece, piece.position(), piece.remaining());
            s.active.writeData(blockStart, whole);
            map.set(block, block + 1, BlockMap.DATA);
        } finally {
            stripe.unlock();
        }
    }

    @Override
    public void writeZeroes(long offset, long length) throws NbdException {
        long stamp = gate.readLock();
        try {
            Stack s = stack;
            long end = offset + length;
            long firstWhole = (offset + BS - 1) / BS;
            long endWhole = end >= size ? (size + BS - 1) / BS : end / BS;
            if (firstWhole >= endWhole) {
                writeZeroBytes(s, offset, end);
                return;
            }
            writeZeroBytes(s, offset, Math.min(end, firstWhole * BS));
            s.active.map().set(firstWhole, endWhole, BlockMap.ZERO);
            writeZeroBytes(s, Math.min(end, endWhole * BS), end);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, e.getMessage(), e);
        } finally {
            gate.unlockRead(stamp);
        }
    }

    private void writeZeroBytes(Stack s, long from, long to) throws IOException {
        if (to > from) {
            write(s, from, ByteBuffer.allocate((int) (to - from)));
        }
    }

    @Override
    public void trim(long offset, long length) throws NbdException {
        writeZeroes(offset, length);
    }

    @Override
    public void flush() throws NbdException {
        long stamp = gate.readLock();
        try {
            stack.active.flush();
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, "flush failed: " + e.getMessage(), e);
        } finally {
            gate.unlockRead(stamp);
        }
    }

    @Override
    public void prefetch(long offset, long length) throws NbdException {
        try {
            stack.base.ensureRange(offset, length);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, e.getMessage(), e);
        }
    }

    /**
     * The frozen state a snapshot commits: the frozen layers over the base they were written on.
     * Nothing writes to it any more, so it can be read at leisure.
     */
    public record Frozen(List<OverlayLayer> layers, BaseImage base) {

        public void read(long offset, ByteBuffer dst) throws IOException {
            LayeredDisk.read(layers, 0, base, offset, dst);
        }

        /** Indexes of the grid chunks (of {@code gridSize} bytes) that any frozen layer changed. */
        public BitSet changedChunks(int gridSize) {
            long size = base.size();
            int count = (int) ((size + gridSize - 1) / gridSize);
            int blocksPerChunk = gridSize / BS;
            BitSet changed = new BitSet(count);
            for (OverlayLayer l : layers) {
                BlockMap m = l.map();
                if (m.isEmpty()) {
                    continue;
                }
                for (int c = 0; c < count; c++) {
                    long from = (long) c * blocksPerChunk;
                    if (!changed.get(c) && m.anyNonBase(from, Math.min(m.blocks(), from + blocksPerChunk))) {
                        changed.set(c);
                    }
                }
            }
            return changed;
        }
    }

    /**
     * Freezes the active layer (flushed first) and makes {@code next} the active one. Returns every
     * frozen layer with the base: what the snapshot commits.
     */
    public Frozen freeze(OverlayLayer next) throws IOException {
        long stamp = gate.writeLock();
        try {
            Stack s = stack;
            s.active.flush();
            List<OverlayLayer> frozen = new ArrayList<>();
            frozen.add(s.active);
            frozen.addAll(s.frozen);
            stack = new Stack(next, List.copyOf(frozen), s.base);
            return new Frozen(List.copyOf(frozen), s.base);
        } finally {
            gate.unlockWrite(stamp);
        }
    }

    /** After a commit: the new version becomes the base and the committed layers leave the stack. */
    public void rebase(BaseImage newBase, List<OverlayLayer> committed) {
        if (newBase.size() != size) {
            throw new IllegalArgumentException("the new version has " + newBase.size() + " bytes, not " + size);
        }
        long stamp = gate.writeLock();
        try {
            Stack s = stack;
            List<OverlayLayer> left = new ArrayList<>(s.frozen);
            left.removeAll(committed);
            stack = new Stack(s.active, List.copyOf(left), newBase);
        } finally {
            gate.unlockWrite(stamp);
        }
    }
}
