package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.HttpDates;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.ZkMetadataStore;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every answer carries the gateway's current time in {@code Date}, also after another gateway in the
 * same JVM has stopped. Undertow formats one date for the whole JVM and renews it by a timer on the
 * I/O thread of the request that made it; when that request's server stops before the timer runs,
 * every later server in the JVM sends that old date for ever. SDK v2 clients take a 403 whose Date
 * is more than four minutes away for clock skew and re-time every later signature by it (a JVM-wide
 * offset), so a test suite that starts and stops gateways saw RequestTimeTooSkewed on every SDK
 * request once such a date was 15 minutes old (seen in a whole-suite run on 2026-12-07).
 */
class DateHeaderAfterRestartTest {

    @TempDir
    Path dir;

    private GatewayServer start(ZkMetadataStore meta, Path chunkDir) throws Exception {
        ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(chunkDir);
        GatewayMetrics metrics = new GatewayMetrics(chunks.store());
        GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
        return GatewayServer.start(
                new Stores(meta, new DefaultChunkRepository(chunks.store()), Clock.systemUTC(), config),
                new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults()
                        .withRegion("us-east-1", true), new RequestParser(List.of("localhost"))),
                metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null);
    }

    private static Instant dateOf(HttpClient http, GatewayServer server) throws Exception {
        // anonymous ListBuckets: 403 AccessDenied, the answer SDK clients read a clock skew from
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.endpoint().resolve("/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        return HttpDates.parseHttpDate(r.headers().firstValue("Date").orElseThrow()).orElseThrow();
    }

    @Test
    void aStoppedGatewayDoesNotFreezeTheDateOfTheNextOne() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (TestingServer zk = new TestingServer(true);
             ZkMetadataStore meta = ZkMetadataStore.connect(zk.getConnectString())) {
            try (GatewayServer first = start(meta, dir.resolve("a"))) {
                // let any date another server of this JVM formatted expire, so this answer formats
                // the next one on this server's I/O thread, then stop the server within the second
                Thread.sleep(1_100);
                dateOf(http, first);
            }
            Thread.sleep(3_000);
            try (GatewayServer second = start(meta, dir.resolve("b"))) {
                Instant before = Instant.now();
                Instant date = dateOf(http, second);
                Instant after = Instant.now();
                // HTTP dates are whole seconds: the answer's falls within the request's own seconds
                assertTrue(!date.isBefore(HttpDates.toSeconds(before)) && !date.isAfter(after),
                        "Date " + date + " outside the request's time " + before + " .. " + after);
            }
        }
    }
}
