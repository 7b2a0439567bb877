package io.imagegate.s3compat;

import static io.imagegate.s3compat.ExtensionCalls.Chunk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imagegate.chunk.ChunkStoreStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * The extensions of docs/API.md against a real gateway: the manifest (paged, zero runs marked),
 * missing-chunks, and commits (replacements, growth, shrink, moved and zero chunks, every refusal,
 * and concurrent commits on one base with and without x-imagegate-require-current).
 */
class ImageExtensionsTest {

    static final int CHUNK = 4096;
    static GatewayFixture gw;
    static S3Client s3;
    static ExtensionCalls ext;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        ext = new ExtensionCalls(new SignedHttp(gw.endpoint()));
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    /** A versioned bucket cut into 4 KiB chunks, so small objects have many chunks. */
    static String bucket(String prefix) {
        String b = GatewayFixture.uniqueBucket(prefix);
        s3.createBucket(r -> r.bucket(b).overrideConfiguration(o -> o.putHeader("x-imagegate-chunk-size",
                String.valueOf(CHUNK))));
        s3.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(c -> c.status(BucketVersioningStatus.ENABLED)));
        return b;
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String put(String bucket, String key, byte[] data) {
        return s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(data)).versionId();
    }

    static byte[] get(String bucket, String key, String versionId) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId(versionId)).asByteArray();
    }

    static byte[] chunkOf(byte[] data, int index) {
        return Arrays.copyOfRange(data, index * CHUNK, Math.min(data.length, (index + 1) * CHUNK));
    }

    static JsonNode json(SignedHttp.Response r) throws Exception {
        return ExtensionCalls.JSON.readTree(r.body());
    }

    static int versionCount(String bucket, String key) {
        return (int) s3.listObjectVersions(r -> r.bucket(bucket).prefix(key)).versions().stream()
                .filter(v -> v.key().equals(key)).count();
    }

    // ---- GET ?manifest

    @Test
    void manifestListsEveryChunkWithItsHashAndMarksZeroRuns() throws Exception {
        String b = bucket("mf");
        byte[] data = random(1, 9 * CHUNK + 123);
        Arrays.fill(data, 3 * CHUNK, 4 * CHUNK, (byte) 0);
        String v = put(b, "disk.raw", data);
        SignedHttp.Response r = ext.manifestPage(b, "disk.raw", null, null, null);
        assertEquals(200, r.status(), r.text());
        assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"));
        JsonNode m = json(r);
        assertEquals(b, m.get("bucket").asText());
        assertEquals("disk.raw", m.get("key").asText());
        assertEquals(v, m.get("versionId").asText());
        assertEquals(data.length, m.get("size").asLong());
        assertEquals(CHUNK, m.get("chunkSize").asInt());
        assertEquals(s3.headObject(q -> q.bucket(b).key("disk.raw")).eTag(), m.get("etag").asText());
        assertFalse(m.get("truncated").asBoolean());
        JsonNode chunks = m.get("chunks");
        assertEquals(10, chunks.size());
        for (int i = 0; i < 10; i++) {
            JsonNode c = chunks.get(i);
            byte[] expected = chunkOf(data, i);
            assertEquals((long) i * CHUNK, c.get("offset").asLong());
            assertEquals(expected.length, c.get("length").asInt());
            assertEquals(ExtensionCalls.sha256(expected), c.get("hash").asText());
            assertEquals(i == 3, c.path("zero").asBoolean(false), "zero flag of chunk " + i);
        }
    }

    @Test
    void manifestPagesFromAnyOffsetAndAnyVersion() throws Exception {
        String b = bucket("mf-page");
        byte[] old = random(2, 20 * CHUNK);
        String v1 = put(b, "k", old);
        put(b, "k", random(3, 5 * CHUNK));
        List<JsonNode> all = ext.manifest(b, "k", v1, 10_000);
        assertEquals(20, all.size());
        assertEquals(all, ext.manifest(b, "k", v1, 3), "pages of 3 add up to the whole list");

        JsonNode page = json(ext.manifestPage(b, "k", v1, 5L * CHUNK + 17, 4));
        assertTrue(page.get("truncated").asBoolean());
        assertEquals(9L * CHUNK, page.get("nextOffset").asLong());
        assertEquals(5L * CHUNK, page.get("chunks").get(0).get("offset").asLong(), "starts with the chunk holding the offset");
        assertEquals(5, json(ext.manifestPage(b, "k", null, null, null)).get("chunks").size(), "no versionId: current");

        JsonNode end = json(ext.manifestPage(b, "k", v1, 20L * CHUNK, null));
        assertEquals(0, end.get("chunks").size());
        assertFalse(end.get("truncated").asBoolean());
        assertEquals(400, ext.manifestPage(b, "k", v1, 20L * CHUNK + 1, null).status());
        assertEquals("InvalidArgument", ext.manifestPage(b, "k", v1, null, 0).code());
    }

    /** One binary page decoded as docs/API.md lays it out, field by field. */
    record BinaryPage(int flags, int chunkSize, long size, long first, String versionId, String etag, List<JsonNode> chunks) {

        static BinaryPage of(SignedHttp.Response r) {
            assertEquals(200, r.status(), r.text());
            assertEquals("application/vnd.imagegate.manifest", r.header("Content-Type").orElse(""));
            ByteBuffer in = ByteBuffer.wrap(r.body());
            assertEquals(0x49474D46, in.getInt(), "magic IGMF");
            assertEquals(1, in.get(), "format 1");
            int flags = in.get();
            assertEquals(0, in.getShort());
            int chunkSize = in.getInt();
            int count = in.getInt();
            long size = in.getLong();
            long first = in.getLong();
            String versionId = string(in);
            String etag = string(in);
            assertEquals(36L * count, in.remaining(), "36 bytes a record");
            List<JsonNode> chunks = new ArrayList<>();
            long at = first;
            for (int i = 0; i < count; i++) {
                int word = in.getInt();
                byte[] hash = new byte[32];
                in.get(hash);
                int length = word & 0x7FFF_FFFF;
                var c = ExtensionCalls.JSON.createObjectNode().put("offset", at).put("length", length)
                        .put("hash", HexFormat.of().formatHex(hash));
                if (word < 0) {
                    c.put("zero", true);
                }
                chunks.add(c);
                at += length;
            }
            return new BinaryPage(flags, chunkSize, size, first, versionId, etag, chunks);
        }

        private static String string(ByteBuffer in) {
            byte[] b = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    @Test
    void binaryManifestListsWhatTheJsonListsInFixedRecords() throws Exception {
        String b = bucket("mf-bin");
        byte[] data = random(7, 9 * CHUNK + 123);
        Arrays.fill(data, 3 * CHUNK, 4 * CHUNK, (byte) 0);
        String v = put(b, "disk.raw", data);
        JsonNode json = json(ext.manifestPage(b, "disk.raw", null, null, null));
        SignedHttp.Response r = ext.manifestPage(b, "disk.raw", null, null, null, "binary");
        assertEquals(v, r.header("x-amz-version-id").orElse(null));
        BinaryPage page = BinaryPage.of(r);
        assertEquals(0, page.flags(), "not truncated");
        assertEquals(CHUNK, page.chunkSize());
        assertEquals(data.length, page.size());
        assertEquals(0, page.first());
        assertEquals(v, page.versionId());
        assertEquals(json.get("etag").asText(), page.etag());
        List<JsonNode> listed = new ArrayList<>();
        json.get("chunks").forEach(listed::add);
        assertEquals(listed.toString(), page.chunks().toString(), "the same chunks, lengths, hashes and zero flags as the JSON form");
        assertEquals(10, page.chunks().size());

        // pages: from the chunk holding the offset, truncated flag set, continuing where the last record ends
        BinaryPage p1 = BinaryPage.of(ext.manifestPage(b, "disk.raw", v, 2L * CHUNK + 5, 4, "binary"));
        assertEquals(1, p1.flags());
        assertEquals(2L * CHUNK, p1.first());
        assertEquals(listed.subList(2, 6).toString(), p1.chunks().toString());
        BinaryPage p2 = BinaryPage.of(ext.manifestPage(b, "disk.raw", v, 6L * CHUNK, 4, "binary"));
        assertEquals(0, p2.flags());
        assertEquals(listed.subList(6, 10).toString(), p2.chunks().toString());
        BinaryPage end = BinaryPage.of(ext.manifestPage(b, "disk.raw", v, (long) data.length, null, "binary"));
        assertEquals(List.of(), end.chunks());
        assertEquals(data.length, end.first());

        put(b, "empty", new byte[0]);
        BinaryPage empty = BinaryPage.of(ext.manifestPage(b, "empty", null, null, null, "binary"));
        assertEquals(0, empty.size());
        assertEquals(List.of(), empty.chunks());

        // a copy shares the manifest root: its page (the gateway keeps rendered pages) names the copy's version
        String copy = s3.copyObject(q -> q.sourceBucket(b).sourceKey("disk.raw").destinationBucket(b)
                .destinationKey("copy.raw")).versionId();
        BinaryPage copied = BinaryPage.of(ext.manifestPage(b, "copy.raw", null, null, null, "binary"));
        assertEquals(copy, copied.versionId());
        assertEquals(listed.toString(), copied.chunks().toString());
        BinaryPage sameAgain = BinaryPage.of(ext.manifestPage(b, "disk.raw", null, null, null, "binary"));
        assertEquals(v, sameAgain.versionId());
        assertEquals(listed.toString(), sameAgain.chunks().toString());

        assertEquals(200, ext.manifestPage(b, "disk.raw", null, null, null, "json").status());
        assertEquals("InvalidArgument", ext.manifestPage(b, "disk.raw", null, null, null, "xml").code());
        assertEquals("InvalidArgument", ext.manifestPage(b, "disk.raw", null, null, 0, "binary").code());
        assertEquals("NoSuchVersion", ext.manifestPage(b, "disk.raw", put(b, "other", random(8, 10)), null, null,
                "binary").code());
    }

    @Test
    void manifestErrorsAndAccessAreThoseOfGetObject() throws Exception {
        String b = bucket("mf-err");
        put(b, "k", random(4, CHUNK));
        assertEquals("NoSuchKey", ext.manifestPage(b, "nope", null, null, null).code());
        String foreign = put(b, "other", random(5, 10));
        assertEquals("NoSuchVersion", ext.manifestPage(b, "k", foreign, null, null).code());
        assertEquals("InvalidArgument", ext.manifestPage(b, "k", "garbage", null, null).code());
        String marker = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        assertEquals(404, ext.manifestPage(b, "k", null, null, null).status());
        assertEquals(405, ext.manifestPage(b, "k", marker, null, null).status());

        put(b, "public", random(6, CHUNK));
        URI uri = gw.endpoint().resolve("/" + b + "/public?manifest");
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(403, http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode(), "anonymous callers need the object's read permission");
        s3.putObjectAcl(r -> r.bucket(b).key("public").acl(ObjectCannedACL.PUBLIC_READ));
        assertEquals(200, http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode());
    }

    @Test
    void manifestOfAnEmptyObjectHasNoChunks() throws Exception {
        String b = bucket("mf-empty");
        put(b, "empty", new byte[0]);
        JsonNode m = json(ext.manifestPage(b, "empty", null, null, null));
        assertEquals(0, m.get("size").asLong());
        assertEquals(0, m.get("chunks").size());
    }

    // ---- POST ?missing-chunks

    @Test
    void missingChunksNamesOnlyHashesNeitherInTheBaseNorZero() throws Exception {
        String b = bucket("miss");
        byte[] data = random(7, 4 * CHUNK);
        String v1 = put(b, "k", data);
        put(b, "k", random(8, CHUNK));
        String inBase = ExtensionCalls.sha256(chunkOf(data, 2));
        String fresh = ExtensionCalls.sha256(random(9, CHUNK));
        String zeros = ExtensionCalls.sha256(new byte[CHUNK]);
        String zeros64k = ExtensionCalls.sha256(new byte[65536]);
        assertEquals(List.of(fresh), ext.missingHashes(b, "k", v1, List.of(inBase, fresh, zeros, zeros64k, fresh)));
        assertEquals(List.of(inBase, fresh), ext.missingHashes(b, "k", null, List.of(inBase, fresh)),
                "without versionId the base is the current version");
        assertEquals(List.of(), ext.missingHashes(b, "k", v1, List.of()));
    }

    @Test
    void missingChunksRefusesMalformedBodies() throws Exception {
        String b = bucket("miss-bad");
        put(b, "k", random(10, CHUNK));
        assertEquals("InvalidArgument", ext.missing(b, "k", null, List.of("not-a-hash")).code());
        SignedHttp http = new SignedHttp(gw.endpoint());
        SignedHttp.Response r = http.send("POST", "/" + b + "/k?missing-chunks", java.util.Map.of(),
                "{\"hashes\": ".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, r.status(), r.text());
        assertEquals("NoSuchKey", ext.missing(b, "nope", null, List.of()).code());
    }

    // ---- POST ?commit

    @Test
    void aCommitIsTheBaseWithItsReplacementsAndStoresOnlyTheUploadedBytes() throws Exception {
        String b = bucket("commit");
        byte[] base = random(11, 256 * CHUNK);
        String v1 = put(b, "disk.raw", base);
        byte[] c5 = random(12, CHUNK);
        byte[] c100 = random(13, CHUNK);
        List<Chunk> chunks = List.of(
                Chunk.upload(5L * CHUNK, c5),
                Chunk.upload(100L * CHUNK, c100),
                Chunk.keep(200L * CHUNK, CHUNK, ExtensionCalls.sha256(chunkOf(base, 7))),   // moved within the base
                Chunk.keep(201L * CHUNK, CHUNK, ExtensionCalls.sha256(new byte[CHUNK])));   // zeroed
        ChunkStoreStats before = gw.gateway().chunkStore().stats();
        SignedHttp.Response r = ext.commit(b, "disk.raw", v1, false, base.length, chunks);
        ChunkStoreStats after = gw.gateway().chunkStore().stats();
        assertEquals(200, r.status(), r.text());

        JsonNode a = json(r);
        String v2 = a.get("versionId").asText();
        assertEquals(v2, r.header("x-amz-version-id").orElse(null));
        assertNotEquals(v1, v2);
        assertEquals(base.length, a.get("size").asLong());
        assertEquals(2, a.get("uploadedChunks").asInt());
        assertEquals(2L * CHUNK, a.get("uploadedBytes").asLong());
        assertEquals(2, a.get("reusedChunks").asInt());
        assertTrue(a.get("etag").asText().endsWith("-1\""), a.toString());

        byte[] expected = base.clone();
        System.arraycopy(c5, 0, expected, 5 * CHUNK, CHUNK);
        System.arraycopy(c100, 0, expected, 100 * CHUNK, CHUNK);
        System.arraycopy(base, 7 * CHUNK, expected, 200 * CHUNK, CHUNK);
        Arrays.fill(expected, 201 * CHUNK, 202 * CHUNK, (byte) 0);
        assertArrayEquals(expected, get(b, "disk.raw", null));
        assertArrayEquals(base, get(b, "disk.raw", v1), "the base is untouched");
        assertEquals(a.get("etag").asText(), s3.headObject(q -> q.bucket(b).key("disk.raw")).eTag());

        assertEquals(1, after.packsWritten() - before.packsWritten(), "one pack for the uploaded chunks and pages");
        long written = after.bytesWritten() - before.bytesWritten();
        // 256 references in pages of 32: the leaves of chunks 5, 100 and 200-201, and the top page
        long page = 16 + 32 * 60;
        assertEquals(4, a.get("pagesWritten").asInt());
        assertEquals(5, a.get("pagesReused").asInt());
        assertTrue(written < 2L * CHUNK + 4 * page + 2048, "stored " + written + " bytes for 8 KiB of chunks");
        System.out.printf("commit: %d bytes uploaded, pack of %d bytes, %d pages written, %d reused%n",
                a.get("uploadedBytes").asLong(), written, a.get("pagesWritten").asLong(), a.get("pagesReused").asLong());

        List<JsonNode> m = ext.manifest(b, "disk.raw", v2, 10_000);
        assertEquals(ExtensionCalls.sha256(c5), m.get(5).get("hash").asText());
        assertTrue(m.get(201).path("zero").asBoolean());
    }

    @Test
    void aCommitGrowsWithZerosOrShrinks() throws Exception {
        String b = bucket("grow");
        byte[] base = random(14, 10 * CHUNK + 100);
        String v1 = put(b, "k", base);
        byte[] c15 = random(15, CHUNK);
        long grown = 20L * CHUNK + 7;
        SignedHttp.Response r = ext.commit(b, "k", v1, false, grown, List.of(Chunk.upload(15L * CHUNK, c15)));
        assertEquals(200, r.status(), r.text());
        byte[] expected = Arrays.copyOf(base, (int) grown);
        System.arraycopy(c15, 0, expected, 15 * CHUNK, CHUNK);
        assertArrayEquals(expected, get(b, "k", null));

        byte[] tail = random(16, 300);
        SignedHttp.Response shrink = ext.commit(b, "k", v1, false, 4L * CHUNK + 300, List.of(Chunk.upload(4L * CHUNK, tail)));
        assertEquals(200, shrink.status(), shrink.text());
        byte[] cut = Arrays.copyOf(base, 4 * CHUNK + 300);
        System.arraycopy(tail, 0, cut, 4 * CHUNK, 300);
        assertArrayEquals(cut, get(b, "k", null));

        SignedHttp.Response empty = ext.commit(b, "k", v1, false, 0, List.of());
        assertEquals(200, empty.status(), empty.text());
        assertEquals(0, get(b, "k", null).length);
    }

    @Test
    void aCommitOnAMultipartBaseSharesItsChunks() throws Exception {
        String b = bucket("mpu-base");
        byte[] data = random(17, 6 * 1024 * 1024 + 5000);
        String upload = s3.createMultipartUpload(r -> r.bucket(b).key("k")).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        int partSize = 5 * 1024 * 1024;
        for (int p = 0, from = 0; from < data.length; p++, from += partSize) {
            byte[] part = Arrays.copyOfRange(data, from, Math.min(data.length, from + partSize));
            int number = p + 1;
            String etag = s3.uploadPart(r -> r.bucket(b).key("k").uploadId(upload).partNumber(number),
                    RequestBody.fromBytes(part)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        String v1 = s3.completeMultipartUpload(r -> r.bucket(b).key("k").uploadId(upload)
                .multipartUpload(m -> m.parts(parts))).versionId();
        byte[] c = random(18, CHUNK);
        long at = (long) partSize; // the first chunk of the second part
        SignedHttp.Response r = ext.commit(b, "k", v1, true, data.length, List.of(Chunk.upload(at, c)));
        assertEquals(200, r.status(), r.text());
        byte[] expected = data.clone();
        System.arraycopy(c, 0, expected, (int) at, CHUNK);
        assertArrayEquals(expected, get(b, "k", null));
    }

    @Test
    void aChunkNeverUploadedIsRefusedAndNothingIsPublished() throws Exception {
        String b = bucket("never");
        String v1 = put(b, "k", random(19, 8 * CHUNK));
        ChunkStoreStats before = gw.gateway().chunkStore().stats();
        SignedHttp.Response r = ext.commit(b, "k", v1, false, 8L * CHUNK, List.of(
                Chunk.upload(0, random(20, CHUNK)),
                Chunk.keep(CHUNK, CHUNK, ExtensionCalls.sha256(random(21, CHUNK)))));
        assertEquals(400, r.status());
        assertEquals("InvalidRequest", r.code(), r.text());
        assertEquals(1, versionCount(b, "k"));
        assertEquals(before.packsWritten(), gw.gateway().chunkStore().stats().packsWritten());
    }

    @Test
    void anUploadedChunkWithTheWrongHashIsBadDigestAndNothingIsPublished() throws Exception {
        String b = bucket("digest");
        byte[] base = random(22, 8 * CHUNK);
        String v1 = put(b, "k", base);
        ChunkStoreStats before = gw.gateway().chunkStore().stats();
        byte[] good = random(23, CHUNK);
        byte[] bad = random(24, CHUNK);
        List<Chunk> chunks = List.of(Chunk.upload(0, good),
                new Chunk(2L * CHUNK, CHUNK, ExtensionCalls.sha256(good), bad));
        SignedHttp.Response r = ext.commit(b, "k", v1, false, base.length, chunks);
        assertEquals(400, r.status());
        assertEquals("BadDigest", r.code(), r.text());
        assertEquals(1, versionCount(b, "k"));
        assertArrayEquals(base, get(b, "k", null));
        assertEquals(before.packsWritten(), gw.gateway().chunkStore().stats().packsWritten(), "the pack was abandoned");
    }

    @Test
    void aCommitOnABaseThatIsGoneIsNoSuchVersion() throws Exception {
        String b = bucket("gone");
        String v1 = put(b, "k", random(25, 4 * CHUNK));
        put(b, "k", random(26, 4 * CHUNK));
        s3.deleteObject(r -> r.bucket(b).key("k").versionId(v1));
        SignedHttp.Response r = ext.commit(b, "k", v1, false, 4L * CHUNK, List.of(Chunk.upload(0, random(27, CHUNK))));
        assertEquals(404, r.status());
        assertEquals("NoSuchVersion", r.code());
        assertEquals(1, versionCount(b, "k"));
    }

    @Test
    void malformedCommitsAreRefusedWithTheDocumentedErrors() throws Exception {
        String b = bucket("bad-commit");
        byte[] base = random(28, 8 * CHUNK);
        String v1 = put(b, "k", base);
        byte[] c = random(29, CHUNK);
        assertEquals("InvalidArgument", ext.commit(b, "k", "garbage", false, base.length, List.of()).code());
        assertEquals("InvalidRequest", ext.commit(b, "k", null, false, base.length, List.of()).code(), "no base header");
        assertEquals("InvalidArgument", ext.commit(b, "k", v1, false, base.length,
                List.of(Chunk.upload(100, c))).code(), "offset off the grid");
        assertEquals("InvalidArgument", ext.commit(b, "k", v1, false, base.length,
                List.of(Chunk.upload(2L * CHUNK, c), Chunk.upload(CHUNK, c))).code(), "out of order");
        assertEquals("InvalidArgument", ext.commit(b, "k", v1, false, base.length,
                List.of(Chunk.upload(0, random(30, 100)))).code(), "short chunk not at the end");
        assertEquals("InvalidArgument", ext.commit(b, "k", v1, false, 2L * CHUNK,
                List.of(Chunk.upload(2L * CHUNK, c))).code(), "chunk past the new size");
        assertEquals("InvalidArgument", ext.commitRaw(b, "k", v1, false,
                ExtensionCalls.frame("{\"size\": ".getBytes(StandardCharsets.UTF_8), List.of())).code(), "broken JSON");
        assertEquals("InvalidArgument", ext.commitRaw(b, "k", v1, false,
                ExtensionCalls.frame("{\"chunks\": []}".getBytes(StandardCharsets.UTF_8), List.of())).code(), "no size");

        byte[] full = ExtensionCalls.commitBody(base.length, List.of(Chunk.upload(0, c)));
        byte[] shortBody = Arrays.copyOf(full, full.length - 10);
        assertEquals("IncompleteBody", ext.commitRaw(b, "k", v1, false, shortBody).code());
        byte[] longBody = Arrays.copyOf(full, full.length + 10);
        assertEquals("InvalidArgument", ext.commitRaw(b, "k", v1, false, longBody).code());
        assertEquals(1, versionCount(b, "k"), "nothing was published");
    }

    @Test
    void requireCurrentRefusesAStaleBaseWith412() throws Exception {
        String b = bucket("stale");
        String v1 = put(b, "k", random(31, 4 * CHUNK));
        put(b, "k", random(32, 4 * CHUNK));
        SignedHttp.Response r = ext.commit(b, "k", v1, true, 4L * CHUNK, List.of(Chunk.upload(0, random(33, CHUNK))));
        assertEquals(412, r.status());
        assertEquals("PreconditionFailed", r.code());
        assertEquals(200, ext.commit(b, "k", v1, false, 4L * CHUNK, List.of(Chunk.upload(0, random(33, CHUNK)))).status(),
                "without the header a stale base is fine");
    }

    @Test
    void concurrentCommitsOnOneBaseWithRequireCurrentHaveExactlyOneWinner() throws Exception {
        String b = bucket("race");
        String v1 = put(b, "k", random(34, 64 * CHUNK));
        List<SignedHttp.Response> results = race(8, i -> ext.commit(b, "k", v1, true, 64L * CHUNK,
                List.of(Chunk.upload((long) i * CHUNK, random(100 + i, CHUNK)))));
        long won = results.stream().filter(r -> r.status() == 200).count();
        long refused = results.stream().filter(r -> r.status() == 412).count();
        assertEquals(1, won, results.toString());
        assertEquals(7, refused);
        assertEquals(2, versionCount(b, "k"));
    }

    @Test
    void concurrentCommitsWithoutRequireCurrentAllBecomeVersions() throws Exception {
        String b = bucket("race-all");
        byte[] base = random(35, 64 * CHUNK);
        String v1 = put(b, "k", base);
        List<SignedHttp.Response> results = race(8, i -> ext.commit(b, "k", v1, false, 64L * CHUNK,
                List.of(Chunk.upload((long) i * CHUNK, random(200 + i, CHUNK)))));
        assertTrue(results.stream().allMatch(r -> r.status() == 200), results.toString());
        List<ObjectVersion> versions = s3.listObjectVersions(r -> r.bucket(b)).versions();
        assertEquals(9, versions.size(), "no version is lost");
        for (int i = 0; i < 8; i++) {
            String id = json(results.get(i)).get("versionId").asText();
            byte[] expected = base.clone();
            System.arraycopy(random(200 + i, CHUNK), 0, expected, i * CHUNK, CHUNK);
            assertArrayEquals(expected, get(b, "k", id), "commit " + i);
        }
    }

    @Test
    void aCommitInAnUnversionedBucketReplacesTheNullVersion() throws Exception {
        String b = GatewayFixture.uniqueBucket("plain");
        s3.createBucket(r -> r.bucket(b).overrideConfiguration(o -> o.putHeader("x-imagegate-chunk-size", "4096")));
        byte[] base = random(36, 4 * CHUNK);
        put(b, "k", base);
        byte[] c = random(37, CHUNK);
        SignedHttp.Response r = ext.commit(b, "k", "null", true, base.length, List.of(Chunk.upload(CHUNK, c)));
        assertEquals(200, r.status(), r.text());
        assertEquals("null", json(r).get("versionId").asText());
        System.arraycopy(c, 0, base, CHUNK, CHUNK);
        assertArrayEquals(base, get(b, "k", null));
    }

    @Test
    void committingNeedsWriteAccessToTheBucket() throws Exception {
        String b = bucket("acl-commit");
        String v1 = put(b, "k", random(38, 4 * CHUNK));
        gw.gateway().meta().createUser(new io.imagegate.meta.UserRecord("erin", "AKIAERIN00000000001",
                "erin-secret-key-0001", java.time.Instant.now(), false));
        ExtensionCalls erin = new ExtensionCalls(new SignedHttp(gw.endpoint(), "AKIAERIN00000000001", "erin-secret-key-0001"));
        SignedHttp.Response r = erin.commit(b, "k", v1, false, 4L * CHUNK, List.of(Chunk.upload(0, random(39, CHUNK))));
        assertEquals(403, r.status());
        assertEquals(403, erin.missing(b, "k", null, List.of()).status());
        assertEquals(403, erin.manifestPage(b, "k", null, null, null).status());
    }

    interface Attempt {
        SignedHttp.Response run(int i) throws Exception;
    }

    /** Runs {@code n} attempts at once, released together. */
    static List<SignedHttp.Response> race(int n, Attempt attempt) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<SignedHttp.Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                futures.add(pool.submit((Callable<SignedHttp.Response>) () -> {
                    start.await();
                    return attempt.run(id);
                }));
            }
            List<SignedHttp.Response> out = new ArrayList<>();
            for (Future<SignedHttp.Response> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }
}
