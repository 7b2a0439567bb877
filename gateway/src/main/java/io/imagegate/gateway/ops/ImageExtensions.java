package io.imagegate.gateway.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.chunk.ChunkRef;
import io.imagegate.chunk.ChunkRepository.ChunkAt;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.ManifestEditor;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.http.Call;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.WriteLease;
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

    private static final JsonFactory JSON = new JsonFactory();
    private static final String JSON_TYPE = "application/json";

    private final Stores stores;

    public ImageExtensions(Stores stores) {
        this.stores = stores;
    }

    // ---- GET ?manifest

    public void manifest(Call call, S3Request.GetManifest op, BucketRecord bucket) throws IOException {
        VersionRecord v = Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "GET");
        AccessControl.checkObjectRead(call.principal(), bucket, v);
        if (op.offset() > v.size()) {
            throw Errors.invalidArgument("The offset is past the object's end (" + v.size() + " bytes).", "offset",
                    String.valueOf(op.offset()));
        }
        ManifestRoot root = ObjectHeaders.root(v);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 128 * Math.min(op.maxChunks(), 1024));
        try (JsonGenerator g = JSON.createGenerator(out); Stream<ChunkAt> chunks = stores.chunks().chunks(root, op.offset())) {
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
            for (Iterator<ChunkAt> it = chunks.iterator(); it.hasNext(); ) {
                ChunkAt c = it.next();
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
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, v));
        call.respondBytes(200, JSON_TYPE, out.toByteArray());
    }

    // ---- POST ?missing-chunks

    public void missingChunks(Call call, S3Request.MissingChunks op, BucketRecord bucket) throws IOException {
        VersionRecord base = Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "POST");
        ManifestRoot root = ObjectHeaders.root(base);
        List<ChunkHash> asked = parseHashes(readJsonBody(call, MAX_MISSING_HASHES * 70L + 4096));
        DedupIndex index = stores.chunks().dedupIndex(List.of(root));
        Set<ChunkHash> zeros = zeroHashes(root.chunkSize());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("missing");
            for (ChunkHash h : new LinkedHashSet<>(asked)) {
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

    private static List<ChunkHash> parseHashes(byte[] body) {
        List<ChunkHash> hashes = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            boolean seen = false;
            requireJson(p.nextToken() == JsonToken.START_OBJECT, "the body is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("hashes")) {
                    p.skipChildren();
                    continue;
                }
                seen = true;
                requireJson(value == JsonToken.START_ARRAY, "hashes is not an array");
                while (p.nextToken() == JsonToken.VALUE_STRING) {
                    String hex = p.getText();
                    requireJson(hex.length() == 64 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')),
                            "hash " + hashes.size() + " is not 64 lower-case hex digits");
                    hashes.add(ChunkHash.parse(hex));
                    if (hashes.size() > MAX_MISSING_HASHES) {
                        throw Errors.invalidArgument("At most " + MAX_MISSING_HASHES + " hashes may be asked about at once.",
                                "hashes", String.valueOf(hashes.size()));
                    }
                }
                requireJson(p.currentToken() == JsonToken.END_ARRAY, "hashes holds something other than strings");
            }
            requireJson(seen, "hashes is missing");
        } catch (IOException e) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The body is not valid JSON.");
        }
        return hashes;
    }

    private static byte[] readJsonBody(Call call, long max) throws IOException {
        byte[] body = call.body().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (body.length > max) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The JSON body is larger than " + max + " bytes.");
        }
        return body;
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
        CannedAcl acl = Acls.cannedFromHeader(call).orElse(CannedAcl.PRIVATE);
        VersionRecord base = Versions.byId(stores.meta(), bucket, op.key(), baseId);
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
        byte[] json = readDescriptor(in);
        CommitDescriptor descriptor = CommitDescriptor.parse(json);
        descriptor.validate(baseRoot.chunkSize());
        long expected = 4L + json.length + descriptor.uploadBytes();
        if (declared >= 0 && declared < expected) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body is shorter than the descriptor says: "
                    + declared + " bytes of " + expected + ".");
        }
        if (declared > expected) {
            throw bodyTooLong(expected);
        }
        List<ChunkRef> kept;
        Commit done;
        VersionRecord published;
        // the lease keeps the collector off the base's chunks and this commit's pack until published
        try (WriteLease lease = stores.meta().openLease(List.of(base.manifest()))) {
            if (!lease.stillLive(bucket.name(), base)) {
                throw new S3Exception(S3ErrorCode.NO_SUCH_VERSION).detail("Key", op.key()).detail("VersionId", baseId);
            }
            kept = resolveKept(descriptor, baseRoot);
            done = write(in, descriptor, kept, baseRoot);
            VersionRecord draft = new VersionRecord(op.key(), null, false, ObjectWrites.ownerOf(call, bucket), null,
                    descriptor.size(), commitEtag(done.root()), done.root().encode(), 0, base.headers(),
                    base.userMetadata(), null, null, acl);
            lease.check();
            published = stores.meta().publish(bucket.name(), draft, condition, lease);
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("versionId", published.versionId());
            g.writeStringField("etag", "\"" + published.etag() + "\"");
            g.writeNumberField("size", published.size());
            g.writeNumberField("uploadedChunks", done.uploadedChunks());
            g.writeNumberField("uploadedBytes", done.uploadedBytes());
            g.writeNumberField("reusedChunks", kept.stream().filter(r -> r != null).count());
            g.writeNumberField("storedBytes", done.stats().storedBytes() + done.stats().rewrittenBytes());
            g.writeNumberField("pagesWritten", done.stats().pagesWritten());
            g.writeNumberField("pagesReused", done.stats().pagesReused());
            g.writeEndObject();
        }
        call.respondHeader("ETag", "\"" + published.etag() + "\"");
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, published));
        call.respondBytes(200, JSON_TYPE, out.toByteArray());
    }

    /** What writing a commit produced. */
    private record Commit(ManifestRoot root, long uploadedChunks, long uploadedBytes, ManifestEditor.EditStats stats) {}

    /**
     * Streams the uploaded chunks into the editor, checking each against its hash, then writes the
     * new manifest. Any failure aborts the editor: its packs never become visible.
     */
    private Commit write(InputStream in, CommitDescriptor d, List<ChunkRef> kept, ManifestRoot baseRoot)
            throws IOException {
        try (ManifestEditor editor = stores.chunks().edit(baseRoot)) {
            byte[] buf = new byte[Math.max(1, baseRoot.chunkSize())];
            long uploadedChunks = 0;
            long uploadedBytes = 0;
            for (int i = 0; i < d.chunks().size(); i++) {
                CommitDescriptor.Piece p = d.chunks().get(i);
                ChunkRef ref = kept.get(i);
                if (p.upload()) {
                    int n = in.readNBytes(buf, 0, p.length());
                    if (n < p.length()) {
                        throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside chunk " + i + ".");
                    }
                    ref = editor.store(buf, 0, n);
                    if (!ref.hash().equals(p.hash())) {
                        throw new S3Exception(S3ErrorCode.BAD_DIGEST, "Chunk " + i + " at offset " + p.offset()
                                + " does not match its SHA-256.").detail("ExpectedDigest", p.hash().hex())
                                .detail("CalculatedDigest", ref.hash().hex());
                    }
                    uploadedChunks++;
                    uploadedBytes += n;
                }
                editor.replace(p.offset(), ref);
            }
            if (in.read() >= 0) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The body is longer than the descriptor says.");
            }
            ManifestRoot root = editor.finish(d.size());
            return new Commit(root, uploadedChunks, uploadedBytes, editor.stats());
        }
    }

    /**
     * The references of the chunks a commit keeps ({@code upload: false}), in descriptor order (null
     * for uploaded ones): a zero run, or a chunk of the base, found where it lies in the base or,
     * failing that, anywhere in the base's manifest. InvalidRequest for any other.
     */
    private List<ChunkRef> resolveKept(CommitDescriptor d, ManifestRoot baseRoot) throws IOException {
        List<ChunkRef> refs = new ArrayList<>(d.chunks().size());
        DedupIndex index = null;
        for (int i = 0; i < d.chunks().size(); i++) {
            CommitDescriptor.Piece p = d.chunks().get(i);
            if (p.upload()) {
                refs.add(null);
                continue;
            }
            ChunkRef zero = ManifestEditor.zeroChunk(p.length());
            ChunkRef ref = zero.hash().equals(p.hash()) ? zero : baseChunkAt(baseRoot, p);
            if (ref == null) {
                index = index != null ? index : stores.chunks().dedupIndex(List.of(baseRoot));
                try {
                    ref = index.find(p.hash()).filter(r -> r.length() == p.length()).orElse(null);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }
            if (ref == null) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Chunk " + i + " (" + p.hash().hex() + ") is marked "
                        + "upload: false but is neither in the base version nor a run of zeros; upload it.");
            }
            refs.add(ref);
        }
        return refs;
    }

    private ChunkRef baseChunkAt(ManifestRoot baseRoot, CommitDescriptor.Piece p) throws IOException {
        if (p.offset() >= baseRoot.size()) {
            return null;
        }
        try (Stream<ChunkAt> s = stores.chunks().chunks(baseRoot, p.offset())) {
            return s.findFirst().filter(c -> c.offset() == p.offset() && c.ref().length() == p.length()
                    && c.ref().hash().equals(p.hash())).map(ChunkAt::ref).orElse(null);
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

    /** The 4-byte big-endian length, then that many bytes of JSON. */
    private static byte[] readDescriptor(InputStream in) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended before the descriptor's length.");
        }
        int length = ByteBuffer.wrap(head).getInt();
        if (length <= 0 || length > CommitDescriptor.MAX_BYTES) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The descriptor length " + Integer.toUnsignedString(length)
                    + " is not between 1 and " + CommitDescriptor.MAX_BYTES + " bytes.");
        }
        byte[] json = in.readNBytes(length);
        if (json.length < length) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside the descriptor.");
        }
        return json;
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
}
