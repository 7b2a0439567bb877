package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The forms an x-amz-content-sha256 value can take. */
enum PayloadKind {
    UNSIGNED(false, false),
    SHA256(false, false),
    STREAMING_SIGNED(true, false),
    STREAMING_SIGNED_TRAILER(true, true),
    STREAMING_UNSIGNED_TRAILER(false, true);

    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    final boolean signedChunks;
    final boolean trailer;

    PayloadKind(boolean signedChunks, boolean trailer) {
        this.signedChunks = signedChunks;
        this.trailer = trailer;
    }

    boolean chunked() {
        return this != UNSIGNED && this != SHA256;
    }

    static PayloadKind of(String value) {
        switch (value) {
            case UNSIGNED_PAYLOAD:
                return UNSIGNED;
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
                return STREAMING_SIGNED;
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
                return STREAMING_SIGNED_TRAILER;
            case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
                return STREAMING_UNSIGNED_TRAILER;
            case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
                throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                        "Signature Version 4A (" + value + ") is not supported.");
            default:
                if (Hashes.isSha256Hex(value)) {
                    return SHA256;
                }
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "x-amz-content-sha256 must be "
                        + "UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                        + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
                        + "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
                        .detail("ArgumentName", "x-amz-content-sha256")
                        .detail("ArgumentValue", value);
        }
    }

    /**
     * The policy for a body of this kind.
     *
     * @param value the x-amz-content-sha256 value, or null when the request had none
     * @param signer the chunk signer, for signed chunks only
     */
    PayloadPolicy policy(String value, RequestHeaders headers, ChunkSigner signer) {
        return switch (this) {
            case UNSIGNED -> new PayloadPolicy.Unsigned(value == null ? UNSIGNED_PAYLOAD : value);
            case SHA256 -> new PayloadPolicy.Sha256(value.toLowerCase(Locale.ROOT));
            default -> new PayloadPolicy.AwsChunked(value, signedChunks ? signer : null, trailer,
                    decodedLength(headers), declaredTrailers(headers));
        };
    }

    private static long decodedLength(RequestHeaders headers) {
        String value = headers.first("x-amz-decoded-content-length");
        if (value == null) {
            throw new S3Exception(S3ErrorCode.MISSING_CONTENT_LENGTH);
        }
        try {
            long length = Long.parseLong(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid x-amz-decoded-content-length")
                .detail("ArgumentName", "x-amz-decoded-content-length")
                .detail("ArgumentValue", value);
    }

    private static List<String> declaredTrailers(RequestHeaders headers) {
        List<String> names = new ArrayList<>(1);
        for (String value : headers.all("x-amz-trailer")) {
            for (String name : value.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty()) {
                    names.add(n);
                }
            }
        }
        return names;
    }
}
