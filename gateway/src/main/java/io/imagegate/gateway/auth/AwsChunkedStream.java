package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes an aws-chunked body while it is read:
 * {@code hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n trailers \r\n}.
 *
 * <p>Chunk data is passed on as it arrives and hashed on the way; a chunk's signature is checked
 * when its data ends, and the final chunk, the trailers and the decoded length are all checked
 * before end of stream is reported. A consumer that publishes only after end of stream therefore
 * never publishes bytes that failed verification, and memory stays constant whatever the chunk size.
 */
final class AwsChunkedStream extends PayloadStream {

    private static final int MIN_CHUNK = 8192;
    private static final int MAX_LINE = 4096;
    private static final int MAX_TRAILER_LINES = 64;
    private static final String SIGNATURE_EXTENSION = "chunk-signature=";
    private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int pos;
    private int limit;

    private final ChunkSigner signer;
    private final boolean expectTrailer;
    private final List<String> declaredTrailers;
    private final long decodedLength;
    private final MessageDigest chunkHash;

    private String previousSignature;
    private String chunkSignature;
    private long chunkLeft;
    private boolean inChunk;
    private boolean lastChunkShort;
    private long decoded;
    private boolean finished;
    private BodyRejectedException failure;
    private Map<String, String> trailers = Map.of();

    AwsChunkedStream(InputStream in, ChunkSigner signer, boolean expectTrailer, long decodedLength,
            List<String> declaredTrailers) {
        this.in = in;
        this.signer = signer;
        this.expectTrailer = expectTrailer;
        this.declaredTrailers = declaredTrailers;
        this.decodedLength = decodedLength;
        this.chunkHash = signer == null ? null : Hashes.sha256();
        this.previousSignature = signer == null ? null : signer.seedSignature();
    }

    @Override
    public Map<String, String> trailers() {
        return trailers;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        try {
            while (chunkLeft == 0) {
                if (inChunk) {
                    endChunk();
                }
                if (!startChunk()) {
                    finished = true;
                    return -1;
                }
            }
            return readData(b, off, (int) Math.min(len, chunkLeft));
        } catch (BodyRejectedException e) {
            failure = e;
            throw e;
        }
    }

    private int readData(byte[] b, int off, int len) throws IOException {
        int n;
        if (pos < limit) {
            n = Math.min(len, limit - pos);
            System.arraycopy(buffer, pos, b, off, n);
            pos += n;
        } else {
            n = in.read(b, off, len);
            if (n < 0) {
                throw truncated();
            }
        }
        if (chunkHash != null) {
            chunkHash.update(b, off, n);
        }
        chunkLeft -= n;
        decoded += n;
        return n;
    }

    /** Reads a chunk header; false when it is the final, empty chunk and the body is complete. */
    private boolean startChunk() throws IOException {
        String line = readLine();
        if (line == null) {
            throw truncated();
        }
        int semicolon = line.indexOf(';');
        long size = parseSize(semicolon < 0 ? line : line.substring(0, semicolon));
        if (signer != null) {
            chunkSignature = signatureExtension(line, semicolon);
        }
        if (size == 0) {
            finish();
            return false;
        }
        if (lastChunkShort) {
            throw reject(new S3Exception(S3ErrorCode.INVALID_CHUNK_SIZE_ERROR));
        }
        if (size > decodedLength - decoded) {
            throw reject(new S3Exception(S3ErrorCode.INCOMPLETE_BODY,
                    "The chunks carry more than x-amz-decoded-content-length bytes."));
        }
        lastChunkShort = size < MIN_CHUNK;
        chunkLeft = size;
        inChunk = true;
        return true;
    }

    /** Consumes the CRLF after a chunk's data and checks the chunk's signature. */
    private void endChunk() throws IOException {
        String line = readLine();
        if (line == null) {
            throw truncated();
        }
        if (!line.isEmpty()) {
            throw malformed("chunk data is longer than its declared size");
        }
        inChunk = false;
        if (signer != null) {
            verifyChunkSignature(chunkHash.digest());
        }
    }

    private void verifyChunkSignature(byte[] dataSha256) throws BodyRejectedException {
        String expected = signer.chunkSignature(previousSignature, dataSha256);
        if (!Hashes.constantTimeEquals(expected, chunkSignature)) {
            throw reject(new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH));
        }
        previousSignature = expected;
    }

    /** After the final chunk: its signature, the decoded length, then the trailers. */
    private void finish() throws IOException {
        if (signer != null) {
            verifyChunkSignature(chunkHash.digest());
        }
        if (decoded != decodedLength) {
            throw reject(new S3Exception(S3ErrorCode.INCOMPLETE_BODY));
        }
        Map<String, String> received = readTrailerSection();
        if (signer != null && expectTrailer) {
            verifyTrailerSignature(received);
        }
        for (String name : declaredTrailers) {
            if (!received.containsKey(name)) {
                throw reject(new S3Exception(S3ErrorCode.INVALID_REQUEST,
                        "The trailing header " + name + " announced in x-amz-trailer was not sent."));
            }
        }
        trailers = Collections.unmodifiableMap(received);
    }

    /** Reads "name:value" lines up to the empty line that ends the body, or end of stream. */
    private Map<String, String> readTrailerSection() throws IOException {
        Map<String, String> received = new TreeMap<>();
        boolean skippedBlank = false;
        while (true) {
            String line = readLine();
            if (line == null) {
                return received;
            }
            if (line.isEmpty()) {
                if (expectTrailer && received.isEmpty() && !skippedBlank) {
                    skippedBlank = true; // some clients put an empty line before the trailers
                    continue;
                }
                return received;
            }
            if (!expectTrailer || received.size() >= MAX_TRAILER_LINES) {
                throw malformed("unexpected data after the final chunk");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw malformed("a trailing header has no name");
            }
            received.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
    }

    private void verifyTrailerSignature(Map<String, String> received) throws BodyRejectedException {
        String provided = received.remove(TRAILER_SIGNATURE);
        StringBuilder canonical = new StringBuilder();
        received.forEach((name, value) -> canonical.append(name).append(':').append(value).append('\n'));
        String expected = signer.trailerSignature(previousSignature, canonical.toString());
        if (provided == null || !Hashes.constantTimeEquals(expected, provided)) {
            throw reject(new S3Exception(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH));
        }
    }

    private String signatureExtension(String line, int semicolon) throws BodyRejectedException {
        int at = semicolon < 0 ? -1 : line.indexOf(SIGNATURE_EXTENSION, semicolon);
        if (at < 0) {
            throw malformed("a chunk has no chunk-signature");
        }
        int start = at + SIGNATURE_EXTENSION.length();
        int end = line.indexOf(';', start);
        return line.substring(start, end < 0 ? line.length() : end).trim();
    }

    private long parseSize(String hex) throws BodyRejectedException {
        String s = hex.trim();
        if (s.isEmpty() || s.length() > 15) {
            throw malformed("a chunk size is not a hexadecimal number");
        }
        long size = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Canonical.hex(s.charAt(i));
            if (d < 0) {
                throw malformed("a chunk size is not a hexadecimal number");
            }
            size = size << 4 | d;
        }
        return size;
    }

    /** A CRLF- (or LF-) terminated ASCII line without its terminator; null at end of stream. */
    private String readLine() throws IOException {
        StringBuilder line = null;
        while (true) {
            if (pos == limit && !fill()) {
                if (line == null) {
                    return null;
                }
                throw truncated();
            }
            int start = pos;
            while (pos < limit && buffer[pos] != '\n') {
                pos++;
            }
            if (line == null) {
                line = new StringBuilder(80);
            }
            line.append(new String(buffer, start, pos - start, StandardCharsets.ISO_8859_1));
            if (line.length() > MAX_LINE) {
                throw malformed("a chunk header line is too long");
            }
            if (pos < limit) {
                pos++; // the '\n'
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
        }
    }

    private boolean fill() throws IOException {
        int n;
        do {
            n = in.read(buffer, 0, buffer.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private BodyRejectedException truncated() {
        return reject(new S3Exception(S3ErrorCode.INCOMPLETE_BODY));
    }

    private BodyRejectedException malformed(String why) {
        return reject(new S3Exception(S3ErrorCode.INCOMPLETE_BODY,
                "The request body is not valid aws-chunked encoding: " + why + "."));
    }

    private BodyRejectedException reject(S3Exception e) {
        failure = new BodyRejectedException(e);
        return failure;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
