package io.imagegate.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.Query;
import io.imagegate.gateway.http.UriCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fuzzes request parsing and routing (method, Host, raw path, raw query, headers into one
 * {@link S3Request}): every input yields an operation or an S3 error a client can act on (4xx, or
 * 501 for a subresource imagegate does not implement), never another exception; and what it
 * yields names a bucket and key the stores can take. The corpus under
 * {@code RequestParserFuzzTestInputs/} is replayed by the normal suite; {@code bench/run fuzz}
 * fuzzes it (README, Tests).
 */
class RequestParserFuzzTest {

    private static final String[] METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "get", ""};
    private static final String[] HEADERS = {"x-amz-copy-source", "Content-Length", "x-amz-acl", "Range"};
    private static final RequestParser PARSER = new RequestParser(List.of("s3.example.com", "localhost"));

    @FuzzTest
    void everyRequestIsAnOperationOrAnS3Error(FuzzedDataProvider data) {
        String method = data.pickValue(METHODS);
        String host = data.consumeBoolean() ? data.consumeString(80) : data.pickValue(
                new String[] {"localhost:9000", "b.localhost:9000", "s3.example.com", "[::1]:9000", "x.s3.example.com"});
        Map<String, String> headers = new HashMap<>();
        int headerCount = data.consumeInt(0, HEADERS.length);
        for (int i = 0; i < headerCount; i++) {
            headers.put(data.pickValue(HEADERS).toLowerCase(Locale.ROOT), data.consumeString(200));
        }
        String rawQuery = data.consumeString(400);
        String rawPath = data.consumeRemainingAsString();
        S3Request op;
        try {
            Query query = Query.parse(rawQuery);
            op = PARSER.parse(method, host, rawPath, query, name -> headers.get(name.toLowerCase(Locale.ROOT)));
        } catch (S3Exception e) {
            assertClientError(e);
            return;
        }
        checkOperation(op);
    }

    /** Percent-decoding: UTF-8 text or InvalidURI; what decodes re-encodes (encoding-type=url) to the same text. */
    @FuzzTest
    void decodingIsTextOrInvalidUri(FuzzedDataProvider data) {
        boolean plusIsSpace = data.consumeBoolean();
        String raw = data.consumeRemainingAsString();
        String decoded;
        try {
            decoded = UriCodec.decode(raw, plusIsSpace);
        } catch (S3Exception e) {
            assertEquals(S3ErrorCode.INVALID_URI, e.code());
            return;
        }
        assertTrue(isWellFormed(decoded), "decoding yields well-formed text");
        String encoded = UriCodec.encodeKey(decoded);
        assertEquals(decoded, UriCodec.decode(encoded, false), "encodeKey is undone by decode");
    }

    static void assertClientError(S3Exception e) {
        assertNotNull(e.code());
        int status = e.code().status();
        assertTrue(status >= 400 && status < 500 || e.code() == S3ErrorCode.NOT_IMPLEMENTED,
                () -> "a request the parser refuses is the client's error, not " + e.code() + ": " + e.getMessage());
    }

    private static void checkOperation(S3Request op) {
        assertNotNull(op.action());
        if (op instanceof S3Request.ListBuckets || op instanceof S3Request.GetStorageReport) {
            return;
        }
        String bucket = op.bucket();
        assertNotNull(bucket, () -> op + " names a bucket");
        assertFalse(bucket.isEmpty(), () -> op + " names a non-empty bucket");
        assertTrue(bucket.length() <= 255, () -> op + " names a bucket of at most 255 characters");
        assertTrue(isWellFormed(bucket), () -> op + " names a bucket in well-formed text");
        if (op instanceof S3Request.ObjectRequest o) {
            assertNotNull(o.key());
            assertFalse(o.key().isEmpty(), () -> op + " names a non-empty key");
            assertTrue(o.key().getBytes(StandardCharsets.UTF_8).length <= RequestParser.MAX_KEY_BYTES);
            assertTrue(isWellFormed(o.key()), () -> op + " names a key in well-formed text");
        }
        S3Request.CopySource source = switch (op) {
            case S3Request.CopyObject c -> c.source();
            case S3Request.UploadPartCopy c -> c.source();
            default -> null;
        };
        if (source != null) {
            assertFalse(source.bucket().isEmpty());
            assertFalse(source.key().isEmpty());
            assertTrue(source.key().getBytes(StandardCharsets.UTF_8).length <= RequestParser.MAX_KEY_BYTES);
        }
    }

    /** No unpaired surrogate: the text round-trips through UTF-8 (as keys are stored). */
    static boolean isWellFormed(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
    }
}
