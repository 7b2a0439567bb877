package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.policy.RequestPolicies;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One S3 request being served: the exchange, who is calling, the verified body, and the
 * response helpers every operation uses. Operations never touch Undertow types beyond this.
 */
public final class Call {

    private final HttpServerExchange exchange;
    private final String requestId;
    private final Instant received;
    private final MemoryBudget budget;
    private MemoryBudget.Reservation memory;
    private Query query;
    private Principal principal = Principal.ANONYMOUS;
    private RequestPolicies policies = RequestPolicies.NONE;
    private ClientInputStream body;
    private long bodyBytesWritten;
    private Supplier<Map<String, String>> trailers = Map::of;
    private final HangUpWatch hangUp;
    private final Checkpoints checkpoints;

    /** @param budget the gateway's request-memory budget, which {@link #memory()} draws on */
    public Call(HttpServerExchange exchange, String requestId, Instant received, MemoryBudget budget) {
        this(exchange, requestId, received, budget, Checkpoints.NONE);
    }

    /** @param checkpoints told of each {@link #checkpoint} the request reaches (tests hold requests there) */
    public Call(HttpServerExchange exchange, String requestId, Instant received, MemoryBudget budget,
            Checkpoints checkpoints) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.received = received;
        this.budget = budget;
        this.hangUp = new HangUpWatch(exchange);
        this.checkpoints = checkpoints;
    }

    // ---- the client hanging up

    /**
     * A natural boundary of a long piece of work (between chunks, parts, keys, pages): if the client
     * has hung up, the work ends here, before anything more is read, written or published. The first
     * checkpoint after the request was read whole starts watching the connection ({@link HangUpWatch}).
     * Never call it once a write's outcome may stand (after its publishing transaction was sent).
     *
     * @throws RequestCancelledException when the client was seen to go away
     */
    public void checkpoint(String where) {
        hangUp.arm();
        checkpoints.reached(this, where);
        if (hangUp.hungUp()) {
            throw new RequestCancelledException(where);
        }
    }

    /** Whether the client was seen to hang up (only once a checkpoint started the watch). */
    public boolean hungUp() {
        return hangUp.hungUp();
    }

    /** Whether the connection is being watched for a hang-up right now. */
    public boolean watchingForHangUp() {
        return hangUp.watching();
    }

    /** Stops watching for a hang-up: before any response is sent, and when the request ends however it ends. */
    public void stopWatching() {
        hangUp.stop();
    }

    /**
     * What this request holds of the gateway's memory budget: grow it before allocating what is
     * parsed from the body and kept; it is all given back when the request ends ({@link #releaseMemory}).
     */
    public MemoryBudget.Reservation memory() {
        if (memory == null) {
            memory = budget.open();
        }
        return memory;
    }

    /** Gives back everything {@link #memory()} took; the handler calls it when the request ends, however. */
    public void releaseMemory() {
        if (memory != null) {
            memory.close();
        }
    }

    public String requestId() {
        return requestId;
    }

    public Instant received() {
        return received;
    }

    public String method() {
        return exchange.getRequestMethod().toString();
    }

    /** The request path as sent, still percent-encoded. */
    public String rawPath() {
        return exchange.getRequestURI();
    }

    /**
     * The decoded query parameters, decoded on first use, inside the handler's error handling.
     *
     * @throws io.imagegate.gateway.S3Exception InvalidURI on a broken escape or bytes that are not UTF-8
     */
    public Query query() {
        if (query == null) {
            query = Query.parse(exchange.getQueryString());
        }
        return query;
    }

    public Principal principal() {
        return principal;
    }

    public void principal(Principal p) {
        this.principal = p;
    }

    /** The access policies that bear on this request: its user's, and its buckets' (set once it is authenticated). */
    public RequestPolicies policies() {
        return policies;
    }

    public void policies(RequestPolicies p) {
        this.policies = p;
    }

    /** The address the request came from (the TCP peer), as policies' {@code aws:SourceIp} sees it; null if unknown. */
    public String sourceIp() {
        java.net.InetSocketAddress a = exchange.getSourceAddress();
        if (a == null || a.getAddress() == null) {
            return null;
        }
        String ip = a.getAddress().getHostAddress();
        int scope = ip.indexOf('%');
        return scope < 0 ? ip : ip.substring(0, scope);
    }

    /** Whether the request came over HTTPS ({@code aws:SecureTransport}). */
    public boolean secure() {
        return exchange.getConnection() != null && exchange.getConnection().getSslSessionInfo() != null;
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
        HeaderValues v = exchange.getRequestHeaders().get(name);
        return v == null ? null : v.getFirst();
    }

    public boolean hasHeader(String name) {
        return exchange.getRequestHeaders().contains(name);
    }

    public HttpServerExchange exchange() {
        return exchange;
    }

    /**
     * The declared Content-Length, or -1 when the body is chunked or absent.
     *
     * @throws S3Exception InvalidArgument when it is not a decimal number that fits a long
     */
    public long contentLength() {
        String v = header("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Content-Length must be a non-negative integer.")
                .detail("ArgumentName", "Content-Length").detail("ArgumentValue", v);
    }

    /** Installs the body stream the authenticator verified; operations read only this. */
    public void body(InputStream verified) {
        this.body = new ClientInputStream(verified);
    }

    /** Where the trailers of a streaming body can be read once the body has been read to its end. */
    public void trailers(Supplier<Map<String, String>> source) {
        this.trailers = source;
    }

    /** The trailing headers (lower-case names) of a streaming body, after it was read to its end. */
    public Map<String, String> trailers() {
        return trailers.get();
    }

    /** How many body bytes the operation read. */
    public long bodyBytesRead() {
        return body == null ? 0 : body.bytesRead();
    }

    public InputStream body() {
        if (body == null) {
            body = new ClientInputStream(exchange.getInputStream());
        }
        return body;
    }

    /**
     * Reads a small XML body whole, taking from the memory budget what it and the document parsed
     * from it may hold ({@link #PARSED_PER_BODY_BYTE} times its length).
     *
     * @throws S3Exception MalformedXML beyond {@code max} bytes (a body that cannot be a valid
     *         document), SlowDown when the budget cannot hold it
     */
    public byte[] smallBody(int max) throws IOException {
        InputStream in = body();
        byte[] data = in.readNBytes(max + 1);
        if (data.length > max) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML, "The XML you provided was larger than the maximum "
                    + max + " bytes allowed.");
        }
        memory().grow((long) data.length * PARSED_PER_BODY_BYTE);
        return data;
    }

    /** Heap a small body and the DOM built from it may take per body byte (nodes, strings, the bytes). */
    static final int PARSED_PER_BODY_BYTE = 8;

    // ---- responses

    public Call respondHeader(String name, String value) {
        if (value != null) {
            exchange.getResponseHeaders().put(HttpString.tryFromString(name), value);
        }
        return this;
    }

    public Call respondHeader(String name, long value) {
        exchange.getResponseHeaders().put(HttpString.tryFromString(name), value);
        return this;
    }

    /**
     * Whether any of the response may have left (or sits in Undertow's buffer): then an error can
     * no longer be answered, only signalled by dropping the connection.
     */
    public boolean responseStarted() {
        return exchange.isResponseStarted() || bodyBytesWritten > 0;
    }

    /** Status and headers only. */
    public void respond(int status) {
        stopWatching();
        exchange.setStatusCode(status);
        exchange.setResponseContentLength(0);
        exchange.endExchange();
    }

    public void respondXml(int status, XmlWriter xml) {
        byte[] bytes = xml.toBytes();
        stopWatching();
        exchange.setStatusCode(status);
        respondHeader("Content-Type", "application/xml");
        exchange.setResponseContentLength(bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    public void respondBytes(int status, String contentType, byte[] bytes) {
        stopWatching();
        exchange.setStatusCode(status);
        respondHeader("Content-Type", contentType);
        exchange.setResponseContentLength(bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    /**
     * Starts a streamed body of exactly {@code length} bytes; the caller writes then closes. A write
     * that fails because the client left throws {@link ClientGoneException}: a GET stops there, so it
     * needs no watch for a hang-up (the socket's buffers bound what is read after one).
     */
    public OutputStream respondStream(int status, long length) {
        stopWatching();
        exchange.setStatusCode(status);
        exchange.setResponseContentLength(length);
        return new java.io.FilterOutputStream(exchange.getOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                bodyBytesWritten += len;
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw new ClientGoneException(e);
                }
            }

            @Override
            public void write(int b) throws IOException {
                bodyBytesWritten++;
                try {
                    out.write(b);
                } catch (IOException e) {
                    throw new ClientGoneException(e);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } catch (IOException e) {
                    throw new ClientGoneException(e);
                }
            }
        };
    }
}
