package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.http.Call;
import java.util.Arrays;

/**
 * The integrity check S3 requires of the small bodies of some operations (DeleteObjects,
 * PutBucketLifecycleConfiguration): Content-MD5 or an x-amz-checksum-* header or trailer must come
 * with the body, and match it; PutBucketPolicy checks those sent ({@link #verifyPresent}).
 */
final class RequiredIntegrity {

    private RequiredIntegrity() {}

    /** Refuses a body without Content-MD5 or an x-amz-checksum-* of it, or whose digest does not match. */
    static void check(Call call, byte[] body) {
        if (!verifyPresent(call, body)) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                    "Missing required header for this request: Content-MD5 or x-amz-checksum-*");
        }
    }

    /**
     * Refuses a body whose Content-MD5 or x-amz-checksum-* (header or trailer) does not match it, for
     * operations where S3 checks them when sent but requires none (PutBucketPolicy).
     *
     * @return whether the request carried any of them
     */
    static boolean verifyPresent(Call call, byte[] body) {
        byte[] md5 = BodyIngest.contentMd5(call);
        boolean any = md5 != null;
        if (md5 != null && !Arrays.equals(md5, digest(ChecksumAlgorithm.MD5, body))) {
            throw ChecksumAlgorithm.MD5.mismatch();
        }
        for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
            String v = a.isAmzChecksum() ? call.header(a.headerName()) : null;
            if (v != null) {
                any = true;
                if (!Arrays.equals(a.decode(v), digest(a, body))) {
                    throw a.mismatch();
                }
            }
        }
        String trailer = call.header("x-amz-trailer");
        if (trailer != null) {
            ChecksumAlgorithm a = ChecksumAlgorithm.fromHeaderName(trailer).filter(ChecksumAlgorithm::isAmzChecksum)
                    .orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_REQUEST,
                            "The value specified in the x-amz-trailer header is not supported"));
            String v = call.trailers().get(a.headerName());
            if (v == null || !Arrays.equals(a.decode(v), digest(a, body))) {
                throw a.mismatch();
            }
            any = true;
        }
        return any;
    }

    private static byte[] digest(ChecksumAlgorithm a, byte[] body) {
        var c = a.newChecksummer();
        c.update(body, 0, body.length);
        return c.digest();
    }

}
