package io.imagegate.agent.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imagegate.chunk.ChunkHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * imagegate's extensions as docs/API.md specifies them: {@code ?manifest}, {@code ?missing-chunks}
 * and {@code ?commit}. {@link #probe} tells an imagegate gateway from any other S3 service. The one
 * client of these extensions: the agent's attach and snapshots, and the benchmarks (bench's
 * multisnapshot and multideployment) all go through it. One call is one request; callers retry
 * with {@link Retries}.
 */
public final class ExtensionClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAGE = 10000;
    /** Chunks a binary page may hold: 65,536 (36 bytes each), a 4 GiB image at 64 KiB chunks. */
    private static final int BINARY_PAGE = 65536;
    private static final int MISSING_BATCH = 100000;
    private static final int MAX_JSON = 64 * 1024 * 1024;

    private final S3Access s3;

    public ExtensionClient(S3Access s3) {
        this.s3 = s3;
    }

    /**
     * Asks for the manifest of {@code ref} once. Empty means "plain S3": the service answered with
     * an error such as NotImplemented, or with something that is not a manifest (a plain service
     * ignores the unknown parameter and starts sending the object, which is abandoned unread).
     * A missing object or version, or a store that is down, throws.
     */
    public Optional<Manifest> probe(ObjectRef ref) throws RemoteException {
        try (S3Access.RawResponse r = page(ref, 0)) {
            if (r.status() == 200) {
                String type = r.header("content-type");
                String t = type == null ? "" : type.toLowerCase(java.util.Locale.ROOT);
                // a gateway that predates the binary form ignores format=binary and answers JSON
                boolean binary = t.startsWith(BinaryManifestPage.CONTENT_TYPE);
                if (!binary && !t.contains("json")) {
                    r.abort();
                    return Optional.empty();
                }
                Manifest.Builder b = new Manifest.Builder();
                try {
                    long next = addPage(b, r);
                    if (next >= 0) {
                        return Optional.of(rest(ref, b, next, binary));
                    }
                    return Optional.of(b.build());
                } catch (IOException | IllegalArgumentException e) {
                    LoggerFactory.getLogger(ExtensionClient.class).warn(
                            "?manifest answered something that is not a manifest; using plain S3 object={} error={}", ref,
                            e.getMessage());
                    return Optional.empty();
                }
            }
            RemoteException e = r.error("GET " + ref + "?manifest");
            if (e.retryable() && e.status() != 501) {
                throw e;
            }
            if ("NoSuchKey".equals(e.code()) || "NoSuchVersion".equals(e.code()) || "NoSuchBucket".equals(e.code())) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /** The whole manifest of a version known to have one. */
    public Manifest manifest(ObjectRef ref) throws RemoteException {
        return rest(ref, new Manifest.Builder(), 0, true);
    }

    private Manifest rest(ObjectRef ref, Manifest.Builder b, long offset, boolean binary) throws RemoteException {
        while (offset >= 0) {
            try (S3Access.RawResponse r = page(ref, offset, binary)) {
                if (r.status() != 200) {
                    throw r.error("GET " + ref + "?manifest");
                }
                offset = addPage(b, r);
            } catch (IOException e) {
                if (e instanceof RemoteException re) {
                    throw re;
                }
                throw RemoteException.network("GET " + ref + "?manifest: " + e.getMessage(), e);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new RemoteException(200, null, "GET " + ref + "?manifest: " + e.getMessage(), false, e);
        }
    }

    private S3Access.RawResponse page(ObjectRef ref, long offset) throws RemoteException {
        return page(ref, offset, true);
    }

    private S3Access.RawResponse page(ObjectRef ref, long offset, boolean binary) throws RemoteException {
        StringBuilder q = new StringBuilder(binary ? "manifest&format=binary&max-chunks=" + BINARY_PAGE
                : "manifest&max-chunks=" + PAGE);
        if (offset > 0) {
            q.append("&offset=").append(offset);
        }
        if (ref.versionId() != null) {
            q.append("&versionId=").append(ObjectRef.encodeQuery(ref.versionId()));
        }
        return s3.execute(SdkHttpMethod.GET, ref, q.toString(), Map.of(), null, 0);
    }

    /** Adds one page, binary or JSON as its type says; returns the next offset to ask for, or -1 after the last page. */
    private static long addPage(Manifest.Builder b, S3Access.RawResponse r) throws IOException {
        String type = r.header("content-type");
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith(BinaryManifestPage.CONTENT_TYPE)) {
            return BinaryManifestPage.add(b, r.readAll(MAX_JSON));
        }
        JsonNode page = JSON.readTree(r.readAll(MAX_JSON));
        if (!page.has("chunks") || !page.has("size")) {
            throw new IOException("not a manifest");
        }
        if (b.nextOffset() == 0) {
            b.header(text(page, "versionId"), text(page, "etag"), page.get("size").asLong(),
                    page.path("chunkSize").asInt());
        }
        HexFormat hex = HexFormat.of();
        for (JsonNode c : page.get("chunks")) {
            b.add(c.get("offset").asLong(), c.get("length").asInt(), hex.parseHex(c.get("hash").asText()),
                    c.path("zero").asBoolean(false));
        }
        if (page.path("truncated").asBoolean(false)) {
            long next = page.path("nextOffset").asLong(b.nextOffset());
            if (next != b.nextOffset()) {
                throw new IOException("nextOffset " + next + " does not follow the chunks listed");
            }
            return next;
        }
        return -1;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The hashes among {@code hashes} that a commit on {@code base} would have to upload. */
    public Set<ChunkHash> missing(ObjectRef base, List<ChunkHash> hashes) throws RemoteException {
        Set<ChunkHash> missing = new HashSet<>();
        for (int from = 0; from < hashes.size(); from += MISSING_BATCH) {
            List<ChunkHash> batch = hashes.subList(from, Math.min(hashes.size(), from + MISSING_BATCH));
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("hashes");
            batch.forEach(h -> list.add(h.hex()));
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            String q = "missing-chunks" + (base.versionId() == null ? ""
                    : "&versionId=" + ObjectRef.encodeQuery(base.versionId()));
            try (S3Access.RawResponse r = s3.execute(SdkHttpMethod.POST, base, q,
                    Map.of("Content-Type", "application/json"), () -> new ByteArrayInputStream(bytes), bytes.length)) {
                if (r.status() != 200) {
                    throw r.error("POST " + base + "?missing-chunks");
                }
                for (JsonNode h : JSON.readTree(r.readAll(MAX_JSON)).path("missing")) {
                    missing.add(ChunkHash.parse(h.asText()));
                }
            } catch (IOException e) {
                if (e instanceof RemoteException re) {
                    throw re;
                }
                throw RemoteException.network("POST " + base + "?missing-chunks: " + e.getMessage(), e);
            }
        }
        return missing;
    }

    /** The bytes of the chunks a commit uploads, asked for in descriptor order while the body streams. */
    @FunctionalInterface
    public interface ChunkBytes {
        byte[] get(CommitChunk chunk) throws IOException;
    }

    /** Publishes base + chunks as a new version of the key. */
    public CommitResult commit(ObjectRef base, long size, List<CommitChunk> chunks, ChunkBytes bytes)
            throws RemoteException {
        ObjectNode desc = JSON.createObjectNode();
        desc.put("size", size);
        ArrayNode list = desc.putArray("chunks");
        long dataBytes = 0;
        for (CommitChunk c : chunks) {
            list.addObject().put("offset", c.offset()).put("length", c.length()).put("hash", c.hash().hex())
                    .put("upload", c.upload());
            dataBytes += c.upload() ? c.length() : 0;
        }
        byte[] json = desc.toString().getBytes(StandardCharsets.UTF_8);
        byte[] head = ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array();
        List<CommitChunk> uploads = chunks.stream().filter(CommitChunk::upload).toList();
        long length = head.length + dataBytes;
        Map<String, String> headers = Map.of(
                "Content-Type", "application/vnd.imagegate.commit",
                "x-imagegate-base-version-id", base.versionId() == null ? "null" : base.versionId());
        try (S3Access.RawResponse r = s3.execute(SdkHttpMethod.POST, base.withVersion(null), "commit", headers,
                () -> new SequenceInputStream(new ByteArrayInputStream(head), new ChunkStream(uploads, bytes)), length)) {
            if (r.status() != 200) {
                throw r.error("POST " + base + "?commit");
            }
            JsonNode a = JSON.readTree(r.readAll(MAX_JSON));
            String version = a.hasNonNull("versionId") ? a.get("versionId").asText() : r.header("x-amz-version-id");
            return new CommitResult(version, text(a, "etag"), a.path("size").asLong(size),
                    a.path("uploadedChunks").asLong(), a.path("uploadedBytes").asLong(), a.path("reusedChunks").asLong(),
                    a.path("storedBytes").asLong(-1), a.path("pagesWritten").asLong(-1), a.path("pagesReused").asLong(-1));
        } catch (IOException e) {
            if (e instanceof RemoteException re) {
                throw re;
            }
            throw RemoteException.network("POST " + base + "?commit: " + e.getMessage(), e);
        }
    }

    /** The uploaded chunks one after another, produced as the HTTP client reads. */
    private static final class ChunkStream extends InputStream {
        private final Iterator<CommitChunk> chunks;
        private final ChunkBytes source;
        private ByteArrayInputStream current = new ByteArrayInputStream(new byte[0]);

        ChunkStream(List<CommitChunk> chunks, ChunkBytes source) {
            this.chunks = new ArrayList<>(chunks).iterator();
            this.source = source;
        }

        private boolean advance() throws IOException {
            while (current.available() == 0) {
                if (!chunks.hasNext()) {
                    return false;
                }
                CommitChunk c = chunks.next();
                byte[] b = source.get(c);
                if (b.length != c.length()) {
                    throw new IOException("chunk at " + c.offset() + " has " + b.length + " bytes, not " + c.length());
                }
                current = new ByteArrayInputStream(b);
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return advance() ? current.read() : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            return advance() ? current.read(b, off, len) : -1;
        }
    }
}
