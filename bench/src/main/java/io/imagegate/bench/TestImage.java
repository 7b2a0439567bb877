package io.imagegate.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The object every server stores: a file of pseudo-random bytes (incompressible, no repeated
 * chunk) in which, when {@code zeroFraction > 0}, each 8 MiB segment holds one run of zeros at
 * a random 4 KiB-aligned offset, the way unused filesystem space sits in a raw disk image.
 * The runs are not aligned to 64 KiB, so some chunks are part zeros and part data. Generated
 * once per (size, zero fraction, seed) and kept in the work directory.
 */
public record TestImage(String name, Path file, long size, double zeroFraction, long zeroBytes, long crc32c) {

    static final long SEGMENT = 8 * ByteSize.MIB;
    private static final int BLOCK = 4096;

    /** {@code name} is how reports call it: "image" (with zeros) or "random". */
    public static TestImage create(String name, Path dir, long size, double zeroFraction, long seed) {
        Path file = dir.resolve("%s-%d-z%03d-s%d.raw".formatted(name, size, Math.round(zeroFraction * 1000), seed));
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file) || Files.size(file) != size) {
                generate(file, size, zeroFraction, seed);
            }
            return describe(name, file, size, zeroFraction);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void generate(Path file, long size, double zeroFraction, long seed) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SplittableRandom data = new SplittableRandom(seed);
        SplittableRandom layout = new SplittableRandom(seed ^ 0x5DEECE66DL);
        ByteBuffer buf = ByteBuffer.allocate((int) SEGMENT);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += SEGMENT) {
                int len = (int) Math.min(SEGMENT, size - at);
                buf.clear().limit(len);
                fillRandom(buf, data);
                long run = Math.round(len * zeroFraction) / BLOCK * BLOCK;
                if (run > 0) {
                    int blocks = (int) ((len - run) / BLOCK);
                    int start = (blocks > 0 ? layout.nextInt(blocks + 1) : 0) * BLOCK;
                    java.util.Arrays.fill(buf.array(), start, (int) (start + run), (byte) 0);
                }
                buf.position(0).limit(len);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void fillRandom(ByteBuffer buf, SplittableRandom random) {
        byte[] a = buf.array();
        int n = buf.limit();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
                a[i + b] = (byte) (v >>> (b * 8));
            }
        }
        for (; i < n; i++) {
            a[i] = (byte) random.nextInt();
        }
    }

    /** Counts zeros in whole 4 KiB blocks and computes the CRC32C the GETs are checked against. */
    private static TestImage describe(String name, Path file, long size, double zeroFraction) throws IOException {
        CRC32C crc = new CRC32C();
        long zeroBytes = 0;
        ByteBuffer buf = ByteBuffer.allocate((int) SEGMENT);
        byte[] zeros = new byte[BLOCK];
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            while (at < size) {
                buf.clear();
                int n = in.read(buf, at);
                if (n <= 0) {
                    throw new IOException("short read in " + file);
                }
                crc.update(buf.array(), 0, n);
                for (int off = 0; off + BLOCK <= n; off += BLOCK) {
                    if (java.util.Arrays.equals(buf.array(), off, off + BLOCK, zeros, 0, BLOCK)) {
                        zeroBytes += BLOCK;
                    }
                }
                at += n;
            }
        }
        return new TestImage(name, file, size, zeroFraction, zeroBytes, crc.getValue());
    }

    /** A one-line description for reports. */
    public String describe() {
        return zeroFraction == 0 ? "fully random bytes (no zero chunk, no duplicate chunk)"
                : "random bytes with one zero run per 8 MiB segment, %.1f%% zeros in all, 4 KiB-aligned, not chunk-aligned"
                        .formatted(100.0 * zeroBytes / size);
    }
}
