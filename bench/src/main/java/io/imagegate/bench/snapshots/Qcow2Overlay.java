package io.imagegate.bench.snapshots;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The storage peer: the same writes kept as a qcow2 overlay on the raw base, the way a
 * hypervisor keeps a VM's changes ({@code qemu-img create -f qcow2 -b base.raw -F raw}, writes
 * applied by {@code qemu-io}, all of a snapshot's writes fed to one qemu-io on its standard
 * input, cache mode writeback: the file is flushed when qemu-io closes it). Each write is
 * {@code write -P <pattern> off len}: qcow2 neither compresses nor deduplicates, so its size
 * does not depend on the bytes, only on which clusters the writes touch. Measured ({@code du -B1}
 * and length), then deleted, one overlay at a time.
 */
final class Qcow2Overlay {

    /** One overlay's size on disk. */
    record Size(int snapshot, long apparentBytes, long allocatedBytes, long nanos) {}

    private Qcow2Overlay() {}

    static Size make(Path dir, Path baseRaw, WriteSet writes, int clusterSize, boolean verify) {
        Path overlay = dir.resolve("snapshot-" + writes.snapshot() + ".qcow2");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(overlay);
            long t0 = System.nanoTime();
            run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=" + clusterSize,
                    "-b", baseRaw.toAbsolutePath().toString(), "-F", "raw", overlay.toString()), null);
            int pattern = pattern(writes.snapshot());
            StringBuilder commands = new StringBuilder();
            List<long[]> runs = new ArrayList<>();
            writes.forEachRun((off, len) -> {
                commands.append("write -q -P ").append(pattern).append(' ').append(off).append(' ').append(len).append('\n');
                runs.add(new long[] {off, len});
            });
            // writeback: qemu-io's default (writethrough) flushes after every write, 35x slower and the same file
            run(List.of("qemu-io", "-t", "writeback", "-f", "qcow2", overlay.toString()),
                    commands.append("quit\n").toString());
            long nanos = System.nanoTime() - t0;
            if (verify) {
                long[] first = runs.getFirst();
                run(List.of("qemu-io", "-r", "-f", "qcow2", "-c",
                        "read -q -P " + pattern + " " + first[0] + " " + first[1], overlay.toString()), null);
            }
            return new Size(writes.snapshot(), Files.size(overlay), DiskUsage.allocated(overlay), nanos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(overlay);
            } catch (IOException e) {
                // left for the next run's cleanup
            }
        }
    }

    /** A non-zero byte per snapshot (a zero pattern could be stored as a zero cluster). */
    static int pattern(int snapshot) {
        return 1 + snapshot % 255;
    }

    /** Runs a qemu tool; fails when it exits non-zero or reports a failed command (qemu-io exits 0 then). */
    private static void run(List<String> cmd, String stdin) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(output);
            } catch (IOException e) {
                // the process went away
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.US_ASCII));
            }
        }
        try {
            int rc = p.waitFor();
            drain.join();
            String out = output.toString(StandardCharsets.UTF_8).replace("qemu-io> ", "").trim();
            String lower = out.toLowerCase(java.util.Locale.ROOT);
            if (rc != 0 || lower.contains("fail") || lower.contains("error")) {
                throw new IOException(String.join(" ", cmd) + " exited with " + rc + ": "
                        + out.substring(0, Math.min(500, out.length())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
