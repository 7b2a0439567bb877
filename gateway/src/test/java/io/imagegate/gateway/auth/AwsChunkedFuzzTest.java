package io.imagegate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes aws-chunked decoding (chunk framing, chunk signatures, trailers): a body either decodes
 * to exactly x-amz-decoded-content-length bytes, or fails with the documented
 * {@link BodyRejectedException} (and keeps failing); never another exception, never a hang (each
 * read makes progress through a finite body), and never unbounded buffering: no single read may
 * allocate more than {@link #MAX_ALLOCATED_PER_READ} bytes, however long a line, a chunk or a
 * trailer section the body declares. Bodies repeat a fuzzed segment up to 4 MiB, so "too long"
 * is reachable from a short input.
 */
class AwsChunkedFuzzTest {

    /** A line is at most 4 KiB (+ one 8 KiB buffer), the trailer section at most 64 lines. */
    static final long MAX_ALLOCATED_PER_READ = 4L << 20;

    private static final SigningKey KEY = SigningKey.of("secret", "20260314", "us-east-1", "s3");
    private static final String SEED = "a".repeat(64);
    private static final Set<S3ErrorCode> BODY_ERRORS = EnumSet.of(S3ErrorCode.INCOMPLETE_BODY,
            S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, S3ErrorCode.INVALID_CHUNK_SIZE_ERROR, S3ErrorCode.INVALID_REQUEST);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** The body's bytes are the fuzzer's (framing, sizes, extensions, trailers), signed or not. */
    @FuzzTest
    void rawBodiesDecodeOrAreRejected(FuzzedDataProvider data) throws IOException {
        boolean signed = data.consumeBoolean();
        boolean trailer = data.consumeBoolean();
        long decodedLength = data.consumeBoolean() ? data.consumeLong(0, 1 << 20) : data.consumeLong(0, Long.MAX_VALUE);
        List<String> declared = data.consumeBoolean() ? List.of("x-amz-checksum-crc32") : List.of();
        int repeat = data.consumeInt(1, 4096);
        byte[] segment = data.consumeRemainingAsBytes();
        ChunkSigner signer = signed ? new ChunkSigner(KEY, "20260314T000000Z", "20260314/us-east-1/s3/aws4_request", SEED)
                : null;
        decode(new Repeating(segment, repeat), signer, trailer, decodedLength, declared);
    }

    /**
     * Well-formed signed bodies built from fuzzed chunk sizes, with one framing detail at a time
     * spoiled (a size, a CRLF, a signature, a trailer, the declared length): the fuzzer reaches the
     * checks behind a valid signature chain.
     */
    @FuzzTest
    void signedBodiesDecodeOrAreRejected(FuzzedDataProvider data) throws IOException {
        boolean trailer = data.consumeBoolean();
        int spoil = data.consumeInt(0, 8);
        int chunks = data.consumeInt(0, 6);
        ChunkSigner signer = new ChunkSigner(KEY, "20260314T000000Z", "20260314/us-east-1/s3/aws4_request", SEED);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String previous = SEED;
        long total = 0;
        for (int i = 0; i < chunks; i++) {
            int size = data.consumeInt(1, 20_000);
            byte[] bytes = data.consumeBytes(size);
            if (bytes.length == 0) {
                break;
            }
            String signature = signer.chunkSignature(previous, sha256(bytes));
            previous = signature;
            String header = Integer.toHexString(bytes.length) + ";chunk-signature="
                    + (spoil == 1 && i == 0 ? signature.substring(1) + "0" : signature);
            body.writeBytes((header + (spoil == 2 ? "\n" : "\r\n")).getBytes(StandardCharsets.ISO_8859_1));
            body.writeBytes(bytes);
            body.writeBytes((spoil == 3 && i == 0 ? "x\r\n" : "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            total += bytes.length;
        }
        String last = signer.chunkSignature(previous, sha256(new byte[0]));
        if (spoil != 4) {
            body.writeBytes(("0;chunk-signature=" + last + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        if (trailer) {
            String name = spoil == 5 ? data.consumeString(40) : "x-amz-checksum-crc32";
            String value = data.consumeString(40);
            String canonical = name.trim().toLowerCase(java.util.Locale.ROOT) + ":" + value.trim() + "\n";
            String trailerSignature = signer.trailerSignature(last, canonical);
            body.writeBytes((name + ":" + value + "\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(("x-amz-trailer-signature:" + (spoil == 6 ? "0" : trailerSignature) + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        body.writeBytes(spoil == 7 ? data.consumeRemainingAsBytes() : "\r\n".getBytes(StandardCharsets.ISO_8859_1));
        long declaredLength = spoil == 8 ? total + data.consumeInt(-3, 3) : total;
        long decoded = decode(new Repeating(body.toByteArray(), 1), signer, trailer, Math.max(0, declaredLength),
                trailer ? List.of("x-amz-checksum-crc32") : List.of());
        if (spoil == 0 && decoded >= 0) {
            assertEquals(total, decoded, "a well-formed body decodes to its chunks");
        }
    }

    /**
     * Reads the body to its end or its rejection. Returns the decoded length, or -1 when rejected.
     * A read over the allocation bound is tried once more on the same bytes before it counts: the
     * first decode of a path also loads (and, when fuzzing, instruments) its classes, which the
     * thread's allocation counter includes; unbounded buffering allocates again.
     */
    private static long decode(Repeating raw, ChunkSigner signer, boolean trailer, long decodedLength,
            List<String> declared) throws IOException {
        try {
            return decode(raw, signer, trailer, decodedLength, declared, false);
        } catch (OverAllocated e) {
            return decode(raw.again(), signer, trailer, decodedLength, declared, true);
        }
    }

    /** A read allocated more than the bound, not yet counted as a finding. */
    private static final class OverAllocated extends RuntimeException {
        OverAllocated() {
            super(null, null, false, false);
        }
    }

    private static long decode(Repeating raw, ChunkSigner signer, boolean trailer, long decodedLength,
            List<String> declared, boolean strict) throws IOException {
        AwsChunkedStream in = new AwsChunkedStream(raw, signer, trailer, decodedLength, declared);
        byte[] buffer = new byte[16384];
        long decoded = 0;
        long reads = 0;
        while (true) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            int n;
            try {
                n = in.read(buffer, 0, buffer.length);
            } catch (BodyRejectedException e) {
                assertTrue(BODY_ERRORS.contains(e.error().code()), () -> "not a body error: " + e.error().code());
                BodyRejectedException again = assertThrows(BodyRejectedException.class,
                        () -> in.read(buffer, 0, buffer.length), "a rejected body stays rejected");
                assertSame(e.error().code(), again.error().code());
                return -1;
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (!strict && allocated > MAX_ALLOCATED_PER_READ) {
                throw new OverAllocated();
            }
            assertTrue(allocated <= MAX_ALLOCATED_PER_READ,
                    () -> "one read allocated " + allocated + " bytes: the decoder buffers without bound");
            if (n < 0) {
                assertEquals(decodedLength, decoded, "end of stream only after x-amz-decoded-content-length bytes");
                assertEquals(-1, in.read(buffer, 0, buffer.length), "end of stream stays the end");
                assertTrue(in.trailers().size() <= 64);
                return decoded;
            }
            assertTrue(n > 0, "a read makes progress");
            decoded += n;
            assertTrue(decoded <= decodedLength, "never more than x-amz-decoded-content-length bytes");
            if (++reads > raw.length() + 2) {
                fail("more reads than the body has bytes: the decoder does not progress");
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        MessageDigest md = Hashes.sha256();
        return md.digest(bytes);
    }

    /** A segment repeated {@code times} times, read in whatever pieces the reader asks for. */
    private static final class Repeating extends InputStream {
        private final byte[] segment;
        private final long length;
        private long consumed;

        Repeating(byte[] segment, int times) {
            this.segment = segment;
            this.length = (long) segment.length * times;
        }

        long length() {
            return length;
        }

        /** The same bytes from their start. */
        Repeating again() {
            return new Repeating(segment, (int) (segment.length == 0 ? 0 : length / segment.length));
        }

        @Override
        public int read() {
            if (consumed >= length) {
                return -1;
            }
            return segment[(int) (consumed++ % segment.length)] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (consumed >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - consumed);
            for (int i = 0; i < n; i++) {
                b[off + i] = segment[(int) ((consumed + i) % segment.length)];
            }
            consumed += n;
            return n;
        }
    }
}
