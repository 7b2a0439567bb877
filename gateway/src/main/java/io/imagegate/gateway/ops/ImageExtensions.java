package io.imagegate.gateway.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.chunk.ChunkRef;
import io.imagegate.chunk.ChunkReader.ChunkAt;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.ManifestEditor;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.MemoryBudget;
import io.imagegate.gateway.write.GuardedWrite;
import io.imagegate.gateway.write.Reuse;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.WriteCondition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * imagegate's extensions for image clients, as docs/API.md specifies them: a version's chunk list
 * ({@code ?manifest}), which chunks a commit would have to upload ({@code ?missing-chunks}), and the
 * commit itself ({@code ?commit}): a new version made from a base version and the chunks that
 * changed, storing only the uploaded chunks and the manifest pages along their paths.
 */
public final class ImageExtensions {

    static final String BASE_HEADER = "x-imagegate-base-version-id";
    static final String REQUIRE_CURRENT_HEADER = "x-imagegate-require-current";
    static final int MAX_MISSING_HASHES = 100_000;
    /** The largest {@code ?missing-chunks} body: 100,000 hashes of 67 bytes each, and room to spare. */
    static final int MAX_MISSING_BODY = MAX_MISSING_HASHES * 70 + 4096;
    /** Heap one distinct asked hash takes while a {@code ?missing-chunks} is answered. */
    private static final int HASH_SET_ENTRY_BYTES = 128;
    /** Heap the manifest editor takes per replaced chunk (its flat arrays, which may double as they grow). */
    private static final int EDIT_BYTES_PER_CHUNK = 2 * 68;

    private static final JsonFactory JSON = new JsonFactory();
    /** For request bodies: no deep nesting, no long strings or names buffered before they are checked. */
    private static final JsonFactory STRICT_JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(4096)
                    .maxNumberLength(64).maxNameLength(1024).build())
            .build();
    private static final String JSON_TYPE = "application/json";

    /** Binary manifest pages kept once rendered: at most 32 MiB (a 2 GiB image at 64 KiB chunks is 1.2 MB). */
    private static final long RENDERED_MANIFEST_BYTES = 32L << 20;

    private final Stores stores;
    private final RenderedManifests rendered = new RenderedManifests(RENDERED_MANIFEST_BYTES);

    public ImageExtensions(Stores stores) {
        this.stores = stores;
    }

    // ---- GET ?manifest

    public void manifest(Call call, S3Request.GetManifest op, BucketRecord bucket) throws IOException {
        VersionRecord v = AccessControl.requireRead(call, bucket, op.key(), op.versionId(),
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "GET"));
        if (op.offset() > v.size()) {
            throw Errors.invalidArgument("The offset is past the object's end (" + v.size() + " bytes).", "offset",
                    String.valueOf(op.offset()));
        }
        ManifestRoot root = ObjectHeaders.root(v);
        byte[] body;
        try {
            if (op.binary()) {
                var key = new RenderedManifests.Key(root.encode(), v.versionId(), v.etag(), op.offset(), op.maxChunks());
                body = rendered.get(key, () -> {
                    try (Stream<ChunkAt> chunks = stores.chunks().chunks(root, op.offset())) {
                        return binaryManifest(call, op, v, root, chunks.iterator());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } else {
                try (Stream<ChunkAt> chunks = stores.chunks().chunks(root, op.offset())) {
                    body = jsonManifest(op, bucket, v, root, chunks.iterator());
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, v));
        call.respondBytes(200, op.binary() ? BINARY_MANIFEST_TYPE : JSON_TYPE, body);
    }

    private static byte[] jsonManifest(S3Request.GetManifest op, BucketRecord bucket, VersionRecord v, ManifestRoot root,
                                       Iterator<ChunkAt> chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 128 * Math.min(op.maxChunks(), 1024));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("bucket", bucket.name());
            g.writeStringField("key", v.key());
            g.writeStringField("versionId", v.versionId());
            g.writeNumberField("size", v.size());
            g.writeNumberField("chunkSize", root.chunkSize());
            g.writeStringField("etag", "\"" + v.etag() + "\"");
            g.writeArrayFieldStart("chunks");
            long nextOffset = -1;
            int listed = 0;
            while (chunks.hasNext()) {
                ChunkAt c = chunks.next();
                if (listed == op.maxChunks()) {
                    nextOffset = c.offset();
                    break;
                }
                g.writeStartObject();
                g.writeNumberField("offset", c.offset());
                g.writeNumberField("length", c.ref().length());
                g.writeStringField("hash", c.ref().hash().hex());
                if (c.ref().isZero()) {
                    g.writeBooleanField("zero", true);
                }
                g.writeEndObject();
                listed++;
            }
            g.writeEndArray();
            g.writeBooleanField("truncated", nextOffset >= 0);
            if (nextOffset >= 0) {
                g.writeNumberField("nextOffset", nextOffset);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    static final String BINARY_MANIFEST_TYPE = "application/vnd.imagegate.manifest";
    /** "IGMF": the first four bytes of a binary manifest page. */
    static final int BINARY_MANIFEST_MAGIC = 0x49474D46;
    static final int BINARY_MANIFEST_RECORD = 36;
    private static final int BINARY_ZERO_FLAG = 0x8000_0000;

    /**
     * The page as docs/API.md's binary form: a fixed header, the version id and ETag, then one
     * 36-byte record per chunk (u32 length with the zero flag in its top bit, the 32-byte SHA-256).
     * No hex, no per-chunk text: a 2 GiB image at 64 KiB chunks is one 1.2 MB page. The page is
     * held whole (its length goes first), so its bytes are taken from the request's memory budget.
     */
    private static byte[] binaryManifest(Call call, S3Request.GetManifest op, VersionRecord v, ManifestRoot root,
                                         Iterator<ChunkAt> chunks) {
        byte[] versionId = v.versionId().getBytes(StandardCharsets.UTF_8);
        byte[] etag = ("\"" + v.etag() + "\"").getBytes(StandardCharsets.UTF_8);
        long left = v.size() - op.offset();
        long expected = Math.min(op.maxChunks(), left / Math.max(1, root.chunkSize()) + 1);
        int header = 32 + 2 + versionId.length + 2 + etag.length;
        call.memory().grow(header + expected * BINARY_MANIFEST_RECORD);
        ByteBuffer out = ByteBuffer.allocate(header + (int) expected * BINARY_MANIFEST_RECORD);
        out.putInt(BINARY_MANIFEST_MAGIC).put((byte) 1).put((byte) 0).putShort((short) 0).putInt(root.chunkSize())
                .putInt(0).putLong(v.size()).putLong(0);
        out.putShort((short) versionId.length).put(versionId).putShort((short) etag.length).put(etag);
        int listed = 0;
        long first = -1;
        boolean truncated = false;
        while (chunks.hasNext()) {
            ChunkAt c = chunks.next();
            if (listed == op.maxChunks()) {
                truncated = true;
                break;
            }
            if (first < 0) {
                first = c.offset();
            }
            if (out.remaining() < BINARY_MANIFEST_RECORD) {
                // chunks shorter than the nominal size (parts, copied ranges): more records than estimated
                int more = Math.max(out.capacity() / 2, BINARY_MANIFEST_RECORD);
                call.memory().grow(more);
                out = ByteBuffer.allocate(out.capacity() + more).put(out.flip());
            }
            out.putInt(c.ref().length() | (c.ref().isZero() ? BINARY_ZERO_FLAG : 0));
            c.ref().hash().write(out);
            listed++;
        }
        out.put(5, (byte) (truncated ? 1 : 0)).putInt(12, listed).putLong(24, first < 0 ? op.offset() : first);
        return out.position() == out.capacity() ? out.array() : java.util.Arrays.copyOf(out.array(), out.position());
    }

    // ---- POST ?missing-chunks

    public void missingChunks(Call call, S3Request.MissingChunks op, BucketRecord bucket) throws IOException {
        // answering which chunks the base lacks tells what it holds: read access to the base, as a commit
        VersionRecord base = AccessControl.requireRead(call, bucket, op.key(), op.versionId(),
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "POST"));
        ManifestRoot root = ObjectHeaders.root(base);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<ChunkHash> asked = parseHashes(call.body(), call.memory());
        DedupIndex index = stores.chunks().dedupIndex(List.of(root));
        Set<ChunkHash> zeros = zeroHashes(root.chunkSize());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("missing");
            for (ChunkHash h : asked) {
                call.checkpoint("missing-chunks.hash");
                if (!zeros.contains(h) && index.find(h).isEmpty()) {
                    g.writeString(h.hex());
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, base));
        call.respondBytes(200, JSON_TYPE, out.toByteArray());
    }

    /** Hashes of zero runs a client may name: every power-of-two chunk size, and the base's. */
    private static Set<ChunkHash> zeroHashes(int chunkSize) {
        Set<ChunkHash> zeros = new HashSet<>();
        for (int n = 4096; n <= ManifestRoot.MAX_CHUNK_SIZE; n *= 2) {
            zeros.add(ManifestEditor.zeroChunk(n).hash());
        }
        zeros.add(ManifestEditor.zeroChunk(chunkSize).hash());
        return zeros;
    }

    /**
     * The distinct hashes of a {@code ?missing-chunks} body in the order asked, parsed as the body
     * arrives (at most {@link #MAX_MISSING_BODY} bytes), their memory taken from the budget.
     */
    private static List<ChunkHash> parseHashes(InputStream body, MemoryBudget.Reservation memory) throws IOException {
        Set<ChunkHash> seen = new LinkedHashSet<>();
        CappedInput in = new CappedInput(body, MAX_MISSING_BODY);
        try (JsonParser p = STRICT_JSON.createParser(in)) {
            boolean found = false;
            requireJson(p.nextToken() == JsonToken.START_OBJECT, "the body is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("hashes")) {
                    p.skipChildren();
                    continue;
                }
                found = true;
                requireJson(value == JsonToken.START_ARRAY, "hashes is not an array");
                int count = 0;
                while (p.nextToken() == JsonToken.VALUE_STRING) {
                    String hex = p.getText();
                    requireJson(hex.length() == 64 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')),
                            "hash " + count + " is not 64 lower-case hex digits");
                    if (++count > MAX_MISSING_HASHES) {
                        throw Errors.invalidArgument("At most " + MAX_MISSING_HASHES + " hashes may be asked about at once.",
                                "hashes", String.valueOf(count));
                    }
                    if (seen.add(ChunkHash.parse(hex))) {
                        memory.grow(HASH_SET_ENTRY_BYTES);
                    }
                }
                requireJson(p.currentToken() == JsonToken.END_ARRAY, "hashes holds something other than strings");
            }
            requireJson(found, "hashes is missing");
            requireJson(p.nextToken() == null, "trailing content");
        } catch (JsonProcessingException e) {
            if (in.over) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The JSON body is larger than " + MAX_MISSING_BODY
                        + " bytes.");
            }
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The body is not valid JSON.");
        }
        return new ArrayList<>(seen);
    }

    private static void requireJson(boolean ok, String problem) {
        if (!ok) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The JSON body is malformed: " + problem + ".");
        }
    }

    // ---- POST ?commit

    public void commit(Call call, S3Request.CommitVersion op, BucketRecord bucket) throws IOException {
        String baseId = Optional.ofNullable(call.header(BASE_HEADER)).map(String::trim).orElse("");
        if (baseId.isEmpty()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "A commit names its base version in " + BASE_HEADER + ".");
        }
        boolean requireCurrent = requireCurrent(call);
        AccessControlList acl = Acls.fromHeaders(call, stores.meta());
        // the new version keeps the base's bytes: the caller must be allowed to read the base
        VersionRecord base = AccessControl.requireRead(call, bucket, op.key(), baseId,
                () -> Versions.byId(stores.meta(), bucket, op.key(), baseId));
        if (base.deleteMarker()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "The base version of a commit may not be a delete marker.");
        }
        WriteCondition condition = requireCurrent ? new WriteCondition.IfCurrentVersion(base.versionId()) : WriteCondition.NONE;
        if (requireCurrent) {
            checkStillCurrent(bucket, op.key(), base); // early, to spare the upload; publishing checks again
        }
        ManifestRoot baseRoot = ObjectHeaders.root(base);
        long declared = BodyIngest.declaredLength(call);
        InputStream in = call.body();
        int length = descriptorLength(in, declared);
        VersionRecord published;
        Commit done;
        CommitDescriptor descriptor;
        // what the descriptor and the edit hold is taken from the gateway's budget before it is allocated
        long afterDescriptor = declared < 0 ? Long.MAX_VALUE : declared - 4 - length;
        descriptor = CommitDescriptor.read(in, length, baseRoot.chunkSize(), afterDescriptor, call.memory());
        if (declared >= 0 && afterDescriptor > descriptor.uploadBytes()) {
            throw bodyTooLong(4L + length + descriptor.uploadBytes());
        }
        call.memory().grow((long) descriptor.count() * EDIT_BYTES_PER_CHUNK);
        // the base is pinned and found live before its references are resolved and reused
        try (GuardedWrite w = stores.writes().open(bucket, Reuse.source(bucket, base, () -> new S3Exception(
                S3ErrorCode.NO_SUCH_VERSION).detail("Key", op.key()).detail("VersionId", baseId)))) {
            resolveKept(call, descriptor, baseRoot);
            done = write(call, in, descriptor, w.edit());
            // the last point where a client that hung up stops the commit: past it, the publish stands
            call.checkpoint("commit.publish");
            published = w.publish(VersionDraft.builder(op.key()).owner(ObjectWrites.ownerOf(call, bucket))
                    .bytes(descriptor.size(), commitEtag(done.root()), done.root().encode())
                    .metadata(base.headers(), base.userMetadata()).acl(acl).build(), condition);
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("versionId", published.versionId());
            g.writeStringField("etag", "\"" + published.etag() + "\"");
            g.writeNumberField("size", published.size());
            g.writeNumberField("uploadedChunks", done.uploadedChunks());
            g.writeNumberField("uploadedBytes", done.uploadedBytes());
            g.writeNumberField("reusedChunks", descriptor.count() - done.uploadedChunks());
            g.writeNumberField("storedBytes", done.stats().storedBytes() + done.stats().rewrittenBytes());
            g.writeNumberField("pagesWritten", done.stats().pagesWritten());
            g.writeNumberField("pagesReused", done.stats().pagesReused());
            g.writeEndObject();
        }
        call.respondHeader("ETag", "\"" + published.etag() + "\"");
        call.respondHeader("x-amz-version-id", Versions.writtenVersionId(published));
        call.respondBytes(200, JSON_TYPE, out.toByteArray());
    }

    /** What writing a commit produced. */
    private record Commit(ManifestRoot root, long uploadedChunks, long uploadedBytes, ManifestEditor.EditStats stats) {}

    /**
     * Streams the uploaded chunks into the editor, checking each against its hash, then writes the
     * new manifest. Any failure aborts the editor: its packs never become visible.
     */
    private Commit write(Call call, InputStream in, CommitDescriptor d, ManifestEditor edit) throws IOException {
        try (ManifestEditor editor = edit) {
            byte[] buf = new byte[Math.max(1, editor.base().chunkSize())];
            long uploadedChunks = 0;
            long uploadedBytes = 0;
            for (int i = 0; i < d.count(); i++) {
                ChunkRef ref;
                if (d.upload(i)) {
                    int n = in.readNBytes(buf, 0, d.length(i));
                    if (n < d.length(i)) {
                        throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside chunk " + i + ".");
                    }
                    ref = editor.store(buf, 0, n);
                    if (!ref.hash().equals(d.hash(i))) {
                        throw new S3Exception(S3ErrorCode.BAD_DIGEST, "Chunk " + i + " at offset " + d.offset(i)
                                + " does not match its SHA-256.").detail("ExpectedDigest", d.hash(i).hex())
                                .detail("CalculatedDigest", ref.hash().hex());
                    }
                    uploadedChunks++;
                    uploadedBytes += n;
                } else {
                    call.checkpoint("commit.replace"); // an uploaded chunk's body read notices a hang-up itself
                    ref = d.kept(i);
                }
                editor.replace(d.offset(i), ref);
            }
            if (in.read() >= 0) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The body is longer than the descriptor says.");
            }
            call.checkpoint("commit.finish");
            ManifestRoot root = editor.finish(d.size());
            return new Commit(root, uploadedChunks, uploadedBytes, editor.stats());
        }
    }

    /**
     * Finds where each chunk a commit keeps ({@code upload: false}) is stored, and records it in the
     * descriptor: a zero run, or a chunk of the base, found where it lies in the base or, failing
     * that, anywhere in the base's manifest. InvalidRequest for any other.
     */
    private void resolveKept(Call call, CommitDescriptor d, ManifestRoot baseRoot) throws IOException {
        DedupIndex index = null;
        for (int i = 0; i < d.count(); i++) {
            if (d.upload(i)) {
                continue;
            }
            call.checkpoint("commit.kept-chunk");
            ChunkHash hash = d.hash(i);
            int length = d.length(i);
            ChunkRef zero = ManifestEditor.zeroChunk(length);
            ChunkRef ref = zero.hash().equals(hash) ? zero : baseChunkAt(baseRoot, d.offset(i), length, hash);
            if (ref == null) {
                index = index != null ? index : stores.chunks().dedupIndex(List.of(baseRoot));
                try {
                    ref = index.find(hash).filter(r -> r.length() == length).orElse(null);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }
            if (ref == null) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Chunk " + i + " (" + hash.hex() + ") is marked "
                        + "upload: false but is neither in the base version nor a run of zeros; upload it.");
            }
            d.keep(i, ref);
        }
    }

    private ChunkRef baseChunkAt(ManifestRoot baseRoot, long offset, int length, ChunkHash hash) throws IOException {
        if (offset >= baseRoot.size()) {
            return null;
        }
        try (Stream<ChunkAt> s = stores.chunks().chunks(baseRoot, offset)) {
            return s.findFirst().filter(c -> c.offset() == offset && c.ref().length() == length
                    && c.ref().hash().equals(hash)).map(ChunkAt::ref).orElse(null);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void checkStillCurrent(BucketRecord bucket, String key, VersionRecord base) {
        boolean current = stores.meta().current(bucket.name(), key)
                .map(c -> c.versionId().equals(base.versionId())).orElse(false);
        if (!current) {
            throw new S3Exception(S3ErrorCode.PRECONDITION_FAILED).detail("Condition", REQUIRE_CURRENT_HEADER);
        }
    }

    private static boolean requireCurrent(Call call) {
        String v = call.header(REQUIRE_CURRENT_HEADER);
        if (v == null || v.trim().equalsIgnoreCase("false")) {
            return false;
        }
        if (v.trim().equalsIgnoreCase("true")) {
            return true;
        }
        throw Errors.invalidArgument(REQUIRE_CURRENT_HEADER + " must be true or false.", REQUIRE_CURRENT_HEADER, v);
    }

    /**
     * The 4-byte big-endian length of the JSON descriptor that follows: 1 to
     * {@link CommitDescriptor#MAX_BYTES}, and within the declared body.
     */
    private static int descriptorLength(InputStream in, long declared) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended before the descriptor's length.");
        }
        int length = ByteBuffer.wrap(head).getInt();
        if (length <= 0 || length > CommitDescriptor.MAX_BYTES) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The descriptor length " + Integer.toUnsignedString(length)
                    + " is not between 1 and " + CommitDescriptor.MAX_BYTES + " bytes.");
        }
        if (declared >= 0 && length > declared - 4) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body is shorter than the descriptor says: "
                    + declared + " bytes of at least " + (4L + length) + ".");
        }
        return length;
    }

    private static S3Exception bodyTooLong(long expected) {
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The body is longer than the descriptor says ("
                + expected + " bytes).");
    }

    /**
     * A committed version's ETag: not the MD5 of its bytes (never read whole), but the MD5 of its
     * manifest root, marked {@code -1} as a one-part multipart ETag would be.
     */
    static String commitEtag(ManifestRoot root) {
        var md5 = ChecksumAlgorithm.MD5.newChecksummer();
        byte[] encoded = root.encode().getBytes(StandardCharsets.US_ASCII);
        md5.update(encoded, 0, encoded.length);
        return HexFormat.of().formatHex(md5.digest()) + "-1";
    }

    /** A body read up to a cap: past it, reading fails (and {@code over} says why) instead of buffering on. */
    private static final class CappedInput extends java.io.FilterInputStream {
        private long left;
        boolean over;

        CappedInput(InputStream in, long cap) {
            super(in);
            this.left = cap;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return overflow();
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return overflow();
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        private int overflow() throws IOException {
            if (in.read() < 0) {
                return -1; // the body ended exactly at the cap
            }
            over = true;
            throw new com.fasterxml.jackson.core.JsonParseException(null, "the body is longer than allowed");
        }
    }
}
