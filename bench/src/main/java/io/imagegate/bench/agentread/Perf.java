package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Linux perf on the serving process during one read (kernel and native time, which JFR does not
 * see: system calls, copies into and out of the page cache and sockets), summarised by symbol.
 */
final class Perf {

    private final Path dir;

    Perf(Path dir) {
        this.dir = dir;
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("perf", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A recording in progress. */
    final class Recording {
        private final Process process;
        private final Path data;
        private final String name;

        private Recording(Process process, Path data, String name) {
            this.process = process;
            this.data = data;
            this.name = name;
        }

        /** Ends it and writes the report beside it; returns the report. */
        Path stop() throws IOException, InterruptedException {
            process.destroy(); // SIGTERM: perf writes its data and exits
            process.waitFor(30, TimeUnit.SECONDS);
            Path report = dir.resolve(name + ".perf.txt");
            Process r = new ProcessBuilder("perf", "report", "-i", data.toString(), "--no-children", "--sort",
                    "dso,sym", "--stdio", "--percent-limit", "0.5").redirectErrorStream(true)
                    .redirectOutput(report.toFile()).start();
            r.waitFor(120, TimeUnit.SECONDS);
            // inclusive time by symbol: which system calls the kernel time belongs to
            Process c = new ProcessBuilder("perf", "report", "-i", data.toString(), "--children", "--sort", "sym",
                    "--stdio", "-g", "none", "--percent-limit", "1").redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".perf-inclusive.txt").toFile()).start();
            c.waitFor(120, TimeUnit.SECONDS);
            return report;
        }
    }

    Recording start(long pid, String name) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path data = dir.resolve(name + ".perf.data");
        Process p = new ProcessBuilder(List.of("perf", "record", "-g", "-F", "499", "-p", Long.toString(pid), "-o",
                data.toString())).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".perf.log").toFile())
                .start();
        Thread.sleep(300); // perf attaches before the read starts
        return new Recording(p, data, name);
    }
}
