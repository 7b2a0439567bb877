package io.imagegate.s3compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * imagegate's extensions (docs/API.md) spoken exactly as documented, signed with SigV4 like any
 * S3 request: what an image client sends, written out by hand so the tests check the contract.
 */
final class ExtensionCalls {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One chunk of a commit: its bytes travel in the body when {@code data} is set, else only its hash. */
    record Chunk(long offset, int length, String hash, byte[] data) {

        static Chunk upload(long offset, byte[] data) {
            return new Chunk(offset, data.length, sha256(data), data);
        }

        static Chunk keep(long offset, int length, String hash) {
            return new Chunk(offset, length, hash, null);
        }

        boolean uploads() {
            return data != null;
        }
    }

    private final SignedHttp http;

    ExtensionCalls(SignedHttp http) {
        this.http = http;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String path(String bucket, String key) {
        return "/" + bucket + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }

    SignedHttp.Response manifestPage(String bucket, String key, String versionId, Long offset, Integer maxChunks)
            throws Exception {
        return manifestPage(bucket, key, versionId, offset, maxChunks, null);
    }

    /** A page in the form {@code format} asks for ({@code json}, {@code binary}; null: not sent). */
    SignedHttp.Response manifestPage(String bucket, String key, String versionId, Long offset, Integer maxChunks,
                                     String format) throws Exception {
        StringBuilder q = new StringBuilder("?manifest");
        if (format != null) {
            q.append("&format=").append(format);
        }
        if (versionId != null) {
            q.append("&versionId=").append(URLEncoder.encode(versionId, StandardCharsets.UTF_8));
        }
        if (offset != null) {
            q.append("&offset=").append(offset);
        }
        if (maxChunks != null) {
            q.append("&max-chunks=").append(maxChunks);
        }
        return http.get(path(bucket, key) + q);
    }

    /** Every chunk of the version, following nextOffset page by page. */
    List<JsonNode> manifest(String bucket, String key, String versionId, int pageSize) throws Exception {
        List<JsonNode> chunks = new ArrayList<>();
        long offset = 0;
        while (true) {
            SignedHttp.Response r = manifestPage(bucket, key, versionId, offset, pageSize);
            if (r.status() != 200) {
                throw new AssertionError("manifest page at " + offset + ": " + r.status() + " " + r.text());
            }
            JsonNode page = JSON.readTree(r.body());
            page.get("chunks").forEach(chunks::add);
            if (!page.get("truncated").asBoolean()) {
                return chunks;
            }
            offset = page.get("nextOffset").asLong();
        }
    }

    SignedHttp.Response missing(String bucket, String key, String versionId, List<String> hashes) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("hashes");
        hashes.forEach(list::add);
        String q = "?missing-chunks" + (versionId == null ? "" : "&versionId=" + URLEncoder.encode(versionId, StandardCharsets.UTF_8));
        return http.send("POST", path(bucket, key) + q, Map.of("Content-Type", "application/json"),
                JSON.writeValueAsBytes(body));
    }

    List<String> missingHashes(String bucket, String key, String versionId, List<String> hashes) throws Exception {
        SignedHttp.Response r = missing(bucket, key, versionId, hashes);
        if (r.status() != 200) {
            throw new AssertionError("missing-chunks: " + r.status() + " " + r.text());
        }
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).get("missing").forEach(h -> out.add(h.asText()));
        return out;
    }

    /** The documented body: 4-byte big-endian length, the JSON descriptor, the uploaded chunks in order. */
    static byte[] commitBody(long size, List<Chunk> chunks) throws IOException {
        ObjectNode d = JSON.createObjectNode();
        d.put("size", size);
        ArrayNode list = d.putArray("chunks");
        for (Chunk c : chunks) {
            list.addObject().put("offset", c.offset()).put("length", c.length()).put("hash", c.hash())
                    .put("upload", c.uploads());
        }
        return frame(JSON.writeValueAsBytes(d), chunks);
    }

    static byte[] frame(byte[] descriptor, List<Chunk> chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(4).putInt(descriptor.length).array());
        out.write(descriptor);
        for (Chunk c : chunks) {
            if (c.uploads()) {
                out.write(c.data());
            }
        }
        return out.toByteArray();
    }

    SignedHttp.Response commit(String bucket, String key, String baseVersionId, boolean requireCurrent, long size,
            List<Chunk> chunks) throws Exception {
        return commitRaw(bucket, key, baseVersionId, requireCurrent, commitBody(size, chunks));
    }

    SignedHttp.Response commitRaw(String bucket, String key, String baseVersionId, boolean requireCurrent, byte[] body)
            throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/vnd.imagegate.commit");
        if (baseVersionId != null) {
            headers.put("x-imagegate-base-version-id", baseVersionId);
        }
        if (requireCurrent) {
            headers.put("x-imagegate-require-current", "true");
        }
        return http.send("POST", path(bucket, key) + "?commit", headers, body);
    }
}
