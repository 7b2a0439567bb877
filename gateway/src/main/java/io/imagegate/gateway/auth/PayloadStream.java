package io.imagegate.gateway.auth;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * A request body as the object's bytes: decoded and verified while read. Reaching end of stream
 * means every check passed; a failed check throws {@link BodyRejectedException} instead.
 */
public abstract class PayloadStream extends InputStream {

    /**
     * The trailing headers the body carried (lower-case names, e.g. x-amz-checksum-crc32),
     * complete once the stream has returned end of stream; empty for bodies without trailers.
     */
    public Map<String, String> trailers() {
        return Map.of();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xFF;
    }
}
