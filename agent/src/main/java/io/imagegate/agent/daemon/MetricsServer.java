package io.imagegate.agent.daemon;

import com.sun.net.httpserver.HttpServer;
import io.imagegate.agent.cache.CacheStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** {@code GET /metrics} in Prometheus' text format: per export fetch and cache counters, and the node cache. */
final class MetricsServer implements AutoCloseable {

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    static MetricsServer start(String hostPort, Agent agent) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        HttpServer s = HttpServer.create(new InetSocketAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1))), 16);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/metrics", ex -> {
            byte[] body = render(agent.status()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        return new MetricsServer(s);
    }

    int port() {
        return server.getAddress().getPort();
    }

    static String render(AgentStatus st) {
        StringBuilder b = new StringBuilder();
        CacheStats c = st.cache();
        gauge(b, "imagegate_agent_cache_bytes", "bytes in the node cache", c.bytes());
        gauge(b, "imagegate_agent_cache_max_bytes", "bound of the node cache", c.maxBytes());
        gauge(b, "imagegate_agent_cache_entries", "chunks in the node cache", c.entries());
        counter(b, "imagegate_agent_cache_evictions_total", "chunks evicted", c.evictions());
        counter(b, "imagegate_agent_cache_corrupt_total", "corrupt cache entries found and deleted", c.corrupt());
        counter(b, "imagegate_agent_cache_write_errors_total", "cache writes that failed (full disk)", c.writeErrors());
        perExport(b, st, "imagegate_agent_fetched_bytes_total", "counter", "bytes fetched from the store",
                ExportStatus::fetchedBytes);
        perExport(b, st, "imagegate_agent_fetch_requests_total", "counter", "range GETs sent", ExportStatus::fetchRequests);
        perExport(b, st, "imagegate_agent_fetch_retries_total", "counter", "range GETs retried", ExportStatus::fetchRetries);
        perExport(b, st, "imagegate_agent_fetch_failures_total", "counter", "fetches failed after all retries",
                ExportStatus::fetchFailures);
        perExport(b, st, "imagegate_agent_cache_hits_total", "counter", "chunk reads served by the node cache",
                ExportStatus::cacheHits);
        perExport(b, st, "imagegate_agent_guest_read_bytes_total", "counter", "bytes the guest read",
                ExportStatus::guestReadBytes);
        perExport(b, st, "imagegate_agent_guest_write_bytes_total", "counter", "bytes the guest wrote",
                ExportStatus::guestWriteBytes);
        perExport(b, st, "imagegate_agent_dirty_bytes", "gauge", "written bytes not yet in a version",
                ExportStatus::dirtyBytes);
        perExport(b, st, "imagegate_agent_prefetch_done_chunks", "gauge", "profile chunks prefetched",
                ExportStatus::prefetchDone);
        perExport(b, st, "imagegate_agent_prefetch_total_chunks", "gauge", "chunks in the boot profile",
                ExportStatus::prefetchTotal);
        perExport(b, st, "imagegate_agent_snapshots_total", "counter", "snapshots committed", ExportStatus::snapshots);
        perExport(b, st, "imagegate_agent_hydrated_bytes", "gauge", "bytes of the version's data in the node cache "
                + "(exports being hydrated)", ExportStatus::hydratedBytes);
        perExport(b, st, "imagegate_agent_hydrate_total_bytes", "gauge", "bytes of the version's data (exports being "
                + "hydrated)", ExportStatus::hydrateTotalBytes);
        perExport(b, st, "imagegate_agent_hydrate_eta_seconds", "gauge", "seconds until hydrated at the current pace "
                + "(-1: not known yet)", ExportStatus::hydrateEtaSeconds);
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }

    private static void perExport(StringBuilder b, AgentStatus st, String name, String type, String help,
                                  java.util.function.ToLongFunction<ExportStatus> f) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (ExportStatus e : st.exports()) {
            b.append(name).append("{export=\"").append(e.name().replace("\"", "")).append("\"} ")
                    .append(f.applyAsLong(e)).append('\n');
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
