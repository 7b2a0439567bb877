package io.imagegate.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/** The machine a run happened on, so a reader can tell whose numbers these are. */
public record Machine(int cpus, String cpuModel, long memoryBytes, String jdk, String os, String fileSystem,
               double loadAverageAtStart, double diskFsyncWriteMiBps) {

    public static Machine describe(Path workDir) throws IOException {
        Files.createDirectories(workDir);
        FileStore store = Files.getFileStore(workDir);
        return new Machine(
                Runtime.getRuntime().availableProcessors(),
                procLine(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")),
                procLine(Path.of("/proc/meminfo"), "MemTotal")
                        .map(v -> Long.parseLong(v.replaceAll("[^0-9]", "")) * 1024).orElse(-1L),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                store.type() + " on " + store.name(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                fsyncWriteSpeed(workDir));
    }

    /** Sequential write of 256 MiB followed by one fsync, the way a pack is sealed: the disk's durable speed. */
    private static double fsyncWriteSpeed(Path dir) throws IOException {
        Path f = dir.resolve("fsync-probe.tmp");
        ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
        while (buf.hasRemaining()) {
            buf.put((byte) (buf.position() * 31));
        }
        long total = 256L << 20;
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < total; at += buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            ch.force(true);
        } finally {
            Files.deleteIfExists(f);
        }
        return (total / (double) (1 << 20)) / ((System.nanoTime() - t0) / 1e9);
    }

    private static Optional<String> procLine(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public String summary() {
        return "%d CPUs (%s), %.1f GiB RAM, %s, %s; work dir on %s (sequential write+fsync %.0f MiB/s); load average %.2f at start"
                .formatted(cpus, cpuModel, memoryBytes / (double) ByteSize.GIB, jdk, os, fileSystem,
                        diskFsyncWriteMiBps, loadAverageAtStart);
    }
}
