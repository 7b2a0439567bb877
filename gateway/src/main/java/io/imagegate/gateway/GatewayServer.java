package io.imagegate.gateway;

import io.imagegate.gateway.http.Authenticator;
import io.imagegate.gateway.http.Checkpoints;
import io.imagegate.gateway.http.UnparsedRequests;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.tls.ServerCertificate;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The HTTP side of a gateway: Undertow on the S3 port (plain HTTP, or HTTPS with a certificate),
 * optionally HTTPS on a port of its own beside plain HTTP; every request on a virtual thread. The
 * listeners are put together as {@code Undertow.builder()} would (same options, buffers and TLS
 * set-up), by hand for one reason: each accepted connection is wrapped ({@link UnparsedRequests})
 * so that requests Undertow's parser refuses are answered as S3 errors, not with its bare 400.
 */
public final class GatewayServer implements AutoCloseable {

    /** How long a connection may sit without reading or writing before it is dropped. */
    private static final int IO_TIMEOUT_MILLIS = 120_000;
    /** The largest request line plus header section Undertow parses; S3's own 8 KiB limit is checked after. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private final XnioWorker worker;
    private final List<AcceptingChannel<? extends StreamConnection>> channels;
    private final DefaultByteBufferPool buffers;
    private final ExecutorService executor;
    private final String host;
    /** -1 when there is no such listener. */
    private final int plainPort;
    private final int httpsPort;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GatewayServer(XnioWorker worker, List<AcceptingChannel<? extends StreamConnection>> channels,
                          DefaultByteBufferPool buffers, ExecutorService executor, String host, int plainPort,
                          int httpsPort) {
        this.worker = worker;
        this.channels = channels;
        this.buffers = buffers;
        this.executor = executor;
        this.host = host;
        this.plainPort = plainPort;
        this.httpsPort = httpsPort;
    }

    /**
     * @param certificate the certificate HTTPS presents (it reloads by itself), or null when
     *                    {@code stores.config().https()} is off
     */
    public static GatewayServer start(Stores stores, Authenticator authenticator, GatewayMetrics metrics,
                                      ManagementEndpoints management, ServerCertificate certificate) {
        return start(stores, authenticator, metrics, management, certificate, Checkpoints.NONE);
    }

    /** As above, telling {@code checkpoints} of every checkpoint a request reaches: for tests. */
    public static GatewayServer start(Stores stores, Authenticator authenticator, GatewayMetrics metrics,
                                      ManagementEndpoints management, ServerCertificate certificate,
                                      Checkpoints checkpoints) {
        GatewayConfig config = stores.config();
        HttpsConfig https = config.https();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        String hostId = UUID.randomUUID().toString();
        S3Handler handler = new S3Handler(stores, authenticator, executor, hostId, metrics, management, checkpoints);
        OptionMap serverOptions = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                .set(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_BYTES)
                .set(UndertowOptions.MAX_PARAMETERS, 10_000)
                // S3's own limits (5 GiB a PUT) are enforced per operation, with S3's errors
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.IDLE_TIMEOUT, IO_TIMEOUT_MILLIS)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, IO_TIMEOUT_MILLIS)
                // the path and query are decoded by the S3 handler, whose errors are S3's (a broken
                // escape or bytes that are not UTF-8 are InvalidURI), not by the parser's bare 400
                .set(UndertowOptions.DECODE_URL, false)
                .set(UndertowOptions.ALLOW_UNESCAPED_CHARACTERS_IN_URL, true)
                .getMap();
        // one shared pool of direct buffers: the default pool reuses buffers only through per-thread
        // caches, and every request runs on a new virtual thread, so each response would allocate
        // (and zero) fresh direct memory
        DefaultByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024 - 20, 1024, 0);
        List<AcceptingChannel<? extends StreamConnection>> channels = new ArrayList<>();
        XnioWorker worker = null;
        try {
            Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
            worker = xnio.createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, Math.max(Runtime.getRuntime().availableProcessors(), 2))
                    .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                    .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                    .set(Options.WORKER_TASK_CORE_THREADS, 4)
                    .set(Options.WORKER_TASK_MAX_THREADS, 4)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
            OptionMap socketOptions = OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.REUSE_ADDRESSES, true)
                    .set(Options.BALANCING_TOKENS, 1)
                    .set(Options.BALANCING_CONNECTIONS, 2)
                    .set(Options.BACKLOG, 1000)
                    .set(Options.READ_TIMEOUT, IO_TIMEOUT_MILLIS)
                    .set(Options.WRITE_TIMEOUT, IO_TIMEOUT_MILLIS)
                    .getMap();
            HttpOpenListener open = new HttpOpenListener(buffers, serverOptions);
            // 100-continue is sent only when the handler starts reading the body, so a request
            // refused before that never makes the client send its body
            open.setRootHandler(new HttpContinueReadHandler(handler));
            UnparsedRequests unparsed = new UnparsedRequests(hostId, MAX_HEADER_BYTES,
                    (status, bytesOut) -> metrics.request("-", status, 0, 0, bytesOut));
            ChannelListener<AcceptingChannel<StreamConnection>> accept =
                    ChannelListeners.openListenerAdapter(unparsed.wrap(open));
            InetAddress address = InetAddress.getByName(config.host());
            int plain = -1;
            int secure = -1;
            if (!https.enabled() || https.plainListener()) {
                AcceptingChannel<StreamConnection> c = worker.createStreamConnectionServer(
                        new InetSocketAddress(address, config.port()), accept, socketOptions);
                channels.add(c);
                plain = ((InetSocketAddress) c.getLocalAddress()).getPort();
            }
            if (https.enabled()) {
                int port = https.plainListener() ? https.httpsPort() : config.port();
                var c = tls(xnio, certificate.sslContext()).createSslConnectionServer(worker,
                        new InetSocketAddress(address, port), sslAccept(unparsed.wrap(open)), socketOptions);
                channels.add(c);
                secure = ((InetSocketAddress) c.getLocalAddress()).getPort();
            }
            channels.forEach(AcceptingChannel::resumeAccepts);
            return new GatewayServer(worker, channels, buffers, executor, config.host(), plain, secure);
        } catch (IOException e) {
            channels.forEach(IoUtils::safeClose);
            if (worker != null) {
                worker.shutdownNow();
            }
            buffers.close();
            executor.shutdownNow();
            throw new UncheckedIOException("could not listen on " + config.host() + ":" + config.port(), e);
        }
    }

    /** TLS as Undertow's HTTPS listener sets it up. */
    private static UndertowXnioSsl tls(Xnio xnio, SSLContext context) {
        return new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), context, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ChannelListener<AcceptingChannel<org.xnio.ssl.SslConnection>> sslAccept(
            ChannelListener<StreamConnection> open) {
        return (ChannelListener) ChannelListeners.openListenerAdapter(open);
    }

    /** The S3 port: HTTPS when a certificate is configured, else plain HTTP. */
    public int port() {
        return httpsPort >= 0 ? httpsPort : plainPort;
    }

    /** The endpoint URL clients use, e.g. http://127.0.0.1:9000, or https://... when TLS is on. */
    public URI endpoint() {
        return httpsPort >= 0 ? uri("https", httpsPort) : uri("http", plainPort);
    }

    /** The plain HTTP endpoint, when one is served beside HTTPS (or instead of it). */
    public Optional<URI> plainEndpoint() {
        return plainPort >= 0 ? Optional.of(uri("http", plainPort)) : Optional.empty();
    }

    private URI uri(String scheme, int port) {
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return URI.create(scheme + "://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port);
    }

    /** Stops listening and ends every connection; closing again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // the worker's I/O threads are gone: closing the channels again would wait for them forever
        }
        channels.forEach(IoUtils::safeClose);
        worker.shutdownNow();
        try {
            worker.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buffers.close();
        executor.shutdownNow();
    }
}
