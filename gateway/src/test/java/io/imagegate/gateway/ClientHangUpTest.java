package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.chunk.ChunkStoreStats;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.Checkpoints;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.GcCoordination;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import io.imagegate.meta.ZkStoreConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * Work stops when the client goes (issue 12, finding 7). Each test sends a whole request over a raw
 * socket as a non-admin user, holds the request at its first checkpoint ({@link Checkpoints}), closes
 * the socket there, lets the request go on once the gateway has seen the hang-up, and then checks by
 * counters that nothing more was done: no chunk read or written, no ZooKeeper change, nothing
 * published or half-visible, the write's pin released, and the request counted as cancelled (499 in
 * the request metrics). A real gateway on a real ZooKeeper (TestingServer).
 */
class ClientHangUpTest {

    private static final String ACCESS_KEY = "HANGUPTESTUSERKEY001";
    private static final String SECRET = "hang-up-test-user-secret";
    /** How long a condition is waited for at most: generous, the machine is shared; never asserted on. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TestingServer zk;
    private ZkMetadataStore meta;
    private MetricsChunkStore store;
    private GatewayMetrics metrics;
    private GatewayServer server;
    private S3Client s3;
    private final Hold hold = new Hold();

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        meta = ZkMetadataStore.connect(zk.getConnectString(), ZkStoreConfig.defaults());
        meta.createUser(new UserRecord("hana", ACCESS_KEY, SECRET, Instant.now(), false));
        ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(dir);
        store = chunks.store();
        metrics = new GatewayMetrics(store);
        GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
        server = GatewayServer.start(new Stores(meta, new DefaultChunkRepository(store), Clock.systemUTC(), config),
                new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults().withRegion("us-east-1", true),
                        new RequestParser(List.of("localhost"))),
                metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null, hold);
        s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(() -> AwsBasicCredentials.create(ACCESS_KEY, SECRET))
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build();
    }

    @AfterEach
    void stop() throws Exception {
        hold.release();
        s3.close();
        server.close();
        meta.close();
        store.close();
        zk.close();
    }

    @Test
    void aCommitKeepingManyChunksStopsAtTheNextChunkOnceItsClientHangsUp() throws Exception {
        createBucket("images", 4096);
        byte[] base = randomBytes(1024 * 4096, 1);
        s3.putObject(r -> r.bucket("images").key("disk.raw"), RequestBody.fromBytes(base));
        // a descriptor that keeps every chunk of the base, moved nowhere: all work, after the body, is the gateway's
        ObjectNode d = JSON.createObjectNode().put("size", base.length);
        ArrayNode list = d.putArray("chunks");
        for (int off = 0; off < base.length; off += 4096) {
            list.addObject().put("offset", off).put("length", 4096)
                    .put("hash", ChunkHash.sha256(base, off, 4096).hex()).put("upload", false);
        }
        byte[] descriptor = JSON.writeValueAsBytes(d);
        byte[] body = ByteBuffer.allocate(4 + descriptor.length).putInt(descriptor.length).put(descriptor).array();
        hold.at("commit.kept-chunk");

        Work work = hangUpAtTheHold(signed("POST", "/images/disk.raw", "commit",
                Map.of("x-imagegate-base-version-id", "null", "Content-Type", "application/vnd.imagegate.commit"), body),
                "CommitVersion");

        work.assertNothingMoreDoneWithTheStore();
        assertEquals(1, s3.listObjectVersions(r -> r.bucket("images")).versions().size(),
                "nothing was published: the base is the key's only version");
        assertEquals(List.of(), pinned(), "the commit's pin on its base was released");
        work.assertCancelled();
    }

    @Test
    void missingChunksStopsBeforeReadingTheBaseOnceItsClientHangsUp() throws Exception {
        createBucket("asked", 4096);
        byte[] base = randomBytes(1024 * 4096, 4);
        s3.putObject(r -> r.bucket("asked").key("disk.raw"), RequestBody.fromBytes(base));
        ArrayNode hashes = JSON.createObjectNode().putArray("hashes");
        for (int i = 0; i < 100; i++) {
            hashes.add(ChunkHash.sha256(randomBytes(4096, 100 + i), 0, 4096).hex());
        }
        byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().set("hashes", hashes));
        hold.at("missing-chunks.hash");

        Work work = hangUpAtTheHold(signed("POST", "/asked/disk.raw", "missing-chunks",
                Map.of("Content-Type", "application/json"), body), "MissingChunks");

        work.assertNothingMoreDoneWithTheStore(); // before: a pass over the base's manifest pages
        work.assertCancelled();
    }

    @Test
    void deleteObjectsStopsBeforeTheNextKeyOnceItsClientHangsUp() throws Exception {
        createBucket("batch", 0);
        List<String> keys = new ArrayList<>();
        StringBuilder xml = new StringBuilder("<Delete>");
        for (int i = 0; i < 50; i++) {
            String key = "disk-" + i + ".raw";
            keys.add(key);
            s3.putObject(r -> r.bucket("batch").key(key), RequestBody.fromString(key));
            xml.append("<Object><Key>").append(key).append("</Key></Object>");
        }
        byte[] body = xml.append("</Delete>").toString().getBytes(StandardCharsets.UTF_8);
        hold.at("delete-objects.key");

        Work work = hangUpAtTheHold(signed("POST", "/batch", "delete", Map.of("Content-MD5", md5(body)), body),
                "DeleteObjects");

        work.assertNothingMoreDoneWithTheStore();
        assertEquals(keys.stream().sorted().toList(), listed("batch"), "no key was deleted after the hang-up");
        work.assertCancelled();
    }

    @Test
    void completeMultipartUploadStopsBeforeComposingOnceItsClientHangsUp() throws Exception {
        createBucket("parts", 0);
        String uploadId = s3.createMultipartUpload(r -> r.bucket("parts").key("big.raw")).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        byte[][] data = {randomBytes(5 << 20, 2), randomBytes(100_000, 3)};
        for (int i = 0; i < data.length; i++) {
            int n = i + 1;
            String etag = s3.uploadPart(r -> r.bucket("parts").key("big.raw").uploadId(uploadId).partNumber(n),
                    RequestBody.fromBytes(data[n - 1])).eTag();
            parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        StringBuilder xml = new StringBuilder("<CompleteMultipartUpload>");
        parts.forEach(p -> xml.append("<Part><PartNumber>").append(p.partNumber()).append("</PartNumber><ETag>")
                .append(p.eTag()).append("</ETag></Part>"));
        byte[] body = xml.append("</CompleteMultipartUpload>").toString().getBytes(StandardCharsets.UTF_8);
        hold.at("complete.parts-page");

        Work work = hangUpAtTheHold(signed("POST", "/parts/big.raw", "uploadId=" + uploadId, Map.of(), body),
                "CompleteMultipartUpload");

        work.assertNothingMoreDoneWithTheStore();
        assertEquals(List.of(), listed("parts"), "the object was not completed");
        assertEquals(2, s3.listParts(r -> r.bucket("parts").key("big.raw").uploadId(uploadId)).parts().size(),
                "the upload is still in progress with its parts, to be completed again");
        assertEquals(List.of(), pinned(), "the completion's pin was released");
        work.assertCancelled();
    }

    @Test
    void aListingPassingOverDeletedKeysStopsAtTheNextWindowOnceItsClientHangsUp() throws Exception {
        createBucket("markers", 0);
        s3.putBucketVersioning(r -> r.bucket("markers").versioningConfiguration(v -> v.status("Enabled")));
        for (int i = 0; i < 64; i++) {
            String key = "disk-" + i + ".raw";
            s3.putObject(r -> r.bucket("markers").key(key), RequestBody.fromString(key));
            s3.deleteObject(r -> r.bucket("markers").key(key));
        }
        s3.putObject(r -> r.bucket("markers").key("zz"), RequestBody.fromString("zz"));
        // one key to list, found past 64 keys whose current version is a delete marker: windows of 16 keys read
        hold.at("list.window");

        Work work = hangUpAtTheHold(signed("GET", "/markers", "list-type=2&max-keys=1", Map.of(), new byte[0]),
                "ListObjects");

        assertEquals(0, hold.reachedAfterRelease.get(), "no window of keys was read after the hang-up was seen");
        work.assertCancelled();
    }

    @Test
    void aClientThatStaysGetsItsAnswerAndItsConnectionServesTheNextRequest() throws Exception {
        createBucket("kept", 0);
        s3.putObject(r -> r.bucket("kept").key("a"), RequestBody.fromString("a"));
        s3.putObject(r -> r.bucket("kept").key("b"), RequestBody.fromString("b"));
        // watched while it works (a checkpoint per key), answered, and the keep-alive connection goes on
        var deleted = s3.deleteObjects(r -> r.bucket("kept").delete(d -> d.objects(
                ObjectIdentifier.builder().key("a").build(), ObjectIdentifier.builder().key("b").build())));
        assertEquals(2, deleted.deleted().size());
        assertEquals(List.of(), listed("kept"));
        s3.putObject(r -> r.bucket("kept").key("c"), RequestBody.fromString("c"));
        assertEquals(List.of("c"), listed("kept"));
        assertEquals(0, metrics.cancelledCount("DeleteObjects"));
    }

    @Test
    void aRequestPipelinedBehindAWatchedOneIsReadAndServedAfterIt() throws Exception {
        createBucket("piped", 0);
        s3.putObject(r -> r.bucket("piped").key("a"), RequestBody.fromString("a"));
        byte[] body = "<Delete><Object><Key>a</Key></Object></Delete>".getBytes(StandardCharsets.UTF_8);
        hold.at("delete-objects.key");
        try (Socket socket = new Socket("127.0.0.1", server.endpoint().getPort())) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            socket.getOutputStream().write(signed("POST", "/piped", "delete", Map.of("Content-MD5", md5(body)), body));
            assertTrue(hold.reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the request reached its hold");
            Call held = hold.held.get();
            assertTrue(held.watchingForHangUp(), "the connection is watched while the request works");
            // the next request arrives while the first is worked on: the watch reads it and gives it back
            socket.getOutputStream().write(signed("GET", "/piped", "list-type=2", Map.of("Connection", "close"),
                    new byte[0]));
            waitFor(() -> !held.watchingForHangUp());
            assertTrue(!held.hungUp(), "bytes of a next request are no hang-up");
            hold.release();
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, answers.split("HTTP/1.1 200 ", -1).length - 1, "both requests answered 200:\n" + answers);
            assertTrue(answers.contains("<Deleted><Key>a</Key>") && answers.contains("<KeyCount>0</KeyCount>"),
                    "the delete, then the listing after it:\n" + answers);
        }
        assertEquals(0, metrics.cancelledCount("DeleteObjects"));
    }

    // ---- the hang-up

    /**
     * What the store had done when the held request was let go and when it had ended, and how the
     * request was recorded.
     */
    private record Work(ChunkStoreStats atRelease, ChunkStoreStats atEnd, String status, double cancelled) {
        void assertNothingMoreDoneWithTheStore() {
            assertEquals(atRelease.reads(), atEnd.reads(), "no chunk or page was read after the hang-up was seen");
            assertEquals(atRelease.bytesWritten(), atEnd.bytesWritten(), "nothing was written after the hang-up was seen");
        }

        void assertCancelled() {
            assertEquals("499", status, "the request is recorded as closed by its client");
            assertEquals(1, cancelled, "and counted as cancelled");
        }
    }

    /**
     * Sends {@code request} on a socket, closes the socket when the request reaches its hold, lets it go
     * on once the gateway has seen the hang-up, and waits until it has ended: as a cancelled {@code op}.
     */
    private Work hangUpAtTheHold(byte[] request, String op) throws Exception {
        double cancelledBefore = metrics.cancelledCount(op);
        try (Socket socket = new Socket("127.0.0.1", server.endpoint().getPort())) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            assertTrue(hold.reached.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the request reached its hold");
        } // closed: the client hangs up while the gateway holds the request
        Call held = hold.held.get();
        waitFor(held::hungUp); // the watch reads the close on the connection's I/O thread
        ChunkStoreStats atRelease = store.stats();
        hold.release();
        waitFor(() -> status(op) != null);
        return new Work(atRelease, store.stats(), status(op), metrics.cancelledCount(op) - cancelledBefore);
    }

    /** Holds the first request that reaches checkpoint {@code where} until released. */
    private static final class Hold implements Checkpoints {
        private volatile String where;
        final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        final AtomicReference<Call> held = new AtomicReference<>();
        /** Checkpoints the held request reached after it was let go (the one it was held at not counted). */
        final AtomicInteger reachedAfterRelease = new AtomicInteger();

        void at(String checkpoint) {
            where = checkpoint;
        }

        void release() {
            released.countDown();
        }

        @Override
        public void reached(Call call, String checkpoint) {
            if (held.get() == call && released.getCount() == 0) {
                reachedAfterRelease.incrementAndGet();
            }
            if (checkpoint.equals(where) && held.compareAndSet(null, call)) {
                reached.countDown();
                try {
                    released.await(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    // ---- helpers

    /** The status of the one request of {@code op} the metrics recorded, or null before it ended. */
    private String status(String op) {
        Matcher m = Pattern.compile("imagegate_s3_requests_seconds_count\\{operation=\"" + op + "\",status=\"(\\d+)\"")
                .matcher(metrics.scrape());
        return m.find() ? m.group(1) : null;
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    /** The manifests the pins of writes in flight protect, as a collector's marking reads them (a dry run). */
    private List<String> pinned() {
        List<String> out = new ArrayList<>();
        try (GcCoordination.CollectorLock lock = meta.gc().tryLock(Duration.ofSeconds(10)).orElseThrow();
             GcCoordination.Marking marking = lock.beginMarking(true)) {
            marking.visitPins(out::add);
        }
        return out;
    }

    private void createBucket(String bucket, int chunkSize) {
        s3.createBucket(r -> r.bucket(bucket).overrideConfiguration(o -> {
            if (chunkSize > 0) {
                o.putHeader("x-imagegate-chunk-size", String.valueOf(chunkSize));
            }
        }));
    }

    private List<String> listed(String bucket) {
        return s3.listObjectsV2(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String md5(byte[] body) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
    }

    /** A whole HTTP/1.1 request signed with SigV4 by the SDK's signer as the test's user (unsigned payload). */
    private byte[] signed(String method, String path, String rawQuery, Map<String, String> headers, byte[] body)
            throws IOException {
        int port = server.endpoint().getPort();
        SdkHttpFullRequest.Builder http = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .protocol("http").host("127.0.0.1").port(port).encodedPath(path);
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            query.computeIfAbsent(eq < 0 ? pair : pair.substring(0, eq), k -> new ArrayList<>())
                    .add(eq < 0 ? null : pair.substring(eq + 1));
        }
        query.forEach(http::putRawQueryParameter);
        headers.forEach(http::putHeader);
        http.putHeader("Content-Length", Integer.toString(body.length));
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(http.build())
                .identity(AwsCredentialsIdentity.create(ACCESS_KEY, SECRET))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
        StringBuilder head = new StringBuilder(method).append(' ').append(signed.request().encodedPath());
        SdkHttpUtils.encodeAndFlattenQueryParameters(signed.request().rawQueryParameters())
                .ifPresent(q -> head.append('?').append(q));
        head.append(" HTTP/1.1\r\n");
        signed.request().headers().forEach((name, values) -> values.forEach(v -> head.append(name).append(": ")
                .append(v).append("\r\n")));
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(body);
        return out.toByteArray();
    }
}
