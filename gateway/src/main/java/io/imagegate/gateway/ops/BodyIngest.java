package io.imagegate.gateway.ops;

import io.imagegate.chunk.ObjectWriter;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.checksum.Checksummer;
import io.imagegate.gateway.http.Call;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Streams a request body into an {@link ObjectWriter} in one pass, computing the MD5 (the
 * ETag) and the object's checksum on the way, then verifies Content-MD5, the declared checksum
 * (header or trailer) and the length. Any failure is an S3 error raised before anything is
 * published, so a rejected body leaves no visible trace.
 */
final class BodyIngest {

    private static final int BUFFER = 256 * 1024;

    /** What one pass over a body produced. */
    record Result(long size, byte[] md5, ChecksumAlgorithm algorithm, byte[] checksum) {

        String etag() {
            return HexFormat.of().formatHex(md5);
        }

        String checksumBase64() {
            return java.util.Base64.getEncoder().encodeToString(checksum);
        }

        Map<String, String> checksums() {
            return Map.of(algorithm.amzName(), checksumBase64());
        }
    }

    /**
     * Which checksum a write carries: an {@code x-amz-checksum-*} header with its value, a
     * trailer announced by {@code x-amz-trailer}, or only an algorithm; CRC64NVME otherwise, as
     * S3 computes for every new object.
     */
    record Plan(ChecksumAlgorithm algorithm, String expected, String trailer) {

        static Plan of(Call call, ChecksumAlgorithm fallback) {
            Plan found = null;
            for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
                String v = a.isAmzChecksum() ? call.header(a.headerName()) : null;
                if (v != null) {
                    if (found != null) {
                        throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
                    }
                    a.decode(v);
                    found = new Plan(a, v.trim(), null);
                }
            }
            String trailer = call.header("x-amz-trailer");
            if (trailer != null && trailer.toLowerCase(Locale.ROOT).trim().startsWith("x-amz-checksum-")) {
                ChecksumAlgorithm a = ChecksumAlgorithm.fromHeaderName(trailer)
                        .filter(ChecksumAlgorithm::isAmzChecksum)
                        .orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_REQUEST,
                                "The value specified in the x-amz-trailer header is not supported"));
                if (found != null) {
                    throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
                }
                found = new Plan(a, null, trailer.trim().toLowerCase(Locale.ROOT));
            }
            String sdkAlgorithm = call.header("x-amz-sdk-checksum-algorithm");
            if (sdkAlgorithm != null) {
                ChecksumAlgorithm a = ChecksumAlgorithm.fromAmzName(sdkAlgorithm).orElseThrow(() ->
                        Errors.invalidArgument("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                                "x-amz-sdk-checksum-algorithm", sdkAlgorithm));
                if (found == null) {
                    found = new Plan(a, null, null);
                } else if (found.algorithm != a) {
                    throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                            "Value for x-amz-sdk-checksum-algorithm header is invalid.");
                }
            }
            return found != null ? found : new Plan(fallback, null, null);
        }
    }

    private BodyIngest() {}

    /**
     * Reads the whole body into {@code writer}. Does not finish the writer: the caller publishes.
     *
     * @param maxSize the largest body accepted (EntityTooLarge beyond)
     */
    static Result ingest(Call call, ObjectWriter writer, Plan plan, long maxSize) throws IOException {
        byte[] contentMd5 = contentMd5(call);
        long declared = declaredLength(call);
        if (declared > maxSize) {
            throw tooLarge(declared, maxSize);
        }
        Checksummer md5 = ChecksumAlgorithm.MD5.newChecksummer();
        Checksummer checksum = plan.algorithm().newChecksummer();
        long total = declared >= 0 && declared <= BUFFER
                ? copyDirect(call.body(), writer, md5, checksum, maxSize)
                : copyPipelined(call.body(), writer, md5, checksum, maxSize);
        if (declared >= 0 && total != declared) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY);
        }
        Result result = new Result(total, md5.digest(), plan.algorithm(), checksum.digest());
        if (contentMd5 != null && !Arrays.equals(contentMd5, result.md5())) {
            throw new S3Exception(S3ErrorCode.BAD_DIGEST)
                    .detail("ExpectedDigest", call.header("Content-MD5"))
                    .detail("CalculatedDigest", java.util.Base64.getEncoder().encodeToString(result.md5()));
        }
        String expected = plan.expected();
        if (plan.trailer() != null) {
            expected = call.trailers().get(plan.trailer());
            if (expected == null) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                        "The trailer " + plan.trailer() + " announced by x-amz-trailer was not sent.");
            }
        }
        if (expected != null && !Arrays.equals(plan.algorithm().decode(expected), result.checksum())) {
            throw plan.algorithm().mismatch();
        }
        return result;
    }

    /** A small body: one thread does everything. */
    private static long copyDirect(InputStream in, ObjectWriter writer, Checksummer md5, Checksummer checksum,
                                   long maxSize) throws IOException {
        byte[] buf = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > maxSize) {
                throw tooLarge(total, maxSize);
            }
            md5.update(buf, 0, n);
            checksum.update(buf, 0, n);
            writer.write(buf, 0, n);
        }
        return total;
    }

    /**
     * A large body: this thread reads (and verifies the signature of) the body and computes the
     * MD5, while a second one computes the checksum and cuts, names and stores the chunks.
     */
    private static long copyPipelined(InputStream in, ObjectWriter writer, Checksummer md5, Checksummer checksum,
                                      long maxSize) throws IOException {
        long total = 0;
        try (WriterPipeline pipeline = new WriterPipeline(writer, checksum, BUFFER)) {
            while (true) {
                byte[] buf = pipeline.buffer();
                int n = in.readNBytes(buf, 0, buf.length);
                if (n <= 0) {
                    break;
                }
                total += n;
                if (total > maxSize) {
                    throw tooLarge(total, maxSize);
                }
                md5.update(buf, 0, n);
                pipeline.submit(buf, n);
            }
            pipeline.drain();
        }
        return total;
    }

    /** The Content-MD5 digest, or null; InvalidDigest when it is not base64 of 16 bytes. */
    static byte[] contentMd5(Call call) {
        String v = call.header("Content-MD5");
        return v == null ? null : ChecksumAlgorithm.MD5.decode(v);
    }

    /** The length the client promised, from x-amz-decoded-content-length or Content-Length; -1 if none. */
    static long declaredLength(Call call) {
        String decoded = call.header("x-amz-decoded-content-length");
        String v = decoded != null ? decoded : call.header("Content-Length");
        if (v == null) {
            if (call.header("Transfer-Encoding") == null) {
                throw new S3Exception(S3ErrorCode.MISSING_CONTENT_LENGTH);
            }
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Content-Length must be a non-negative number")
                .detail("ArgumentName", decoded != null ? "x-amz-decoded-content-length" : "Content-Length")
                .detail("ArgumentValue", v);
    }

    private static S3Exception tooLarge(long size, long max) {
        return new S3Exception(S3ErrorCode.ENTITY_TOO_LARGE)
                .detail("ProposedSize", String.valueOf(size)).detail("MaxSizeAllowed", String.valueOf(max));
    }
}
