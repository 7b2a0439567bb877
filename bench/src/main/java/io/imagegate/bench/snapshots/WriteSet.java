package io.imagegate.bench.snapshots;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * What one guest wrote between its base and its snapshot: a set of 4 KiB blocks of the image,
 * each overwritten with bytes derived from (seed, snapshot, block), so that every written block
 * is incompressible and unlike any other block of any snapshot or of the base. Writes never
 * overlap, so {@link #writtenBytes()} is exactly the share of the image the workload asked for.
 *
 * @param writes how many write operations made the set (runs for clustered, blocks for scattered)
 */
public record WriteSet(Workload workload, int snapshot, long imageSize, long seed, BitSet blocks, int writes) {

    /** The guest's write granularity, and the smallest chunk a bucket can have. */
    public static final int BLOCK = 4096;

    /**
     * Draws the writes of one snapshot.
     *
     * @param fraction share of the image written (0.01: 1%)
     * @param minRun   shortest clustered run (a power of two, at least 4 KiB)
     * @param maxRun   longest clustered run; run lengths are powers of two, each equally likely
     */
    public static WriteSet generate(Workload workload, long imageSize, double fraction, long minRun, long maxRun,
                                    long seed, int snapshot) {
        long totalBlocks = imageSize / BLOCK;
        long target = Math.max(1, Math.round(imageSize * fraction / BLOCK));
        if (target > totalBlocks / 2) {
            throw new IllegalArgumentException("write fraction " + fraction + " too large for disjoint writes");
        }
        SplittableRandom random = new SplittableRandom(mix(seed, snapshot, workload.ordinal() + 1L));
        BitSet blocks = new BitSet((int) totalBlocks);
        int writes = 0;
        switch (workload) {
            case SCATTERED -> {
                while (writes < target) {
                    int b = (int) random.nextLong(totalBlocks);
                    if (!blocks.get(b)) {
                        blocks.set(b);
                        writes++;
                    }
                }
            }
            case CLUSTERED -> {
                int minShift = Long.numberOfTrailingZeros(Math.max(1, minRun / BLOCK));
                int maxShift = Long.numberOfTrailingZeros(Math.max(1, maxRun / BLOCK));
                long left = target;
                while (left > 0) {
                    long len = Math.min(left, 1L << (minShift + random.nextInt(maxShift - minShift + 1)));
                    int start = (int) random.nextLong(totalBlocks - len + 1);
                    int clash = blocks.nextSetBit(start);
                    if (clash >= 0 && clash < start + len) {
                        continue; // keep runs disjoint: draw again
                    }
                    blocks.set(start, (int) (start + len));
                    left -= len;
                    writes++;
                }
            }
        }
        return new WriteSet(workload, snapshot, imageSize, seed, blocks, writes);
    }

    public long writtenBytes() {
        return (long) blocks.cardinality() * BLOCK;
    }

    /** The chunks of a {@code grid}-byte chunk grid that hold at least one written block. */
    public BitSet changedChunks(int grid) {
        int per = grid / BLOCK;
        BitSet chunks = new BitSet((int) ((imageSize + grid - 1) / grid));
        for (int b = blocks.nextSetBit(0); b >= 0; b = blocks.nextSetBit(b + 1)) {
            chunks.set(b / per);
        }
        return chunks;
    }

    /** Bytes of the chunks a {@code grid}-byte grid sees changed: the least any chunked store must add. */
    public long changedBytes(int grid) {
        long bytes = 0;
        BitSet chunks = changedChunks(grid);
        for (int c = chunks.nextSetBit(0); c >= 0; c = chunks.nextSetBit(c + 1)) {
            bytes += Math.min(grid, imageSize - (long) c * grid);
        }
        return bytes;
    }

    /** Calls {@code run} for each maximal run of written blocks, as (byte offset, byte length). */
    public void forEachRun(RunConsumer run) {
        for (int b = blocks.nextSetBit(0); b >= 0; ) {
            int end = blocks.nextClearBit(b);
            run.accept((long) b * BLOCK, (long) (end - b) * BLOCK);
            b = blocks.nextSetBit(end);
        }
    }

    /** Receives one run of written bytes. */
    @FunctionalInterface
    public interface RunConsumer {
        void accept(long offset, long length);
    }

    /**
     * Overwrites, in {@code buf} (holding image bytes {@code [pos, pos + len)} at {@code off}), every
     * byte this snapshot wrote.
     */
    public void overlay(long pos, byte[] buf, int off, int len) {
        long end = pos + len;
        byte[] block = null;
        for (int b = blocks.nextSetBit((int) (pos / BLOCK)); b >= 0 && (long) b * BLOCK < end;
             b = blocks.nextSetBit(b + 1)) {
            long bStart = (long) b * BLOCK;
            long from = Math.max(bStart, pos);
            long to = Math.min(bStart + BLOCK, end);
            if (from == bStart && to == bStart + BLOCK) {
                fill(b, buf, (int) (off + bStart - pos));
            } else {
                block = block == null ? new byte[BLOCK] : block;
                fill(b, block, 0);
                System.arraycopy(block, (int) (from - bStart), buf, (int) (off + from - pos), (int) (to - from));
            }
        }
    }

    /** The 4 KiB this snapshot wrote at block {@code b}. */
    private void fill(int b, byte[] dst, int at) {
        SplittableRandom r = new SplittableRandom(mix(seed, snapshot, b + 0x100000000L));
        for (int i = 0; i < BLOCK; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                dst[at + i + k] = (byte) (v >>> (k * 8));
            }
        }
    }

    private static long mix(long seed, long a, long b) {
        long h = seed * 0x9E3779B97F4A7C15L + a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }
}
