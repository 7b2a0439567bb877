package io.imagegate.gateway.ops;

import io.imagegate.chunk.ManifestRoot;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.EncodedWords;
import io.imagegate.gateway.http.HttpDates;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.VersionRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headers an object carries: the content headers and user metadata taken from a PUT (or
 * CreateMultipartUpload, or a REPLACE copy), and written back on GET and HEAD.
 */
final class ObjectHeaders {

    /** Content headers S3 stores with an object and returns on reads. */
    static final List<String> STORED = List.of(
            "content-type", "cache-control", "content-disposition", "content-encoding", "content-language", "expires");

    static final String META_PREFIX = "x-amz-meta-";

    /** S3's limit on the user metadata of one object: names and values, in UTF-8 bytes. */
    static final int MAX_USER_METADATA_BYTES = 2048;

    private ObjectHeaders() {}

    /** The stored content headers of a write request, by lower-case name. */
    static Map<String, String> contentHeaders(Call call) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : STORED) {
            String v = call.header(name);
            if (v != null && name.equals("content-encoding")) {
                v = withoutAwsChunked(v);
            }
            if (v != null) {
                headers.put(name, v);
            }
        }
        return headers;
    }

    /**
     * aws-chunked is the transfer framing of a signed stream, not the object's encoding: S3 stores
     * the header without that token, and without the header when nothing else is left. The rest
     * is kept as sent ({@code aws-chunked, gzip, br} stores {@code gzip, br}).
     */
    static String withoutAwsChunked(String contentEncoding) {
        StringBuilder kept = new StringBuilder(contentEncoding.length());
        boolean dropped = false;
        for (String token : contentEncoding.split(",", -1)) {
            if (token.trim().equalsIgnoreCase("aws-chunked")) {
                dropped = true;
                continue;
            }
            if (!kept.isEmpty()) {
                kept.append(',');
            }
            kept.append(token);
        }
        if (!dropped) {
            return contentEncoding;
        }
        String rest = kept.toString().strip();
        return rest.isEmpty() || rest.replace(",", "").isBlank() ? null : rest;
    }

    /** The x-amz-meta-* headers of a write request, names lower-case without the prefix. */
    static Map<String, String> userMetadata(Call call) {
        Map<String, String> meta = new LinkedHashMap<>();
        int bytes = 0;
        for (var values : call.exchange().getRequestHeaders()) {
            String name = values.getHeaderName().toString().toLowerCase(Locale.ROOT);
            if (name.startsWith(META_PREFIX)) {
                String key = name.substring(META_PREFIX.length());
                // S3 stores encoded-words decoded (and returns non-ASCII values encoded: write below)
                String value = EncodedWords.decode(String.join(",", values));
                meta.put(key, value);
                bytes += key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (bytes > MAX_USER_METADATA_BYTES) {
            throw new S3Exception(S3ErrorCode.METADATA_TOO_LARGE)
                    .detail("Size", String.valueOf(bytes)).detail("MaxSizeAllowed", String.valueOf(MAX_USER_METADATA_BYTES));
        }
        return meta;
    }

    static ManifestRoot root(VersionRecord v) {
        return ManifestRoot.decode(v.manifest());
    }

    /** ETag, Last-Modified, content headers, user metadata and version id of a GET or HEAD. */
    static void write(Call call, BucketRecord bucket, VersionRecord v) {
        call.respondHeader("ETag", "\"" + v.etag() + "\"");
        call.respondHeader("Last-Modified", HttpDates.rfc1123(v.lastModified()));
        call.respondHeader("Accept-Ranges", "bytes");
        call.respondHeader("Content-Type", v.headers().getOrDefault("content-type", "binary/octet-stream"));
        for (Map.Entry<String, String> h : v.headers().entrySet()) {
            if (!h.getKey().equals("content-type")) {
                call.respondHeader(h.getKey(), h.getValue());
            }
        }
        for (Map.Entry<String, String> m : v.userMetadata().entrySet()) {
            call.respondHeader(META_PREFIX + m.getKey(), EncodedWords.encode(m.getValue()));
        }
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, v));
    }

    static void writeChecksums(Call call, VersionRecord v) {
        for (Map.Entry<String, String> c : v.checksums().entrySet()) {
            call.respondHeader("x-amz-checksum-" + c.getKey().toLowerCase(Locale.ROOT), c.getValue());
        }
        call.respondHeader("x-amz-checksum-type", v.checksumType() == null ? null : v.checksumType().name());
    }
}
