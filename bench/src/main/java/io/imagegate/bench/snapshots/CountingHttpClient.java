package io.imagegate.bench.snapshots;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * The client's bytes on the wire: every request the SDK client and the raw extension calls send
 * goes through here on its way to the Apache HTTP client, which writes it to the socket. Counts
 * the request line and headers as the HTTP client receives them (plus the {@code Host} and
 * {@code Connection} headers it adds itself) and every body byte the HTTP client reads to send,
 * after signing: aws-chunked framing and chunk signatures included, a resent body counted again.
 */
final class CountingHttpClient implements SdkHttpClient {

    /** What Apache HttpClient 4 adds to a request that lacks it: {@code Connection: Keep-Alive\r\n}. */
    private static final int CONNECTION_HEADER = "Connection: Keep-Alive\r\n".length();

    private final SdkHttpClient delegate;
    private final LongAdder headBytes = new LongAdder();
    private final LongAdder bodyBytes = new LongAdder();
    private final LongAdder requests = new LongAdder();

    CountingHttpClient(SdkHttpClient delegate) {
        this.delegate = delegate;
    }

    /** Totals so far; subtract two of these to get what one phase sent. */
    record Sent(long requests, long headBytes, long bodyBytes) {
        long total() {
            return headBytes + bodyBytes;
        }

        Sent minus(Sent before) {
            return new Sent(requests - before.requests, headBytes - before.headBytes, bodyBytes - before.bodyBytes);
        }
    }

    Sent sent() {
        return new Sent(requests.sum(), headBytes.sum(), bodyBytes.sum());
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        requests.increment();
        headBytes.add(headLength(request.httpRequest()));
        HttpExecuteRequest.Builder b = HttpExecuteRequest.builder().request(request.httpRequest());
        request.metricCollector().ifPresent(b::metricCollector);
        request.contentStreamProvider().ifPresent(p -> b.contentStreamProvider(counting(p)));
        return delegate.prepareRequest(b.build());
    }

    private ContentStreamProvider counting(ContentStreamProvider p) {
        return () -> new FilterInputStream(p.newStream()) {
            @Override
            public int read() throws IOException {
                int c = super.read();
                if (c >= 0) {
                    bodyBytes.increment();
                }
                return c;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    bodyBytes.add(n);
                }
                return n;
            }
        };
    }

    static long headLength(SdkHttpRequest r) {
        long n = r.method().name().length() + 1 + r.encodedPath().length()
                + r.encodedQueryParameters().map(q -> 1 + q.length()).orElse(0) + " HTTP/1.1\r\n".length();
        boolean host = false;
        for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
            host |= h.getKey().equalsIgnoreCase("Host");
            for (String v : h.getValue()) {
                n += h.getKey().getBytes(StandardCharsets.UTF_8).length + 2 + v.getBytes(StandardCharsets.UTF_8).length + 2;
            }
        }
        if (!host) {
            n += ("Host: " + r.host() + ":" + r.port() + "\r\n").length();
        }
        return n + CONNECTION_HEADER + 2;
    }

    @Override
    public String clientName() {
        return delegate.clientName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
