package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * A body sent as is: counted against Content-Length and, when the client declared its SHA-256,
 * hashed while read and compared before end of stream is reported.
 */
final class PlainBodyStream extends PayloadStream {

    private final InputStream in;
    private final long contentLength;
    private final String expectedSha256;
    private final MessageDigest sha256;
    private long count;
    private BodyRejectedException failure;
    private boolean finished;

    /** @param expectedSha256 hex SHA-256 to check, or null to only count */
    PlainBodyStream(InputStream in, long contentLength, String expectedSha256) {
        this.in = in;
        this.contentLength = contentLength;
        this.expectedSha256 = expectedSha256 == null ? null : expectedSha256.toLowerCase(Locale.ROOT);
        this.sha256 = expectedSha256 == null ? null : Hashes.sha256();
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
        int n = in.read(b, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        count += n;
        if (sha256 != null) {
            sha256.update(b, off, n);
        }
        return n;
    }

    private void finish() throws BodyRejectedException {
        if (contentLength >= 0 && count != contentLength) {
            throw fail(new S3Exception(S3ErrorCode.INCOMPLETE_BODY));
        }
        if (sha256 != null) {
            String actual = Hashes.hex(sha256.digest());
            if (!actual.equals(expectedSha256)) {
                throw fail(new S3Exception(S3ErrorCode.X_AMZ_CONTENT_SHA256_MISMATCH)
                        .detail("ClientComputedContentSHA256", expectedSha256)
                        .detail("S3ComputedContentSHA256", actual));
            }
        }
        finished = true;
    }

    private BodyRejectedException fail(S3Exception e) {
        failure = new BodyRejectedException(e);
        return failure;
    }

    @Override
    public int available() throws IOException {
        return finished || failure != null ? 0 : in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
