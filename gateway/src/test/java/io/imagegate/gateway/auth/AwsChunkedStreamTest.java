package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.gateway.S3ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The aws-chunked decoder on hand-built bodies: framing, chunk sizes, lengths, trailers, signatures. */
class AwsChunkedStreamTest {

    private static final String TIMESTAMP = "20260301T000000Z";
    private static final String SCOPE = "20260301/us-east-1/s3/aws4_request";
    private static final ChunkSigner SIGNER = new ChunkSigner(SigningKey.of("secret", "20260301", "us-east-1", "s3"),
            TIMESTAMP, SCOPE, "5eed".repeat(16));

    /** Writes aws-chunked bodies, signing chunks (and trailers) when a signer is given. */
    private static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ChunkSigner signer;
        private String previous;

        Body(ChunkSigner signer) {
            this.signer = signer;
            this.previous = signer == null ? null : signer.seedSignature();
        }

        Body chunk(byte[] data) {
            String header = Integer.toHexString(data.length);
            if (signer != null) {
                previous = signer.chunkSignature(previous, Hashes.sha256().digest(data));
                header += ";chunk-signature=" + previous;
            }
            raw(header + "\r\n");
            out.writeBytes(data);
            return data.length == 0 ? this : raw("\r\n");
        }

        Body trailers(Map<String, String> trailers) {
            StringBuilder canonical = new StringBuilder();
            new TreeMap<>(trailers).forEach((k, v) -> {
                raw(k + ":" + v + "\r\n");
                canonical.append(k).append(':').append(v).append('\n');
            });
            if (signer != null) {
                raw("x-amz-trailer-signature:" + signer.trailerSignature(previous, canonical.toString()) + "\r\n");
            }
            return raw("\r\n");
        }

        Body raw(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static PayloadStream decoder(byte[] body, ChunkSigner signer, boolean trailer, long decodedLength,
            List<String> declared) {
        return new AwsChunkedStream(new ByteArrayInputStream(body), signer, trailer, decodedLength, declared);
    }

    private static byte[] data(int length) {
        byte[] d = new byte[length];
        new SplittableRandom(length).nextBytes(d);
        return d;
    }

    private static S3ErrorCode failure(PayloadStream stream) {
        return assertThrows(BodyRejectedException.class, stream::readAllBytes).error().code();
    }

    @Test
    void signedChunksDecodeWhetherReadInBulkOrByteByByte() throws IOException {
        byte[] a = data(10_000);
        byte[] b = data(300);
        byte[] body = new Body(SIGNER).chunk(a).chunk(b).chunk(new byte[0]).raw("\r\n").bytes();
        byte[] expected = concat(a, b);
        assertArrayEquals(expected, decoder(body, SIGNER, false, expected.length, List.of()).readAllBytes());
        PayloadStream slow = decoder(body, SIGNER, false, expected.length, List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c = slow.read(); c >= 0; c = slow.read()) {
            out.write(c);
        }
        assertArrayEquals(expected, out.toByteArray());
    }

    @Test
    void anEmptyObjectIsJustTheFinalChunk() throws IOException {
        byte[] body = new Body(SIGNER).chunk(new byte[0]).raw("\r\n").bytes();
        assertEquals(0, decoder(body, SIGNER, false, 0, List.of()).readAllBytes().length);
    }

    @Test
    void onlyTheLastChunkMayBeShorterThan8KiB() throws IOException {
        byte[] small = new Body(null).chunk(data(8191)).chunk(data(8192)).chunk(new byte[0]).trailers(Map.of()).bytes();
        assertEquals(S3ErrorCode.INVALID_CHUNK_SIZE_ERROR, failure(decoder(small, null, true, 16_383, List.of())));
        byte[] fine = new Body(null).chunk(data(8192)).chunk(data(1)).chunk(new byte[0]).trailers(Map.of()).bytes();
        assertEquals(8193, decoder(fine, null, true, 8193, List.of()).readAllBytes().length);
    }

    @Test
    void theDecodedLengthMustMatchTheHeader() {
        byte[] body = new Body(SIGNER).chunk(data(100)).chunk(new byte[0]).raw("\r\n").bytes();
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(body, SIGNER, false, 101, List.of())));
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(body, SIGNER, false, 99, List.of())));
    }

    @Test
    void aTruncatedBodyIsIncompleteWhereverItStops() {
        byte[] body = new Body(SIGNER).chunk(data(9000)).chunk(data(10)).chunk(new byte[0]).raw("\r\n").bytes();
        for (int cut : new int[] {0, 5, 90, 5000, 9100, body.length - 3}) {
            byte[] truncated = Arrays.copyOf(body, cut);
            assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(truncated, SIGNER, false, 9010, List.of())),
                    "cut at " + cut);
        }
    }

    @Test
    void garbledFramingIsRefused() {
        byte[] badSize = new Body(null).raw("zz\r\n").bytes();
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(badSize, null, true, 10, List.of())));
        byte[] longerThanDeclared = new Body(null).raw("3\r\nabcd\r\n0\r\n\r\n").bytes();
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(longerThanDeclared, null, true, 3, List.of())));
        byte[] noSignature = new Body(null).raw("3\r\nabc\r\n0\r\n\r\n").bytes();
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(noSignature, SIGNER, false, 3, List.of())));
        byte[] trailingJunk = new Body(SIGNER).chunk("abc".getBytes()).chunk(new byte[0]).raw("junk\r\n\r\n").bytes();
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(decoder(trailingJunk, SIGNER, false, 3, List.of())));
    }

    @Test
    void chunksReplayedOutOfOrderFailTheSignatureChain() {
        byte[] a = data(9000);
        byte[] b = data(9001);
        byte[] chained = new Body(SIGNER).chunk(b).bytes(); // b signed as if it came first
        byte[] body = concat(chained, new Body(SIGNER).chunk(a).chunk(new byte[0]).raw("\r\n").bytes());
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(decoder(body, SIGNER, false, 18_001, List.of())));
    }

    @Test
    void aFailureIsRepeatedOnEveryLaterRead() throws IOException {
        byte[] body = new Body(null).raw("zz\r\n").bytes();
        PayloadStream stream = decoder(body, null, true, 10, List.of());
        BodyRejectedException first = assertThrows(BodyRejectedException.class, () -> stream.read(new byte[10]));
        assertSame(first, assertThrows(BodyRejectedException.class, () -> stream.read(new byte[10])));
    }

    @Test
    void unsignedTrailersAreExposedAfterEndOfStream() throws IOException {
        byte[] payload = data(20_000);
        byte[] body = new Body(null).chunk(payload).chunk(new byte[0])
                .trailers(Map.of("x-amz-checksum-crc64nvme", "AAAAAAAAAAA=")).bytes();
        PayloadStream stream = decoder(body, null, true, payload.length, List.of("x-amz-checksum-crc64nvme"));
        assertArrayEquals(payload, stream.readAllBytes());
        assertEquals(Map.of("x-amz-checksum-crc64nvme", "AAAAAAAAAAA="), stream.trailers());
    }

    @Test
    void toleratedVariations() throws IOException {
        // Bare LF line ends, an empty line before the trailers, and no final empty line.
        byte[] body = new Body(null).raw("3\nabc\n0\n\nx-amz-checksum-crc32:NSRBwg==\n").bytes();
        PayloadStream stream = decoder(body, null, true, 3, List.of("x-amz-checksum-crc32"));
        assertArrayEquals("abc".getBytes(), stream.readAllBytes());
        assertEquals("NSRBwg==", stream.trailers().get("x-amz-checksum-crc32"));
    }

    @Test
    void anAnnouncedTrailerThatNeverCameIsRefused() {
        byte[] body = new Body(null).chunk("abc".getBytes()).chunk(new byte[0]).trailers(Map.of()).bytes();
        assertEquals(S3ErrorCode.INVALID_REQUEST, failure(decoder(body, null, true, 3, List.of("x-amz-checksum-crc32"))));
    }

    @Test
    void signedTrailersNeedAValidTrailerSignature() throws IOException {
        Map<String, String> trailers = Map.of("x-amz-checksum-sha256", "x".repeat(44));
        byte[] good = new Body(SIGNER).chunk(data(9000)).chunk(new byte[0]).trailers(trailers).bytes();
        assertEquals(9000, decoder(good, SIGNER, true, 9000, List.of()).readAllBytes().length);
        byte[] unsignedTrailer = new Body(SIGNER).chunk(data(9000)).chunk(new byte[0]).raw("x-amz-checksum-sha256:"
                + "x".repeat(44) + "\r\n\r\n").bytes();
        assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, failure(decoder(unsignedTrailer, SIGNER, true, 9000, List.of())));
    }

    @Test
    void plainBodiesAreCountedAgainstContentLength() throws IOException {
        byte[] body = data(100);
        assertArrayEquals(body, new PlainBodyStream(new ByteArrayInputStream(body), 100, null).readAllBytes());
        assertArrayEquals(body, new PlainBodyStream(new ByteArrayInputStream(body), -1, null).readAllBytes());
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, failure(new PlainBodyStream(new ByteArrayInputStream(body), 101, null)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
