package io.imagegate.bench.snapshots;

import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a directory holds on disk: the sum of its files' lengths (apparent) and the blocks the
 * file system allocated for them ({@code du -B1}), read before and after a method ran.
 */
record DiskUsage(long apparentBytes, long allocatedBytes) {

    static final DiskUsage NONE = new DiskUsage(0, 0);

    static DiskUsage of(Path dir) {
        if (!Files.isDirectory(dir)) {
            return NONE;
        }
        long apparent;
        try {
            apparent = ServerProcess.apparentBytes(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DiskUsage(apparent, allocated(dir));
    }

    /** {@code du -s -B1}: blocks allocated to the files (and directories) under {@code path}. */
    static long allocated(Path path) {
        try {
            Process p = new ProcessBuilder("du", "-s", "-B1", path.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IOException("du " + path + ": " + out);
            }
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    DiskUsage minus(DiskUsage before) {
        return new DiskUsage(apparentBytes - before.apparentBytes, allocatedBytes - before.allocatedBytes);
    }
}
