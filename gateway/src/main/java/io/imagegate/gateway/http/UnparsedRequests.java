package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.undertow.server.handlers.HostHeaderHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Requests Undertow cannot parse (a request line or header section over its limit, a malformed
 * line) never reach a handler: Undertow writes a fixed, bodiless {@code 400 Bad Request} on the
 * connection and closes it. Nor do requests whose Host header Undertow refuses (none in HTTP/1.1,
 * two of them, a malformed port or IP literal, characters a host name cannot hold, an absolute
 * request target naming another host): its {@link HostHeaderHandler}, which wraps every root
 * handler, answers a bodiless {@code 400} with the reason in the status line. This wraps every
 * accepted connection so that either answer goes out as S3's: an XML {@code <Error>} with a
 * RequestId: {@code InvalidURI} for a request line whose target holds a broken {@code %} escape,
 * {@code RequestHeaderSectionTooLarge} when the request had sent more than the header limit,
 * {@code InvalidRequest} otherwise (naming the Host header's fault when that was it); and it is
 * counted like any other request. Every other byte passes through untouched.
 */
public final class UnparsedRequests {

    private static final Logger access = LoggerFactory.getLogger("imagegate.access");

    /** Exactly what Undertow's HttpReadListener writes when it cannot parse a request. */
    private static final byte[] UNDERTOW_BAD_REQUEST =
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The reasons HostHeaderHandler gives in the status line of its bodiless 400 (Connection: close). */
    private static final List<String> HOST_HEADER_REFUSALS = List.of(HostHeaderHandler.STATUS_NO_HOST_HEADER,
            HostHeaderHandler.STATUS_TOO_MANY_HOST_HEADERS, HostHeaderHandler.STATUS_MALFORMED_PORT,
            HostHeaderHandler.STATUS_MALFORMED_IP_LITERAL, HostHeaderHandler.STATUS_MALFORMED_IP_LITERAL_BAD_CHARS,
            HostHeaderHandler.STATUS_HOST_NO_MATCH);
    /** How much of each request's first bytes is kept: enough for any request line worth classifying. */
    private static final int HEAD_KEPT = 8 * 1024;

    /** Told of each request answered here: for the request metrics. */
    public interface Counter {
        void rejected(int status, long bytesOut);
    }

    private final String hostId;
    private final int maxHeaderBytes;
    private final Counter counter;

    /** @param maxHeaderBytes the parser's limit on request line plus headers (UndertowOptions.MAX_HEADER_SIZE) */
    public UnparsedRequests(String hostId, int maxHeaderBytes, Counter counter) {
        this.hostId = hostId;
        this.maxHeaderBytes = maxHeaderBytes;
        this.counter = counter;
    }

    /** The open listener {@code open}, given connections whose parse-error answers are S3 errors. */
    public ChannelListener<StreamConnection> wrap(ChannelListener<StreamConnection> open) {
        return connection -> {
            Reads reads = new Reads(connection.getSourceChannel().getConduit());
            connection.getSourceChannel().setConduit(reads);
            connection.getSinkChannel().setConduit(new Answers(connection.getSinkChannel().getConduit(), reads));
            open.handleEvent(connection);
        };
    }

    /**
     * Counts the bytes read since the last response began, and keeps the first of them (the request
     * line), to tell an oversized or badly escaped request from another malformed one.
     */
    private static final class Reads extends AbstractStreamSourceConduit<StreamSourceConduit> {
        long sinceResponse;
        final byte[] head = new byte[HEAD_KEPT];

        Reads(StreamSourceConduit next) {
            super(next);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int from = dst.position();
            int n = next.read(dst);
            if (n > 0) {
                if (sinceResponse < HEAD_KEPT) {
                    int keep = (int) Math.min(n, HEAD_KEPT - sinceResponse);
                    dst.duplicate().position(from).get(head, (int) sinceResponse, keep);
                }
                sinceResponse += n;
            }
            return n;
        }

        /** The request line as far as it was kept. */
        String requestLine() {
            int kept = (int) Math.min(sinceResponse, HEAD_KEPT);
            int end = 0;
            while (end < kept && head[end] != '\r' && head[end] != '\n') {
                end++;
            }
            return new String(head, 0, end, StandardCharsets.ISO_8859_1);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
            long n = next.read(dsts, offs, len);
            if (n > 0) {
                sinceResponse += n;
            }
            return n;
        }
    }

    private final class Answers extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final Reads reads;

        Answers(StreamSinkConduit next, Reads reads) {
            super(next);
            this.reads = reads;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (isUndertowBadRequest(src)) {
                return (int) replace(new ByteBuffer[] {src}, 0, 1, classify(reads), null);
            }
            String hostRefusal = hostRefusal(src);
            if (hostRefusal != null) {
                return (int) replace(new ByteBuffer[] {src}, 0, 1, S3ErrorCode.INVALID_REQUEST, hostRefusal);
            }
            reads.sinceResponse = 0;
            return next.write(src);
        }

        // every other way of writing is a response being sent: the next request starts counting afresh

        @Override
        public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
            String hostRefusal = len > 0 ? hostRefusal(srcs[offs]) : null;
            if (hostRefusal != null) {
                return replace(srcs, offs, len, S3ErrorCode.INVALID_REQUEST, hostRefusal);
            }
            reads.sinceResponse = 0;
            return next.write(srcs, offs, len);
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            String hostRefusal = hostRefusal(src);
            if (hostRefusal != null) {
                return (int) replace(new ByteBuffer[] {src}, 0, 1, S3ErrorCode.INVALID_REQUEST, hostRefusal);
            }
            reads.sinceResponse = 0;
            return next.writeFinal(src);
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
            String hostRefusal = len > 0 ? hostRefusal(srcs[offs]) : null;
            if (hostRefusal != null) {
                return replace(srcs, offs, len, S3ErrorCode.INVALID_REQUEST, hostRefusal);
            }
            reads.sinceResponse = 0;
            return next.writeFinal(srcs, offs, len);
        }

        /**
         * Takes Undertow's whole bodiless answer as written and writes S3's in its place. Both close
         * the connection as soon as this returns: write what the socket takes now (an error of a few
         * hundred bytes on a connection that has sent nothing back yet: all of it).
         */
        private long replace(ByteBuffer[] srcs, int offs, int len, S3ErrorCode code, String hostRefusal)
                throws IOException {
            long consumed = 0;
            for (int i = offs; i < offs + len; i++) {
                consumed += srcs[i].remaining();
                srcs[i].position(srcs[i].limit());
            }
            ByteBuffer answer = ByteBuffer.wrap(answer(code, hostRefusal));
            for (int i = 0; i < 16 && answer.hasRemaining() && next.write(answer) > 0; i++) {
                // keep writing
            }
            next.flush();
            counter.rejected(400, answer.position());
            return consumed;
        }

        @Override
        public long transferFrom(java.nio.channels.FileChannel src, long position, long count) throws IOException {
            reads.sinceResponse = 0;
            return next.transferFrom(src, position, count);
        }

        @Override
        public long transferFrom(org.xnio.channels.StreamSourceChannel source, long count, ByteBuffer throughBuffer)
                throws IOException {
            reads.sinceResponse = 0;
            return next.transferFrom(source, count, throughBuffer);
        }

        /** The reason of HostHeaderHandler's 400 when {@code src} starts that response, else null. */
        private static String hostRefusal(ByteBuffer src) {
            int n = Math.min(src.remaining(), 96);
            int p = src.position();
            // most writes are other responses or their bodies: a look at the status code sends them on
            if (n < 16 || src.get(p) != 'H' || src.get(p + 9) != '4' || src.get(p + 10) != '0' || src.get(p + 11) != '0') {
                return null;
            }
            byte[] head = new byte[n];
            src.duplicate().get(head);
            String start = new String(head, StandardCharsets.ISO_8859_1);
            if (!start.startsWith("HTTP/1.1 400 ") && !start.startsWith("HTTP/1.0 400 ")) {
                return null;
            }
            for (String reason : HOST_HEADER_REFUSALS) {
                if (start.startsWith(reason + "\r\n", 13)) {
                    return reason;
                }
            }
            return null;
        }

        private boolean isUndertowBadRequest(ByteBuffer src) {
            if (src.remaining() != UNDERTOW_BAD_REQUEST.length) {
                return false;
            }
            byte[] head = new byte[UNDERTOW_BAD_REQUEST.length];
            src.duplicate().get(head);
            return Arrays.equals(head, UNDERTOW_BAD_REQUEST);
        }
    }

    /** Why the parser most likely refused the request, from what it had read. */
    private S3ErrorCode classify(Reads reads) {
        String[] line = reads.requestLine().split(" ");
        if (line.length >= 2 && brokenEscape(line[1])) {
            return S3ErrorCode.INVALID_URI;
        }
        return reads.sinceResponse >= maxHeaderBytes ? S3ErrorCode.REQUEST_HEADER_SECTION_TOO_LARGE
                : S3ErrorCode.INVALID_REQUEST;
    }

    private static boolean brokenEscape(String target) {
        for (int i = target.indexOf('%'); i >= 0; i = target.indexOf('%', i + 1)) {
            if (i + 2 >= target.length() || Character.digit(target.charAt(i + 1), 16) < 0
                    || Character.digit(target.charAt(i + 2), 16) < 0) {
                return true;
            }
        }
        return false;
    }

    /** @param hostRefusal why Undertow refused the Host header, or null when it could not parse the request */
    private byte[] answer(S3ErrorCode code, String hostRefusal) {
        String requestId = HexFormat.of().withUpperCase().formatHex(
                ByteBuffer.allocate(8).putLong(ThreadLocalRandom.current().nextLong()).array());
        XmlWriter x = XmlWriter.plain("Error").element("Code", code.code());
        switch (code) {
            case REQUEST_HEADER_SECTION_TOO_LARGE -> x.element("Message", code.defaultMessage())
                    .element("MaxSizeAllowed", String.valueOf(maxHeaderBytes));
            case INVALID_URI -> x.element("Message", code.defaultMessage());
            default -> x.element("Message", hostRefusal != null
                    ? "The Host header is missing, repeated or malformed (" + hostRefusal + ")."
                    : "The request line or a header could not be parsed.");
        }
        byte[] body = x.element("RequestId", requestId).element("HostId", hostId).toBytes();
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nx-amz-request-id: " + requestId + "\r\nx-amz-id-2: " + hostId + "\r\nServer: imagegate\r\n"
                + "Connection: close\r\n\r\n";
        access.info("request={} method=- path=- op=- status=400 principal=- unparsed={}{}", requestId, code.code(),
                hostRefusal != null ? " host=refused" : "");
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }
}
