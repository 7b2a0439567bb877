package io.imagegate.gateway.ops;

import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.checksum.MultipartChecksums;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.UriCodec;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.gateway.write.GuardedWrite;
import io.imagegate.gateway.write.Reuse;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.ChecksumType;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore.UploadListPage;
import io.imagegate.meta.MetadataStore.UploadListQuery;
import io.imagegate.meta.PartRecord;
import io.imagegate.meta.UploadRecord;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.w3c.dom.Element;

/**
 * Multipart uploads. Each part is an object of its own in the chunk store; completing an upload
 * concatenates the part manifests into one, without reading or writing any part data.
 */
public final class Multipart {

    static final int MAX_PARTS = 10_000;

    private final Stores stores;
    private final Owners owners;

    public Multipart(Stores stores) {
        this.stores = stores;
        this.owners = new Owners(stores.meta());
    }

    public void create(Call call, S3Request.CreateMultipartUpload op, BucketRecord bucket) {
        ObjectWrites.checkSupported(call);
        Optional<ChecksumAlgorithm> algorithm = Optional.ofNullable(call.header("x-amz-checksum-algorithm"))
                .map(v -> ChecksumAlgorithm.fromAmzName(v).orElseThrow(() -> Errors.invalidArgument(
                        "Checksum algorithm provided is unsupported.", "x-amz-checksum-algorithm", v)));
        String typeHeader = call.header("x-amz-checksum-type");
        ChecksumType type = null;
        if (typeHeader != null) {
            type = ChecksumType.parse(typeHeader).orElseThrow(() -> Errors.invalidArgument(
                    "Value for x-amz-checksum-type header is invalid.", "x-amz-checksum-type", typeHeader));
            if (algorithm.isEmpty()) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
            }
        }
        if (algorithm.isPresent()) {
            type = type != null ? type : algorithm.get().defaultType();
            if (!algorithm.get().allows(type)) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "The " + type + " checksum type cannot be used with the "
                        + algorithm.get().amzName().toLowerCase() + " checksum algorithm.");
            }
        }
        UploadRecord upload = new UploadRecord(newUploadId(), op.key(), ObjectWrites.ownerOf(call, bucket),
                stores.clock().instant(), ObjectHeaders.contentHeaders(call), ObjectHeaders.userMetadata(call),
                algorithm.map(ChecksumAlgorithm::amzName).orElse(null), type,
                Acls.fromHeaders(call, stores.meta()));
        UploadRecord created = stores.meta().createUpload(bucket, upload);
        call.respondHeader("x-amz-checksum-algorithm", created.checksumAlgorithm());
        call.respondHeader("x-amz-checksum-type", name(created.checksumType()));
        call.respondXml(200, XmlWriter.s3("InitiateMultipartUploadResult")
                .element("Bucket", bucket.name()).element("Key", op.key()).element("UploadId", created.uploadId()));
    }

    public void uploadPart(Call call, S3Request.UploadPart op, BucketRecord bucket) throws IOException {
        UploadRecord upload = upload(bucket, op.key(), op.uploadId());
        ChecksumAlgorithm expected = algorithmOf(upload).orElse(ChecksumAlgorithm.CRC64NVME);
        BodyIngest.Plan plan = BodyIngest.Plan.of(call, expected);
        if (upload.checksumAlgorithm() != null && plan.algorithm() != expected) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Checksum Type mismatch occurred, expected checksum Type: "
                    + expected.amzName().toLowerCase() + ", actual checksum Type: " + plan.algorithm().amzName().toLowerCase());
        }
        BodyIngest.Result body;
        // deduplicated against the key's current version, as a PutObject of the same bytes would be
        try (GuardedWrite w = stores.writes().open(bucket, Reuse.currentOf(op.key()))) {
            ObjectWriter writer = w.newWriter(bucket.chunkSize());
            body = BodyIngest.ingest(call, writer, plan, stores.config().maxPutSize());
            ManifestRoot root = writer.finish();
            w.putPart(upload.uploadId(), new PartRecord(op.partNumber(), body.etag(), body.size(),
                    stores.clock().instant(), root.encode(), body.checksums()));
        }
        call.respondHeader("ETag", "\"" + body.etag() + "\"");
        call.respondHeader(body.algorithm().headerName(), body.checksumBase64());
        call.respond(200);
    }

    public void uploadPartCopy(Call call, S3Request.UploadPartCopy op, BucketRecord bucket) throws IOException {
        UploadRecord upload = upload(bucket, op.key(), op.uploadId());
        CopySourceResolver.Source src = new CopySourceResolver(stores).resolve(call, op.source());
        VersionRecord from = src.version();
        ManifestRoot sourceRoot = ObjectHeaders.root(from);
        ByteRangeSpec range = copyRange(call.header("x-amz-copy-source-range"), from.size());
        boolean whole = range == null || (range.first() == 0 && range.length() == from.size());
        if ((range == null ? from.size() : range.length()) > stores.config().maxPutSize()) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "The specified copy source is larger than the maximum allowable size for a copy source: "
                            + stores.config().maxPutSize());
        }
        long size = whole ? from.size() : range.length();
        // a part's ETag must be an MD5: committed versions (ETag "...-1") get a synthetic one too
        String etag = whole && from.partCount() == 0 && from.etag().matches("[0-9a-f]{32}") ? from.etag()
                : syntheticEtag(from, range == null ? 0 : range.first(), size);
        Map<String, String> checksums = whole && from.checksumType() == ChecksumType.FULL_OBJECT ? from.checksums() : Map.of();
        if (upload.checksumAlgorithm() != null && !checksums.containsKey(upload.checksumAlgorithm())) {
            checksums = Map.of();
        }
        PartRecord part;
        // the part shares the source's chunks; only chunks cut by the range edges are rewritten
        try (GuardedWrite w = stores.writes().open(bucket, ObjectWrites.source(src))) {
            ManifestRoot root = whole ? sourceRoot : w.slice(range.first(), range.length());
            part = new PartRecord(op.partNumber(), etag, size, stores.clock().instant(), root.encode(), checksums);
            w.putPart(upload.uploadId(), part);
        }
        call.respondHeader("x-amz-copy-source-version-id", Versions.headerVersionId(src.bucket(), from));
        XmlWriter x = XmlWriter.s3("CopyPartResult").element("ETag", "\"" + etag + "\"")
                .element("LastModified", part.lastModified());
        checksums.forEach((a, v) -> x.element("Checksum" + a, v));
        call.respondXml(200, x);
    }

    public void complete(Call call, S3Request.CompleteMultipartUpload op, BucketRecord bucket) throws IOException {
        var condition = ObjectWrites.writeCondition(call);
        UploadRecord upload;
        try {
            upload = upload(bucket, op.key(), op.uploadId());
        } catch (MetadataException.NoSuchUpload e) {
            answerRepeatedComplete(call, op, bucket, e);
            return;
        }
        List<Requested> requested = parseParts(call.smallBody(4 * 1024 * 1024));
        Map<Integer, PartRecord> stored = allParts(call, bucket, upload);

        List<PartRecord> parts = new ArrayList<>(requested.size());
        int previous = 0;
        for (Requested r : requested) {
            if (r.number <= previous) {
                throw new S3Exception(S3ErrorCode.INVALID_PART_ORDER);
            }
            previous = r.number;
            PartRecord p = stored.get(r.number);
            if (p == null || !p.etag().equals(r.etag)) {
                throw invalidPart(r);
            }
            for (Map.Entry<String, String> c : r.checksums.entrySet()) {
                if (!c.getValue().equals(p.checksums().get(c.getKey()))) {
                    throw invalidPart(r);
                }
            }
            parts.add(p);
        }
        for (int i = 0; i < parts.size() - 1; i++) {
            PartRecord p = parts.get(i);
            if (p.size() < stores.config().minPartSize()) {
                throw new S3Exception(S3ErrorCode.ENTITY_TOO_SMALL)
                        .detail("ProposedSize", String.valueOf(p.size()))
                        .detail("MinSizeAllowed", String.valueOf(stores.config().minPartSize()))
                        .detail("PartNumber", String.valueOf(p.partNumber()))
                        .detail("ETag", "\"" + p.etag() + "\"");
            }
        }
        Map<String, String> checksums = new HashMap<>();
        ChecksumType checksumType = objectChecksum(call, upload, parts, checksums);

        List<ManifestRoot> roots = parts.stream().map(p -> ManifestRoot.decode(p.manifest())).toList();
        long size = parts.stream().mapToLong(PartRecord::size).sum();
        VersionRecord published;
        // the composed root is pinned (not the up to 10,000 parts), then the parts must still be there
        try (GuardedWrite w = stores.writes().open(bucket, Reuse.nothing())) {
            call.checkpoint("complete.compose");
            ManifestRoot root = w.compose(roots, () -> {
                Map<Integer, PartRecord> again = allParts(call, bucket, upload);
                for (PartRecord p : parts) {
                    PartRecord now = again.get(p.partNumber());
                    if (now == null || !now.manifest().equals(p.manifest())) {
                        throw new S3Exception(S3ErrorCode.INVALID_PART).detail("PartNumber", String.valueOf(p.partNumber()));
                    }
                }
            });
            // the last point where a client that hung up stops the upload's completion: past it, it stands
            call.checkpoint("complete.publish");
            published = w.complete(upload.uploadId(), VersionDraft.builder(op.key()).owner(upload.owner())
                    .bytes(size, multipartEtag(parts), root.encode()).partCount(parts.size())
                    .metadata(upload.headers(), upload.userMetadata()).checksums(checksums, checksumType)
                    .acl(upload.accessControlList()).build(), condition);
        }
        respondCompleted(call, bucket, op.key(), published);
    }

    /**
     * A Complete of an upload that is no longer in progress: when it was completed with the same
     * parts (so the same ETag), a client retrying after a lost reply gets the first answer again,
     * as from S3; otherwise NoSuchUpload.
     */
    private void answerRepeatedComplete(Call call, S3Request.CompleteMultipartUpload op, BucketRecord bucket,
            MetadataException.NoSuchUpload notActive) throws IOException {
        Optional<VersionRecord> done = stores.meta().completedUpload(bucket.name(), op.uploadId());
        if (done.isEmpty() || !done.get().key().equals(op.key())) {
            throw notActive;
        }
        List<Requested> requested = parseParts(call.smallBody(4 * 1024 * 1024));
        Optional<String> etag = requestedEtag(requested);
        if (etag.isEmpty() || !etag.get().equals(done.get().etag())) {
            throw notActive;
        }
        respondCompleted(call, bucket, op.key(), done.get());
    }

    private static Optional<String> requestedEtag(List<Requested> requested) {
        var md5 = ChecksumAlgorithm.MD5.newChecksummer();
        for (Requested r : requested) {
            if (!r.etag.matches("[0-9a-fA-F]{32}")) {
                return Optional.empty();
            }
            md5.update(HexFormat.of().parseHex(r.etag));
        }
        return Optional.of(HexFormat.of().formatHex(md5.digest()) + "-" + requested.size());
    }

    private void respondCompleted(Call call, BucketRecord bucket, String key, VersionRecord published) {
        call.respondHeader("x-amz-version-id", Versions.writtenVersionId(published));
        ExpirationHeader.write(call, stores, bucket, published);
        XmlWriter x = XmlWriter.s3("CompleteMultipartUploadResult")
                .element("Location", "/" + bucket.name() + "/" + UriCodec.encodeKey(key))
                .element("Bucket", bucket.name()).element("Key", key)
                .element("ETag", "\"" + published.etag() + "\"");
        published.checksums().forEach((a, v) -> x.element("Checksum" + a, v));
        x.element("ChecksumType", name(published.checksumType()));
        call.respondXml(200, x);
    }

    public void abort(Call call, S3Request.AbortMultipartUpload op, BucketRecord bucket) {
        upload(bucket, op.key(), op.uploadId());
        stores.meta().abortUpload(bucket.name(), op.uploadId());
        call.respond(204);
    }

    public void listParts(Call call, S3Request.ListParts op, BucketRecord bucket) {
        UploadRecord upload = upload(bucket, op.key(), op.uploadId());
        List<PartRecord> page = stores.meta().parts(bucket.name(), upload.uploadId(), op.partNumberMarker(),
                op.maxParts() + 1);
        boolean truncated = page.size() > op.maxParts();
        List<PartRecord> shown = truncated ? page.subList(0, op.maxParts()) : page;
        XmlWriter x = XmlWriter.s3("ListPartsResult")
                .element("Bucket", bucket.name()).element("Key", op.key()).element("UploadId", upload.uploadId());
        owners.write(x, "Initiator", upload.owner());
        owners.write(x, "Owner", upload.owner());
        x.element("StorageClass", "STANDARD")
                .element("PartNumberMarker", op.partNumberMarker())
                .element("NextPartNumberMarker", shown.isEmpty() ? 0 : shown.get(shown.size() - 1).partNumber())
                .element("MaxParts", op.maxParts())
                .element("IsTruncated", truncated)
                .element("ChecksumAlgorithm", upload.checksumAlgorithm())
                .element("ChecksumType", name(upload.checksumType()));
        for (PartRecord p : shown) {
            x.start("Part").element("PartNumber", p.partNumber()).element("LastModified", p.lastModified())
                    .element("ETag", "\"" + p.etag() + "\"").element("Size", p.size());
            p.checksums().forEach((a, v) -> x.element("Checksum" + a, v));
            x.end();
        }
        call.respondXml(200, x);
    }

    public void listUploads(Call call, S3Request.ListMultipartUploads op, BucketRecord bucket) {
        UploadListPage page = stores.meta().listUploads(bucket.name(), new UploadListQuery(op.prefix(), op.delimiter(),
                emptyToNull(op.keyMarker()), emptyToNull(op.uploadIdMarker()), op.maxUploads()));
        boolean enc = op.urlEncoding();
        XmlWriter x = XmlWriter.s3("ListMultipartUploadsResult")
                .element("Bucket", bucket.name())
                .element("KeyMarker", enc(op.keyMarker() == null ? "" : op.keyMarker(), enc))
                .element("UploadIdMarker", op.uploadIdMarker() == null ? "" : op.uploadIdMarker())
                .element("NextKeyMarker", enc(page.nextKeyMarker() == null ? "" : page.nextKeyMarker(), enc))
                .element("NextUploadIdMarker", page.nextUploadIdMarker() == null ? "" : page.nextUploadIdMarker())
                .element("Prefix", enc(op.prefix() == null ? "" : op.prefix(), enc))
                .element("Delimiter", enc(op.delimiter(), enc))
                .element("MaxUploads", op.maxUploads())
                .element("IsTruncated", page.truncated())
                .element("EncodingType", enc ? "url" : null);
        for (UploadRecord u : page.uploads()) {
            x.start("Upload").element("Key", enc(u.key(), enc)).element("UploadId", u.uploadId());
            owners.write(x, "Initiator", u.owner());
            owners.write(x, "Owner", u.owner());
            x.element("StorageClass", "STANDARD").element("Initiated", u.initiated())
                    .element("ChecksumAlgorithm", u.checksumAlgorithm()).element("ChecksumType", name(u.checksumType())).end();
        }
        for (String prefix : page.commonPrefixes()) {
            x.start("CommonPrefixes").element("Prefix", enc(prefix, enc)).end();
        }
        call.respondXml(200, x);
    }

    // ---- helpers

    /** The upload, which must exist and belong to this key. */
    private UploadRecord upload(BucketRecord bucket, String key, String uploadId) {
        UploadRecord upload = stores.meta().upload(bucket.name(), uploadId);
        if (!upload.key().equals(key)) {
            throw new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD).detail("UploadId", uploadId);
        }
        return upload;
    }

    private Map<Integer, PartRecord> allParts(Call call, BucketRecord bucket, UploadRecord upload) {
        Map<Integer, PartRecord> byNumber = new HashMap<>();
        int after = 0;
        while (true) {
            call.checkpoint("complete.parts-page");
            List<PartRecord> page = stores.meta().parts(bucket.name(), upload.uploadId(), after, 1000);
            for (PartRecord p : page) {
                byNumber.put(p.partNumber(), p);
                after = p.partNumber();
            }
            if (page.size() < 1000) {
                return byNumber;
            }
        }
    }

    /**
     * The object's checksum from its parts' checksums: COMPOSITE (checksum of the part digests) or
     * FULL_OBJECT (CRCs combined); none when some part has no checksum of the algorithm.
     */
    private ChecksumType objectChecksum(Call call, UploadRecord upload, List<PartRecord> parts, Map<String, String> out) {
        ChecksumAlgorithm algorithm = algorithmOf(upload).orElse(ChecksumAlgorithm.CRC64NVME);
        ChecksumType type = upload.checksumType() != null ? upload.checksumType() : ChecksumType.FULL_OBJECT;
        List<byte[]> digests = new ArrayList<>();
        for (PartRecord p : parts) {
            String v = p.checksums().get(algorithm.amzName());
            if (v == null) {
                if (upload.checksumAlgorithm() != null) {
                    throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "The upload was created using a "
                            + algorithm.amzName().toLowerCase() + " checksum. The complete request must include the "
                            + "checksum for each part. It was missing for part " + p.partNumber() + " in the request.");
                }
                return null;
            }
            digests.add(Base64.getDecoder().decode(v));
        }
        String value;
        if (type == ChecksumType.COMPOSITE) {
            value = MultipartChecksums.composite(algorithm, digests);
        } else {
            List<MultipartChecksums.Part> ps = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                ps.add(new MultipartChecksums.Part(digests.get(i), parts.get(i).size()));
            }
            value = MultipartChecksums.fullObjectBase64(algorithm, ps);
        }
        String claimed = call.header(algorithm.headerName());
        if (claimed != null && type == ChecksumType.FULL_OBJECT && !claimed.trim().equals(value)) {
            throw algorithm.mismatch();
        }
        out.put(algorithm.amzName(), value);
        return type;
    }

    private static Optional<ChecksumAlgorithm> algorithmOf(UploadRecord upload) {
        return Optional.ofNullable(upload.checksumAlgorithm()).flatMap(ChecksumAlgorithm::fromAmzName);
    }

    /** S3's multipart ETag: the MD5 of the concatenated binary part MD5s, then "-" and the part count. */
    static String multipartEtag(List<PartRecord> parts) {
        var md5 = ChecksumAlgorithm.MD5.newChecksummer();
        for (PartRecord p : parts) {
            md5.update(HexFormat.of().parseHex(p.etag()));
        }
        return HexFormat.of().formatHex(md5.digest()) + "-" + parts.size();
    }

    /**
     * The ETag of a part copied from a range: S3 would give the range's MD5, which would mean reading
     * the bytes. imagegate copies references only, so it names the range instead: stable and unique.
     */
    private static String syntheticEtag(VersionRecord from, long offset, long length) {
        var md5 = ChecksumAlgorithm.MD5.newChecksummer();
        md5.update((from.etag() + "|" + from.versionId() + "|" + from.manifest() + "|" + offset + "|" + length)
                .getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md5.digest());
    }

    private static ByteRangeSpec copyRange(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        int dash = h.indexOf('-');
        if (h.startsWith("bytes=") && dash > 6) {
            try {
                long first = Long.parseLong(h.substring(6, dash));
                long last = Long.parseLong(h.substring(dash + 1));
                if (first >= 0 && last >= first && last < size) {
                    return new ByteRangeSpec(first, last);
                }
                if (first >= 0 && last >= first) {
                    throw Errors.invalidArgument("Range specified is not valid for source object of size: " + size,
                            "x-amz-copy-source-range", header);
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw Errors.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                "x-amz-copy-source-range", header);
    }

    /**
     * The parts a CompleteMultipartUpload body lists, in the order given (numbers, order and ETags
     * are checked against the upload by the caller): 1 to {@link #MAX_PARTS} of them, or MalformedXML.
     */
    static List<Requested> parseParts(byte[] body) {
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("CompleteMultipartUpload")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        List<Element> elements = XmlDocument.children(doc.root(), "Part");
        if (elements.isEmpty() || elements.size() > MAX_PARTS) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        List<Requested> parts = new ArrayList<>(elements.size());
        for (Element e : elements) {
            String number = XmlDocument.childText(e, "PartNumber").orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_XML));
            String etag = XmlDocument.childText(e, "ETag").orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_XML));
            int n;
            try {
                n = Integer.parseInt(number.trim());
            } catch (NumberFormatException ex) {
                throw new S3Exception(S3ErrorCode.MALFORMED_XML);
            }
            Map<String, String> checksums = new HashMap<>();
            for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
                if (a.isAmzChecksum()) {
                    XmlDocument.childText(e, a.xmlElement()).ifPresent(v -> checksums.put(a.amzName(), v.trim()));
                }
            }
            parts.add(new Requested(n, Conditionals.unquote(etag), checksums));
        }
        return parts;
    }

    private static S3Exception invalidPart(Requested r) {
        return new S3Exception(S3ErrorCode.INVALID_PART).detail("PartNumber", String.valueOf(r.number))
                .detail("ETag", "\"" + r.etag + "\"");
    }

    private static String newUploadId() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        byte[] bytes = java.nio.ByteBuffer.allocate(32).putLong(a.getMostSignificantBits()).putLong(a.getLeastSignificantBits())
                .putLong(b.getMostSignificantBits()).putLong(b.getLeastSignificantBits()).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String enc(String value, boolean url) {
        return url ? UriCodec.encodeKey(value) : value;
    }

    private static String name(ChecksumType type) {
        return type == null ? null : type.name();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** One Part of a CompleteMultipartUpload body: its number, its ETag unquoted, its checksums by x-amz name. */
    record Requested(int number, String etag, Map<String, String> checksums) {}
}
