package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.auth.BodyRejectedException;
import io.undertow.server.RequestTooBigException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import org.xnio.channels.ReadTimeoutException;

/**
 * The request body as operations read it: every failure to read becomes a {@link ClientBodyException}
 * carrying the S3 error for it, so a dropped connection is never mistaken for a storage failure.
 */
final class ClientInputStream extends FilterInputStream {

    private long bytesRead;

    ClientInputStream(InputStream in) {
        super(in);
    }

    /** Body bytes delivered to the operation, for the bytes-in metric. */
    long bytesRead() {
        return bytesRead;
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b >= 0) {
                bytesRead++;
            }
            return b;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = in.read(b, off, len);
            if (n > 0) {
                bytesRead += n;
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static ClientBodyException translate(IOException e) {
        if (e instanceof ClientBodyException c) {
            return c;
        }
        if (e instanceof BodyRejectedException r) {
            return new ClientBodyException(r.error(), e);
        }
        if (e instanceof RequestTooBigException) {
            return new ClientBodyException(new S3Exception(S3ErrorCode.ENTITY_TOO_LARGE), e);
        }
        if (e instanceof SocketTimeoutException || e instanceof ReadTimeoutException) {
            return new ClientBodyException(new S3Exception(S3ErrorCode.REQUEST_TIMEOUT), e);
        }
        return new ClientBodyException(new S3Exception(S3ErrorCode.INCOMPLETE_BODY,
                "The connection closed before the whole body arrived."), e);
    }
}
