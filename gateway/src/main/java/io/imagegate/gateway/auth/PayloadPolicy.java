package io.imagegate.gateway.auth;

import java.io.InputStream;
import java.util.List;

/**
 * How a request body must be read, decided by its x-amz-content-sha256: as is, hashed and
 * compared, or decoded from aws-chunked with every chunk's signature checked.
 */
public sealed interface PayloadPolicy permits PayloadPolicy.Unsigned, PayloadPolicy.Sha256, PayloadPolicy.AwsChunked {

    /**
     * Wraps the raw body. Reading the result to its end yields the object's bytes and proves them;
     * any failure surfaces as {@link BodyRejectedException} before end of stream.
     *
     * @param contentLength the Content-Length of the raw body, or -1 when unknown
     */
    PayloadStream wrapBody(InputStream raw, long contentLength);

    /** The object's size: Content-Length, or x-amz-decoded-content-length for aws-chunked bodies. */
    long decodedLength(long contentLength);

    /** The x-amz-content-sha256 value the client sent, or UNSIGNED-PAYLOAD when it sent none. */
    String contentSha256();

    /** The trailing headers the client announced in x-amz-trailer, lower-case. */
    default List<String> declaredTrailers() {
        return List.of();
    }

    /** UNSIGNED-PAYLOAD, or an anonymous request without x-amz-content-sha256: read as is. */
    record Unsigned(String contentSha256) implements PayloadPolicy {
        @Override
        public PayloadStream wrapBody(InputStream raw, long contentLength) {
            return new PlainBodyStream(raw, contentLength, null);
        }

        @Override
        public long decodedLength(long contentLength) {
            return contentLength;
        }
    }

    /** A hex SHA-256 of the body, checked when the body has been read. */
    record Sha256(String contentSha256) implements PayloadPolicy {
        @Override
        public PayloadStream wrapBody(InputStream raw, long contentLength) {
            return new PlainBodyStream(raw, contentLength, contentSha256);
        }

        @Override
        public long decodedLength(long contentLength) {
            return contentLength;
        }
    }

    /** An aws-chunked body, its chunks signed (STREAMING-AWS4-HMAC-SHA256-*) or not, maybe with trailers. */
    final class AwsChunked implements PayloadPolicy {
        private final String contentSha256;
        private final ChunkSigner signer;
        private final boolean trailer;
        private final long decodedLength;
        private final List<String> declaredTrailers;

        AwsChunked(String contentSha256, ChunkSigner signer, boolean trailer, long decodedLength,
                List<String> declaredTrailers) {
            this.contentSha256 = contentSha256;
            this.signer = signer;
            this.trailer = trailer;
            this.decodedLength = decodedLength;
            this.declaredTrailers = List.copyOf(declaredTrailers);
        }

        @Override
        public PayloadStream wrapBody(InputStream raw, long contentLength) {
            return new AwsChunkedStream(raw, signer, trailer, decodedLength, declaredTrailers);
        }

        @Override
        public long decodedLength(long contentLength) {
            return decodedLength;
        }

        @Override
        public String contentSha256() {
            return contentSha256;
        }

        @Override
        public List<String> declaredTrailers() {
            return declaredTrailers;
        }

        public boolean signedChunks() {
            return signer != null;
        }

        public boolean hasTrailer() {
            return trailer;
        }
    }
}
