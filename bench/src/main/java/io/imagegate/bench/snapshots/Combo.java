package io.imagegate.bench.snapshots;

import io.imagegate.bench.ByteSize;
import java.util.List;

/**
 * One configuration measured with every method: a workload at a chunk size on an image of a
 * size, with the write sets of all its snapshots. {@code requestedImageSize} differs from
 * {@code imageSize} when the disk budget made the run scale the image down ({@code scaledBecause}).
 *
 * @param sweep   part of the chunk-size trade-off rather than of the main comparison
 * @param repeats runs of the commit method
 */
record Combo(Workload workload, int chunkSize, long imageSize, long requestedImageSize, boolean sweep, int repeats,
             List<WriteSet> writes, String scaledBecause) {

    String name() {
        return workload.label() + "-" + new ByteSize(chunkSize).flag() + "@" + new ByteSize(imageSize).flag();
    }

    /** Bytes of every snapshot's changed chunks on this chunk grid: what any chunked store must add at least. */
    long changedBytes() {
        return writes.stream().mapToLong(w -> w.changedBytes(chunkSize)).sum();
    }

    long writtenBytes() {
        return writes.stream().mapToLong(WriteSet::writtenBytes).sum();
    }

    long changedBytes(int first, int count) {
        return writes.subList(first, first + count).stream().mapToLong(w -> w.changedBytes(chunkSize)).sum();
    }

    long writtenBytes(int first, int count) {
        return writes.subList(first, first + count).stream().mapToLong(WriteSet::writtenBytes).sum();
    }

    int writeOps() {
        return writes.stream().mapToInt(WriteSet::writes).sum();
    }
}
