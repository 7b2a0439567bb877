package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.s3compat.ExtensionCalls.Chunk;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What an extension request may cost is bounded by what it sends (issue 12, findings 7 to 9): a
 * commit that grows its base to 5 TiB builds a few pages, not one reference per chunk; descriptors
 * are read as they arrive and what they hold comes out of one gateway-wide memory budget, so
 * clients that send descriptors and withhold the rest are refused with 503 SlowDown instead of
 * exhausting the heap; descriptor arithmetic cannot wrap.
 */
class ExtensionCostTest {

    static final int CHUNK = 64 * 1024;
    /** What this gateway lets requests hold at once. */
    static final long BUDGET = 16L << 20;

    static GatewayFixture gw;
    static Gateway small;
    static S3Client s3;
    static ExtensionCalls ext;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start();
        // a peer of the fixture's gateway with a small request-memory budget
        small = Gateway.start(Gateway.Options.defaults(gw.dataDir()).withZooKeeper(gw.zookeeperConnect())
                .withHttp(GatewayConfig.defaults().withPort(0).withRequestMemoryBytes(BUDGET))
                .withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY));
        s3 = gw.client();
        ext = new ExtensionCalls(new SignedHttp(gw.endpoint()));
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        small.close();
        gw.close();
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aSixtyByteCommitGrowsItsBaseToFiveTebibytesWithAFewPages() throws Exception {
        String b = GatewayFixture.uniqueBucket("grow");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromBytes(new byte[0]));
        long size = 5L << 40;
        byte[] body = ExtensionCalls.commitBody(size, List.of());
        assertTrue(body.length < 64, "a " + body.length + "-byte request");
        SignedHttp.Response r = ext.commit(b, "k", "null", false, size, List.of());
        assertEquals(200, r.status(), r.text());
        JsonNode done = ExtensionCalls.JSON.readTree(r.body());
        assertEquals(size, done.get("size").asLong());
        assertEquals(0, done.get("storedBytes").asLong());
        assertTrue(done.get("pagesWritten").asLong() < 20, "pages written: " + done.get("pagesWritten"));
        assertEquals(size, s3.headObject(h -> h.bucket(b).key("k")).contentLength());
        byte[] tail = s3.getObjectAsBytes(g -> g.bucket(b).key("k").range("bytes=" + (size - 10) + "-")).asByteArray();
        assertArrayEquals(new byte[10], tail);
        JsonNode page = ExtensionCalls.JSON.readTree(ext.manifestPage(b, "k", null, size - 1, 1).body());
        JsonNode last = page.get("chunks").get(0);
        assertEquals(size - CHUNK, last.get("offset").asLong(), "zeros on the chunk grid");
        assertTrue(last.get("zero").asBoolean());
    }

    @Test
    void anOffsetWhoseEndWouldWrapPastTwoToTheSixtyThreeIsRefused() throws Exception {
        String b = GatewayFixture.uniqueBucket("wrap");
        s3.createBucket(r -> r.bucket(b));
        byte[] original = random(1, CHUNK);
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromBytes(original));
        long nearTop = Long.MAX_VALUE - (Long.MAX_VALUE % CHUNK); // aligned; offset + length overflows
        byte[] chunk = random(2, CHUNK);
        // finding 9: the sum wrapped negative, passed the checks, and the commit said "uploadedChunks: 1"
        SignedHttp.Response r = ext.commit(b, "k", "null", false, CHUNK, List.of(Chunk.upload(nearTop, chunk)));
        assertEquals(400, r.status(), r.text());
        assertEquals("InvalidArgument", r.code());
        assertArrayEquals(original, s3.getObjectAsBytes(g -> g.bucket(b).key("k")).asByteArray());
    }

    /** A descriptor of {@code n} full chunks marked for upload: about 100 bytes of JSON each. */
    static byte[] descriptorOf(int n) {
        StringBuilder sb = new StringBuilder("{\"size\":").append((long) n * CHUNK).append(",\"chunks\":[");
        String hash = "ab".repeat(32);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"offset\":").append((long) i * CHUNK).append(",\"length\":")
                    .append(CHUNK).append(",\"hash\":\"").append(hash).append("\",\"upload\":true}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Opens a commit whose descriptor is sent whole and whose chunk data is withheld; the socket stays open. */
    static Socket withholdingCommit(String bucket, byte[] descriptor, int chunks) throws Exception {
        long length = 4L + descriptor.length + (long) chunks * CHUNK;
        RawHttp raw = new RawHttp(small.endpoint());
        Map<String, List<String>> signed = raw.sign("POST", "/" + bucket + "/k?commit",
                Map.of("x-imagegate-base-version-id", "null", "Content-Type", "application/vnd.imagegate.commit"), null);
        StringBuilder head = new StringBuilder("POST /" + bucket + "/k?commit HTTP/1.1\r\n");
        signed.forEach((k, vs) -> vs.forEach(v -> head.append(k).append(": ").append(v).append("\r\n")));
        head.append("Content-Length: ").append(length).append("\r\n\r\n");
        Socket socket = new Socket(small.endpoint().getHost(), small.endpoint().getPort());
        socket.setSoTimeout(60_000);
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(ByteBuffer.allocate(4).putInt(descriptor.length).array());
        CompletableFuture.runAsync(() -> {
            try {
                out.write(descriptor);
                out.flush();
            } catch (Exception e) {
                // the gateway may answer and close before it reads everything
            }
        });
        return socket;
    }

    static String readResponse(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while (!all.toString(StandardCharsets.UTF_8).contains("</Error>") && (n = in.read(buf)) > 0) {
            all.write(buf, 0, n);
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    static double heldBytes() throws Exception {
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(small.endpoint().resolve("/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return scrape.lines().filter(l -> l.startsWith("imagegate_request_memory_held_bytes ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).orElseThrow(() -> new AssertionError(scrape));
    }

    @Test
    void descriptorsWhoseDataIsWithheldHoldNoMoreThanTheBudgetAndTheRestAreSlowedDown() throws Exception {
        String b = GatewayFixture.uniqueBucket("withheld");
        s3.createBucket(r -> r.bucket(b));
        s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromBytes(new byte[0]));
        int chunks = 60_000;
        byte[] descriptor = descriptorOf(chunks);
        assertTrue(descriptor.length > 5_000_000, "a " + descriptor.length + "-byte descriptor");
        // finding 8: each such commit held its descriptor whole (and its parse) while the client withheld the data
        try (Socket first = withholdingCommit(b, descriptor, chunks)) {
            double held = 0;
            for (int i = 0; i < 400 && held < 4_000_000; i++) {
                held = heldBytes();
                Thread.sleep(25);
            }
            assertTrue(held >= 4_000_000 && held <= BUDGET, "the first commit holds " + held + " bytes");
            try (Socket second = withholdingCommit(b, descriptor, chunks)) {
                String answer = readResponse(second);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
                assertTrue(answer.contains("<Code>SlowDown</Code>") && answer.contains("<RequestId>"), answer);
                assertTrue(heldBytes() <= BUDGET);
            }
        }
        // a client that goes away gives everything back; nothing was published
        double held = heldBytes();
        for (int i = 0; i < 400 && held > 0; i++) {
            Thread.sleep(25);
            held = heldBytes();
        }
        assertEquals(0, held, 0.5);
        assertEquals(0, s3.headObject(h -> h.bucket(b).key("k")).contentLength());
    }
}
