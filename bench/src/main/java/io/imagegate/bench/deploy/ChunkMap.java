package io.imagegate.bench.deploy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which 64 KiB pieces of the traced image are zeros ({@code NAME.chunks} beside the trace), so a
 * run without the real image replays against a stand-in of the same size and the same zero layout:
 * random bytes where the image had data, zeros (sparse) where it had none. Zeros matter: the agent
 * never fetches a zero chunk, nbdkit and a full download move them like any other bytes.
 */
record ChunkMap(long size, int chunkSize, List<Run> runs) {

    record Run(boolean zero, long first, long count) {}

    static ChunkMap read(Path file) throws IOException {
        long size = -1;
        int chunk = -1;
        List<Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (line.startsWith("size=")) {
                for (String kv : line.split(" ")) {
                    String[] p = kv.split("=");
                    if (p[0].equals("size")) {
                        size = Long.parseLong(p[1]);
                    } else if (p[0].equals("chunk")) {
                        chunk = Integer.parseInt(p[1]);
                    }
                }
                continue;
            }
            String[] f = line.split(",");
            runs.add(new Run(f[0].equals("Z"), Long.parseLong(f[1]), Long.parseLong(f[2])));
        }
        if (size < 0 || chunk <= 0) {
            throw new IOException(file + ": no size=... chunk=... line");
        }
        return new ChunkMap(size, chunk, List.copyOf(runs));
    }

    long dataBytes() {
        return runs.stream().filter(r -> !r.zero).mapToLong(r -> Math.min(r.count * chunkSize,
                size - r.first * chunkSize)).sum();
    }

    /** Writes the stand-in image (sparse where zero) unless {@code file} already has the right size. */
    void synthesize(Path file, long seed) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(chunkSize);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Run r : runs) {
                if (r.zero) {
                    continue;
                }
                for (long c = r.first; c < r.first + r.count; c++) {
                    long at = c * chunkSize;
                    int len = (int) Math.min(chunkSize, size - at);
                    buf.clear();
                    while (buf.position() < len) {
                        buf.putLong(random.nextLong());
                    }
                    buf.flip().limit(len);
                    while (buf.hasRemaining()) {
                        ch.write(buf, at + buf.position());
                    }
                }
            }
            ch.truncate(size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
