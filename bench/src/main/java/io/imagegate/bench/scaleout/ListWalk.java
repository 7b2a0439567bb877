package io.imagegate.bench.scaleout;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A complete listing of one {@link KeyLayout.ListCase}, page after page, each page asked of the
 * next gateway in turn (so continuation tokens cross gateways), checked entry by entry against
 * what the layout says: the same entries, in order, each once, and the last page not truncated.
 */
final class ListWalk {

    /** The walk's pages and whether it listed exactly what it should. */
    record Result(String listCase, int gateways, int pages, long entries, Latencies pageLatency,
                  long maxPageBytes, boolean correct, String problem, double seconds, long[] pageNanos) {}

    private ListWalk() {}

    static Result walk(ListClient client, List<URI> gateways, String bucket, KeyLayout.ListCase c, int pageSize,
                       int maxPages) throws IOException, InterruptedException {
        long[] latency = new long[16];
        int pages = 0;
        long seen = 0;
        long maxBytes = 0;
        String problem = null;
        String token = null;
        String previous = null;
        long t0 = System.nanoTime();
        while (true) {
            URI gw = gateways.get(pages % gateways.size());
            ListClient.Page p = client.list(gw, bucket, c.prefix(), c.delimiter(), pageSize, token);
            if (pages == latency.length) {
                latency = java.util.Arrays.copyOf(latency, pages * 2);
            }
            latency[pages++] = p.nanos();
            maxBytes = Math.max(maxBytes, p.bytes());
            List<String> entries = new ArrayList<>(p.keys().size() + p.prefixes().size());
            entries.addAll(p.keys());
            entries.addAll(p.prefixes());
            entries.sort(null); // ASCII keys: String order is S3's byte order
            if (problem == null && p.keyCount() >= 0 && p.keyCount() != entries.size()) {
                problem = "page " + pages + ": KeyCount " + p.keyCount() + " but " + entries.size() + " entries";
            }
            if (problem == null && entries.size() > pageSize) {
                problem = "page " + pages + " has " + entries.size() + " entries, more than " + pageSize;
            }
            if (problem == null && p.truncated() && entries.size() < pageSize) {
                problem = "page " + pages + " is truncated with only " + entries.size() + " entries";
            }
            for (String e : entries) {
                if (problem == null) {
                    if (previous != null && e.compareTo(previous) <= 0) {
                        problem = "out of order or repeated after " + previous + ": " + e;
                    } else if (seen >= c.expected()) {
                        problem = "more than the " + c.expected() + " expected entries: " + e;
                    } else if (!e.equals(c.at().apply((int) seen))) {
                        problem = "entry " + seen + " is " + e + ", expected " + c.at().apply((int) seen);
                    }
                }
                previous = e;
                seen++;
            }
            if (!p.truncated()) {
                break;
            }
            if (p.nextToken() == null) {
                problem = problem != null ? problem : "page " + pages + " is truncated without a continuation token";
                break;
            }
            token = p.nextToken();
            if (pages >= maxPages) {
                problem = problem != null ? problem : "gave up after " + pages + " pages";
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (problem == null && seen != c.expected()) {
            problem = "listed " + seen + " entries, expected " + c.expected();
        }
        return new Result(c.name(), gateways.size(), pages, seen, Latencies.of(latency, pages), maxBytes,
                problem == null, problem, seconds, java.util.Arrays.copyOf(latency, pages));
    }
}
