package io.imagegate.chunk.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.BackendUnavailableException;
import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.PackId;
import io.imagegate.chunk.PackNotFoundException;
import io.imagegate.chunk.retry.RetryPolicy;
import io.imagegate.chunk.s3.S3TestServer.Op;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The S3 store against a real S3 server (s3proxy in this JVM), one key prefix per test. */
class S3ChunkStoreTest {

    /** The smallest part S3 (and s3proxy) accepts: 5 MiB. */
    private static final int PART = 5 * 1024 * 1024;

    @TempDir
    static Path serverDir;

    private static S3TestServer server;
    private static S3Client raw;

    private S3ChunkStore store;
    private String prefix;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.start(serverDir);
        raw = server.client();
    }

    @AfterAll
    static void stopServer() throws Exception {
        raw.close();
        server.close();
    }

    @BeforeEach
    void open(TestInfo test) throws IOException {
        server.blobs.reset();
        prefix = "t/" + test.getTestMethod().orElseThrow().getName() + "/";
        store = S3ChunkStore.open(server.config(prefix));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private PackId put(ChunkStore s, byte[] data) throws IOException {
        PackId id = PackId.generate(Instant.now());
        try (ChunkStore.PackOutput out = s.create(id)) {
            for (int off = 0; off < data.length; off += 100_000) {
                out.write(ByteBuffer.wrap(data, off, Math.min(100_000, data.length - off)));
            }
            out.seal();
        }
        return id;
    }

    private byte[] read(PackId id, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        store.read(id, offset, b);
        assertFalse(b.hasRemaining());
        return b.array();
    }

    @Test
    void sealedPackReadsBackByRange() throws IOException {
        byte[] data = random(1, 300_000);
        PackId id = put(store, data);
        assertArrayEquals(data, read(id, 0, data.length));
        assertArrayEquals(Arrays.copyOfRange(data, 12_345, 12_345 + 777), read(id, 12_345, 777));
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 1, data.length), read(id, data.length - 1, 1));
    }

    @Test
    void packObjectKeyMirrorsTheLocalLayout() throws IOException {
        PackId id = put(store, random(2, 1000));
        String hex = id.hex();
        String key = prefix + "packs/" + hex.substring(30) + "/" + hex + ".pack";
        assertEquals(key, store.key(id));
        HeadObjectResponse head = raw.headObject(r -> r.bucket(S3TestServer.BUCKET).key(key));
        assertEquals(1000L, head.contentLength());
    }

    @Test
    void oneReadIsOneRangeGetOfExactlyTheBytesAsked() throws IOException {
        PackId id = put(store, random(3, 50_000));
        server.blobs.getRanges.clear();
        read(id, 1000, 4096);
        assertEquals(List.of("bytes=1000-5095"), server.blobs.getRanges);
    }

    @Test
    void smallPackIsOnePutAndLargePackIsAParallelMultipartUpload() throws IOException {
        store.close();
        store = S3ChunkStore.open(server.config(prefix).withPartSize(PART).withUploadParallelism(2));
        PackId small = put(store, random(4, PART));
        assertEquals(1, store.requests().puts());
        assertEquals(0, store.requests().parts());

        byte[] large = random(5, 2 * PART + 123);
        PackId id = put(store, large);
        assertEquals(3, store.requests().parts());
        assertEquals(1, store.requests().puts());
        assertArrayEquals(large, read(id, 0, large.length));
        assertArrayEquals(Arrays.copyOfRange(large, PART - 10, PART + 10), read(id, PART - 10, 20));
        String etag = raw.headObject(r -> r.bucket(S3TestServer.BUCKET).key(store.key(id))).eTag();
        assertTrue(etag.endsWith("-3\""), "a multipart ETag names its part count: " + etag);
        assertEquals(2, packs().size());
        assertTrue(packs().contains(small));
    }

    @Test
    void nothingIsVisibleBeforeSealAndAbortLeavesNothing() throws IOException {
        store.close();
        store = S3ChunkStore.open(server.config(prefix).withPartSize(PART));
        PackId id = PackId.generate(Instant.now());
        ChunkStore.PackOutput out = store.create(id);
        out.write(ByteBuffer.wrap(random(6, PART + 1)));
        assertEquals(Set.of(), packs());
        assertThrows(PackNotFoundException.class, () -> read(id, 0, 1));
        assertFalse(raw.listMultipartUploads(r -> r.bucket(S3TestServer.BUCKET).prefix(prefix)).uploads().isEmpty());
        out.abort();
        assertEquals(Set.of(), packs());
        assertTrue(raw.listMultipartUploads(r -> r.bucket(S3TestServer.BUCKET).prefix(prefix)).uploads().isEmpty());
        assertThrows(IllegalStateException.class, () -> out.write(ByteBuffer.allocate(1)));
    }

    @Test
    void listPaginatesAndIgnoresForeignKeys() throws IOException {
        store.close();
        store = S3ChunkStore.open(server.config(prefix).withListPageSize(2));
        Set<PackId> written = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            written.add(put(store, random(10 + i, 100 + i)));
        }
        raw.putObject(r -> r.bucket(S3TestServer.BUCKET).key(prefix + "packs/ab/notapack.pack"), RequestBody.empty());
        raw.putObject(r -> r.bucket(S3TestServer.BUCKET).key(prefix + "other"), RequestBody.empty());
        PackId misplaced = PackId.generate(Instant.now());
        raw.putObject(r -> r.bucket(S3TestServer.BUCKET).key(prefix + "packs/zz/" + misplaced.hex() + ".pack"),
                RequestBody.empty());
        long listsBefore = store.requests().lists();
        try (Stream<ChunkStore.PackInfo> s = store.list()) {
            List<ChunkStore.PackInfo> infos = s.toList();
            assertEquals(written, infos.stream().map(ChunkStore.PackInfo::id).collect(Collectors.toSet()));
            assertTrue(infos.stream().allMatch(p -> p.size() >= 100 && p.size() < 105));
        }
        assertTrue(store.requests().lists() - listsBefore >= 3, "7 keys in pages of 2");
    }

    @Test
    void deleteRemovesAPackAndIsIdempotent() throws IOException {
        PackId id = put(store, random(7, 1000));
        store.delete(id);
        store.delete(id);
        assertEquals(Set.of(), packs());
        assertThrows(PackNotFoundException.class, () -> read(id, 0, 1));
    }

    @Test
    void readPastTheEndOfAPackFailsWithoutPartialData() throws IOException {
        PackId id = put(store, random(8, 1000));
        assertThrows(EOFException.class, () -> read(id, 990, 20));
        assertThrows(EOFException.class, () -> read(id, 1000, 1));
        assertThrows(EOFException.class, () -> read(id, 5000, 10));
    }

    @Test
    void slowDownTwiceThenSuccessIsRetried() throws IOException {
        byte[] data = random(9, 10_000);
        PackId id = put(store, data);
        server.blobs.fail(Op.GET, 2, 503);
        long retries = store.requests().retries();
        assertArrayEquals(Arrays.copyOfRange(data, 10, 110), read(id, 10, 100));
        assertEquals(2, store.requests().retries() - retries);
        assertEquals(3, server.blobs.getRanges.size());
    }

    @Test
    void serverErrorsOnUploadAreRetried() throws IOException {
        server.blobs.fail(Op.PUT, 2, 500);
        byte[] data = random(10, 10_000);
        PackId id = put(store, data);
        assertArrayEquals(data, read(id, 0, data.length));
    }

    @Test
    void partAndCompleteFailuresAreRetried() throws IOException {
        store.close();
        store = S3ChunkStore.open(server.config(prefix).withPartSize(PART));
        server.blobs.fail(Op.PART, 2, 503);
        server.blobs.fail(Op.COMPLETE, 1, 500);
        byte[] data = random(11, 2 * PART + 1);
        PackId id = put(store, data);
        assertArrayEquals(data, read(id, 0, data.length));
    }

    @Test
    void timeoutIsRetried() throws IOException {
        store.close();
        store = S3ChunkStore.open(server.config(prefix).withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300)));
        byte[] data = random(12, 10_000);
        PackId id = put(store, data);
        server.blobs.stall(Op.GET, 1, Duration.ofMillis(1500));
        long retries = store.requests().retries();
        assertArrayEquals(Arrays.copyOfRange(data, 0, 100), read(id, 0, 100));
        assertEquals(1, store.requests().retries() - retries);
    }

    @Test
    void backendThatStaysDownFailsAsUnavailableWithRetryAfter() throws IOException {
        PackId id = put(store, random(13, 1000));
        server.blobs.fail(Op.GET, 100, 503);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> read(id, 0, 10));
        assertEquals(4, server.blobs.getRanges.size(), "the retry budget is 4 attempts");
        assertTrue(e.retryAfterSeconds() >= 1);
        server.blobs.fail(Op.PUT, 100, 503);
        assertThrows(BackendUnavailableException.class, () -> put(store, random(14, 1000)));
        server.blobs.fail(Op.LIST, 100, 503);
        assertThrows(BackendUnavailableException.class, () -> store.list().close());
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        PackId id = put(store, random(15, 1000));
        server.blobs.fail(Op.GET, 1, 403);
        IOException e = assertThrows(IOException.class, () -> read(id, 0, 10));
        assertFalse(e instanceof BackendUnavailableException);
        assertEquals(1, server.blobs.getRanges.size());
    }

    @Test
    void wrongCredentialsOrMissingBucketFailAtOpen() {
        assertThrows(IOException.class, () -> S3ChunkStore.open(S3StoreConfig.fromUri(
                "s3://" + S3TestServer.BUCKET, server.endpoint.toString(), S3TestServer.ACCESS_KEY, "wrong")
                .withRetry(RetryPolicy.none())));
        IOException e = assertThrows(IOException.class, () -> S3ChunkStore.open(S3StoreConfig.fromUri(
                "s3://no-such-bucket/x", server.endpoint.toString(), S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)
                .withRetry(RetryPolicy.none())));
        assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
    }

    private Set<PackId> packs() throws IOException {
        try (Stream<ChunkStore.PackInfo> s = store.list()) {
            return s.map(ChunkStore.PackInfo::id).collect(Collectors.toSet());
        }
    }
}
