package io.imagegate.gateway.ops;

import io.imagegate.chunk.ChunkReader;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.VersionRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;

/** GetObject and HeadObject: conditions, ranges, parts, overrides, checksums, then the bytes. */
public final class ObjectReads {

    /** response-* query parameters and the header each one overrides. */
    private static final Map<String, String> OVERRIDES = Map.of(
            "response-content-type", "Content-Type",
            "response-content-language", "Content-Language",
            "response-expires", "Expires",
            "response-cache-control", "Cache-Control",
            "response-content-disposition", "Content-Disposition",
            "response-content-encoding", "Content-Encoding");

    private final Stores stores;

    public ObjectReads(Stores stores) {
        this.stores = stores;
    }

    public void get(Call call, S3Request.GetObject op, BucketRecord bucket) throws IOException {
        VersionRecord v = AccessControl.requireRead(call, bucket, op.key(), op.versionId(), () -> Versions.forRead(stores.meta(),
                bucket, op.key(), op.versionId(), op.head() ? "HEAD" : "GET"));
        checkOverridesAllowed(call);
        Conditionals.checkRead(call::header, v);

        ManifestRoot root = ObjectHeaders.root(v);
        long size = v.size();
        Optional<ByteRangeSpec> range = range(call, op, root, v);

        ObjectHeaders.write(call, bucket, v);
        if (op.versionId() == null) {
            ExpirationHeader.write(call, stores, bucket, v);
        }
        for (Map.Entry<String, String> o : OVERRIDES.entrySet()) {
            call.respondHeader(o.getValue(), call.query().get(o.getKey()));
        }
        if (op.partNumber() != null && v.partCount() > 0) {
            call.respondHeader("x-amz-mp-parts-count", v.partCount());
        }
        boolean checksums = "ENABLED".equalsIgnoreCase(call.header("x-amz-checksum-mode"));
        if (checksums && range.isEmpty()) {
            ObjectHeaders.writeChecksums(call, v);
        }
        long offset = range.map(ByteRangeSpec::first).orElse(0L);
        long length = range.map(ByteRangeSpec::length).orElse(size);
        int status = range.isPresent() ? 206 : 200;
        range.ifPresent(r -> call.respondHeader("Content-Range", r.contentRange(size)));
        if (op.head()) {
            call.exchange().setStatusCode(status);
            call.exchange().setResponseContentLength(length);
            call.exchange().endExchange();
            return;
        }
        ChunkReader chunks = stores.chunks();
        // not try-with-resources: closing the stream after a failed read would end the response as
        // a complete (and wrong) body; left open, the failure becomes an S3 error if nothing was sent
        // yet, or a dropped connection (a short body the client detects) if something was
        OutputStream out = call.respondStream(status, length);
        if (length > 0) {
            chunks.read(root, offset, length, out);
        }
        out.close();
    }

    private Optional<ByteRangeSpec> range(Call call, S3Request.GetObject op, ManifestRoot root, VersionRecord v)
            throws IOException {
        String rangeHeader = call.header("Range");
        if (op.partNumber() == null) {
            return ByteRangeSpec.resolve(rangeHeader, v.size());
        }
        if (rangeHeader != null) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Cannot specify both Range header and partNumber query parameter");
        }
        int part = op.partNumber();
        if (v.partCount() == 0) {
            // a single-PUT object is one part: part 1 is the whole object, as a range
            if (part != 1 || v.size() == 0) {
                throw new S3Exception(S3ErrorCode.INVALID_PART_NUMBER);
            }
            return Optional.of(new ByteRangeSpec(0, v.size() - 1));
        }
        ChunkReader.ByteRange r = stores.chunks().partRange(root, part)
                .orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_PART_NUMBER));
        if (r.length() == 0) {
            throw new S3Exception(S3ErrorCode.INVALID_PART_NUMBER);
        }
        return Optional.of(new ByteRangeSpec(r.offset(), r.offset() + r.length() - 1));
    }

    private static void checkOverridesAllowed(Call call) {
        if (call.principal().anonymous()) {
            for (String name : OVERRIDES.keySet()) {
                if (call.query().has(name)) {
                    throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                            "Request specific response headers cannot be used for anonymous GET requests.");
                }
            }
        }
    }
}
