package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.util.Optional;

/**
 * A single HTTP byte range resolved against an object's size. S3 serves the whole object for a
 * Range header it cannot parse (or with several ranges), and 416 for one it cannot satisfy.
 */
record ByteRangeSpec(long first, long last) {

    long length() {
        return last - first + 1;
    }

    String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /** Empty when the header is absent or not a single byte range (the whole object is served). */
    static Optional<ByteRangeSpec> resolve(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.trim();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
            return Optional.empty();
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return Optional.empty();
                }
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    throw unsatisfiable(size);
                }
                return Optional.of(new ByteRangeSpec(Math.max(0, size - suffix), size - 1));
            }
            long first = Long.parseLong(a);
            if (first < 0) {
                return Optional.empty();
            }
            // "bytes=N-" starts at N whatever the size: from the end or beyond it, nothing is satisfiable
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (last < first) {
                return Optional.empty();
            }
            if (first >= size) {
                throw unsatisfiable(size);
            }
            return Optional.of(new ByteRangeSpec(first, Math.min(last, size - 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static S3Exception unsatisfiable(long size) {
        return new S3Exception(S3ErrorCode.INVALID_RANGE).detail("ActualObjectSize", String.valueOf(size))
                .header("Content-Range", "bytes */" + size);
    }
}
