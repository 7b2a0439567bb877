package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.HttpDates;
import io.imagegate.meta.VersionRecord;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * The HTTP conditional headers as S3 evaluates them, for reads and for copy sources: If-Match
 * and If-Unmodified-Since fail with 412; If-None-Match and If-Modified-Since fail with 304 on
 * reads (412 on copy sources).
 */
final class Conditionals {

    private Conditionals() {}

    /** GetObject and HeadObject. */
    static void checkRead(Function<String, String> header, VersionRecord v) {
        check(header, "", v, false);
    }

    /** CopyObject and UploadPartCopy: the x-amz-copy-source-if-* headers, all failing with 412. */
    static void checkCopySource(Function<String, String> header, VersionRecord v) {
        check(header, "x-amz-copy-source-", v, true);
    }

    private static void check(Function<String, String> header, String prefix, VersionRecord v, boolean copy) {
        String ifMatch = header.apply(prefix + "if-match");
        String ifNoneMatch = header.apply(prefix + "if-none-match");
        Optional<Instant> ifModifiedSince = HttpDates.parseHttpDate(header.apply(prefix + "if-modified-since"));
        Optional<Instant> ifUnmodifiedSince = HttpDates.parseHttpDate(header.apply(prefix + "if-unmodified-since"));
        Instant modified = HttpDates.toSeconds(v.lastModified());

        if (ifMatch != null) {
            if (!etagMatches(ifMatch, v.etag())) {
                throw failed(prefix + "If-Match");
            }
        } else if (ifUnmodifiedSince.isPresent() && modified.isAfter(ifUnmodifiedSince.get())) {
            throw failed(prefix + "If-Unmodified-Since");
        }
        if (ifNoneMatch != null) {
            if (etagMatches(ifNoneMatch, v.etag())) {
                throw copy ? failed(prefix + "If-None-Match") : notModified(v);
            }
        } else if (ifModifiedSince.isPresent() && !modified.isAfter(ifModifiedSince.get())) {
            throw copy ? failed(prefix + "If-Modified-Since") : notModified(v);
        }
    }

    /** True when the header's list of ETags (or "*") names this ETag. */
    static boolean etagMatches(String headerValue, String etag) {
        for (String candidate : headerValue.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || unquote(c).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    static String unquote(String etag) {
        String e = etag.trim();
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }

    private static S3Exception failed(String condition) {
        return new S3Exception(S3ErrorCode.PRECONDITION_FAILED).detail("Condition", condition);
    }

    private static S3Exception notModified(VersionRecord v) {
        return new S3Exception(S3ErrorCode.NOT_MODIFIED).header("ETag", "\"" + v.etag() + "\"")
                .header("Last-Modified", HttpDates.rfc1123(v.lastModified()));
    }
}
