package io.imagegate.bench.agentread;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a profiled JVM spent its time: JFR's execution samples (Java code on CPU) grouped by what
 * the innermost recognised frame does (hashing, HTTP client, socket and file I/O, copies, the
 * agent's own layers...), the hottest methods, the heaviest allocation sites, GC pauses, and
 * contended monitors and pinned virtual threads. Kernel time inside system calls is not sampled
 * by JFR; the benchmark reports it separately as system CPU from /proc.
 */
record JfrSummary(String file, long samples, Map<String, Long> categories, Map<String, Long> topMethods,
                  Map<String, Long> allocationMiB, double gcPauseMillis, long gcCount, long monitorEnters,
                  double monitorMillis, long pinned, double pinnedMillis) {

    private record Rule(String category, Predicate<String> frame) {}

    /** The first rule matching the innermost frame that matches any: order only breaks ties within one frame. */
    private static final List<Rule> RULES = List.of(
            new Rule("SHA-256", f -> f.startsWith("sun.security.provider.SHA") || f.startsWith("sun.security.provider.DigestBase")
                    || f.startsWith("java.security.MessageDigest")),
            new Rule("socket I/O", f -> f.startsWith("sun.nio.ch.SocketDispatcher") || f.startsWith("sun.nio.ch.NioSocketImpl")
                    || f.startsWith("sun.nio.ch.SocketChannelImpl") || f.startsWith("sun.nio.ch.UnixDomainSockets")
                    || f.startsWith("java.net.Socket")),
            new Rule("file I/O", f -> f.startsWith("sun.nio.ch.FileDispatcherImpl") || f.startsWith("sun.nio.ch.FileChannelImpl")
                    || f.startsWith("sun.nio.fs.") || f.startsWith("java.nio.file.")),
            new Rule("byte copies", f -> f.startsWith("java.util.Arrays.copyOf") || f.startsWith("java.lang.System.arraycopy")
                    || f.startsWith("java.nio.HeapByteBuffer.put") || f.startsWith("java.nio.ByteBuffer.put")
                    || f.startsWith("java.nio.DirectByteBuffer.put") || f.startsWith("jdk.internal.misc.Unsafe.copy")
                    || f.startsWith("java.io.InputStream.readNBytes") || f.startsWith("java.io.ByteArrayInputStream")
                    || f.startsWith("jdk.internal.util.ArraysSupport") || f.startsWith("java.util.Arrays.fill")),
            new Rule("HTTP client (Apache)", f -> f.startsWith("org.apache.http.")),
            new Rule("AWS SDK", f -> f.startsWith("software.amazon.awssdk.")),
            new Rule("Undertow / XNIO", f -> f.startsWith("io.undertow.") || f.startsWith("org.xnio.")),
            new Rule("agent: NBD server", f -> f.startsWith("io.imagegate.agent.nbd.")),
            new Rule("agent: node cache", f -> f.startsWith("io.imagegate.agent.cache.")),
            new Rule("agent: image, overlay, fetch", f -> f.startsWith("io.imagegate.agent.image.")),
            new Rule("agent: remote", f -> f.startsWith("io.imagegate.agent.remote.")),
            new Rule("gateway", f -> f.startsWith("io.imagegate.gateway.")),
            new Rule("chunk layer", f -> f.startsWith("io.imagegate.chunk.")),
            new Rule("ZooKeeper / metadata", f -> f.startsWith("org.apache.zookeeper.") || f.startsWith("org.apache.curator.")
                    || f.startsWith("io.imagegate.meta.")),
            new Rule("locks, threads, futures", f -> f.startsWith("java.util.concurrent.") || f.startsWith("java.lang.Thread")
                    || f.startsWith("java.lang.VirtualThread") || f.startsWith("jdk.internal.vm.")),
            new Rule("logging, metrics", f -> f.startsWith("ch.qos.logback.") || f.startsWith("org.slf4j.")
                    || f.startsWith("io.micrometer.") || f.startsWith("io.prometheus.")),
            new Rule("collections, strings", f -> f.startsWith("java.util.") || f.startsWith("java.lang.String")
                    || f.startsWith("java.lang.AbstractStringBuilder") || f.startsWith("java.lang.StringBuilder")));

    static JfrSummary of(Path file) throws IOException {
        Map<String, Long> cats = new LinkedHashMap<>();
        Map<String, Long> methods = new LinkedHashMap<>();
        Map<String, Long> alloc = new LinkedHashMap<>();
        long samples = 0;
        double gc = 0;
        long gcCount = 0;
        long monitors = 0;
        double monitorMs = 0;
        long pinned = 0;
        double pinnedMs = 0;
        try (RecordingFile r = new RecordingFile(file)) {
            while (r.hasMoreEvents()) {
                RecordedEvent e = r.readEvent();
                switch (e.getEventType().getName()) {
                    case "jdk.ExecutionSample" -> {
                        samples++;
                        List<RecordedFrame> frames = frames(e.getStackTrace());
                        cats.merge(category(frames), 1L, Long::sum);
                        if (!frames.isEmpty()) {
                            methods.merge(name(frames.getFirst()), 1L, Long::sum);
                        }
                    }
                    case "jdk.ObjectAllocationSample" -> alloc.merge(allocationSite(frames(e.getStackTrace())),
                            e.getLong("weight"), Long::sum);
                    case "jdk.GarbageCollection" -> {
                        gc += e.getDuration("sumOfPauses").toNanos() / 1e6;
                        gcCount++;
                    }
                    case "jdk.JavaMonitorEnter" -> {
                        monitors++;
                        monitorMs += e.getDuration().toNanos() / 1e6;
                    }
                    case "jdk.VirtualThreadPinned" -> {
                        pinned++;
                        pinnedMs += e.getDuration().toNanos() / 1e6;
                    }
                    default -> { }
                }
            }
        }
        Map<String, Long> allocMiB = new LinkedHashMap<>();
        top(alloc, 12).forEach((k, v) -> allocMiB.put(k, v >> 20));
        return new JfrSummary(file.getFileName().toString(), samples, top(cats, 30), top(methods, 15), allocMiB, gc,
                gcCount, monitors, monitorMs, pinned, pinnedMs);
    }

    private static List<RecordedFrame> frames(RecordedStackTrace st) {
        return st == null ? List.of() : st.getFrames();
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String category(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String n = name(f);
            for (Rule rule : RULES) {
                if (rule.frame.test(n)) {
                    return rule.category;
                }
            }
        }
        return frames.isEmpty() ? "(no stack)" : "other: " + name(frames.getFirst());
    }

    /** The innermost frame of imagegate's own code (else the innermost frame): who asked for the memory. */
    private static String allocationSite(List<RecordedFrame> frames) {
        String leaf = frames.isEmpty() ? "(no stack)" : name(frames.getFirst()) + ":" + frames.getFirst().getLineNumber();
        for (RecordedFrame f : frames) {
            if (f.getMethod().getType().getName().startsWith("io.imagegate.")) {
                return name(f) + ":" + f.getLineNumber() + " (" + leaf + ")";
            }
        }
        return leaf;
    }

    private static Map<String, Long> top(Map<String, Long> m, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** A Markdown section. */
    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("#### Profile `").append(file).append("`\n\n");
        b.append("%d execution samples; GC: %d collections, %.0f ms of pauses; contended monitors: %d (%.0f ms); "
                .formatted(samples, gcCount, gcPauseMillis, monitorEnters, monitorMillis));
        b.append("pinned virtual threads: %d (%.0f ms)\n\n".formatted(pinned, pinnedMillis));
        b.append("| where (innermost recognised frame) | samples | share |\n| --- | ---: | ---: |\n");
        categories.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" | ")
                .append("%.1f%%".formatted(100.0 * v / Math.max(1, samples))).append(" |\n"));
        b.append("\nHottest methods (innermost frame): ");
        b.append(String.join("; ", topMethods.entrySet().stream().map(e -> "`" + e.getKey() + "` " + e.getValue()).toList()));
        b.append("\n\nAllocation (MiB, sampled weight, by imagegate call site): ");
        b.append(String.join("; ", allocationMiB.entrySet().stream().map(e -> "`" + e.getKey() + "` " + e.getValue()).toList()));
        b.append("\n\n");
        return b.toString();
    }
}
