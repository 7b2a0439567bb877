package io.imagegate.bench.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A guest's block requests as the agent logged them ({@code -Dimagegate.agent.trace}): operation,
 * offset, length, and when each started and ended (microseconds from the first). Replayed in start
 * order, each request waiting only for those that had ended before it started in the recording:
 * the guest's dependencies and its queue depth, without its think time.
 */
record BootTrace(Path file, long imageSize, List<Request> requests) {

    /** One request; {@code op} is R (read), W (write), Z (write zeroes), T (trim), F (flush) or C (cache hint). */
    record Request(char op, long offset, long length, long startUs, long endUs) {}

    static BootTrace read(Path file) throws IOException {
        List<Request> out = new ArrayList<>();
        long size = -1;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("#")) {
                int at = line.indexOf(", size ");
                if (at >= 0) {
                    String rest = line.substring(at + 7);
                    size = Long.parseLong(rest.substring(0, rest.indexOf(',')));
                }
                continue;
            }
            if (line.isBlank() || line.startsWith("op,")) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length >= 6 && !f[5].isEmpty()) {
                continue; // failed in the recording: nothing to replay
            }
            out.add(new Request(f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4])));
        }
        out.sort(Comparator.comparingLong(Request::startUs));
        if (size < 0) {
            throw new IOException(file + ": no image size in the header");
        }
        return new BootTrace(file, size, List.copyOf(out));
    }

    long count(char op) {
        return requests.stream().filter(r -> r.op == op).count();
    }

    long bytes(char op) {
        return requests.stream().filter(r -> r.op == op).mapToLong(Request::length).sum();
    }

    /** Seconds from the first request's start to the last one's end in the recording. */
    double recordedSeconds() {
        long end = requests.stream().mapToLong(Request::endUs).max().orElse(0);
        return (end - (requests.isEmpty() ? 0 : requests.getFirst().startUs)) / 1e6;
    }

    /** The most requests in flight at once in the recording. */
    int maxDepth() {
        long[][] ev = new long[requests.size() * 2][];
        int k = 0;
        for (Request r : requests) {
            ev[k++] = new long[] {r.startUs, 1};
            ev[k++] = new long[] {r.endUs, -1};
        }
        Arrays.sort(ev, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int depth = 0;
        int max = 0;
        for (long[] e : ev) {
            depth += (int) e[1];
            max = Math.max(max, depth);
        }
        return max;
    }

    /** Distinct {@code chunk}-sized pieces the reads touch. */
    long touchedChunks(int chunk) {
        return firstTouch(chunk).length;
    }

    /**
     * Chunk start offsets in the order the reads first touched them: the boot profile the agent
     * records (its recorder keeps the first 120 s of a boot; a TCG boot is longer, so the benchmark
     * derives the profile from the whole trace the same way).
     */
    long[] firstTouch(int chunk) {
        Set<Long> seen = new LinkedHashSet<>();
        for (Request r : requests) {
            if (r.op != 'R' || r.length == 0) {
                continue;
            }
            for (long c = r.offset / chunk; c <= (r.offset + r.length - 1) / chunk; c++) {
                seen.add(c * chunk);
            }
        }
        return seen.stream().mapToLong(Long::longValue).toArray();
    }
}
