package io.imagegate.gateway;

import io.imagegate.gateway.http.Authenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.tls.ServerCertificate;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.handlers.HttpContinueReadHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xnio.Options;

/**
 * The HTTP side of a gateway: Undertow on the S3 port (plain HTTP, or HTTPS with a certificate),
 * optionally HTTPS on a port of its own beside plain HTTP; every request on a virtual thread.
 */
public final class GatewayServer implements AutoCloseable {

    /** How long a connection may sit without reading or writing before it is dropped. */
    private static final int IO_TIMEOUT_MILLIS = 120_000;

    private final Undertow undertow;
    private final ExecutorService executor;
    private final String host;
    /** -1 when there is no such listener. */
    private final int plainPort;
    private final int httpsPort;

    private GatewayServer(Undertow undertow, ExecutorService executor, String host, int plainPort, int httpsPort) {
        this.undertow = undertow;
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
        GatewayConfig config = stores.config();
        HttpsConfig https = config.https();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        String hostId = UUID.randomUUID().toString();
        S3Handler handler = new S3Handler(stores, authenticator, executor, hostId, metrics, management);
        Undertow.Builder builder = Undertow.builder();
        if (!https.enabled()) {
            builder.addHttpListener(config.port(), config.host());
        } else if (https.plainListener()) {
            builder.addHttpListener(config.port(), config.host())
                    .addHttpsListener(https.httpsPort(), config.host(), certificate.sslContext());
        } else {
            builder.addHttpsListener(config.port(), config.host(), certificate.sslContext());
        }
        Undertow undertow = builder
                // 100-continue is sent only when the handler starts reading the body, so a request
                // refused before that never makes the client send its body
                .setHandler(new HttpContinueReadHandler(handler))
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 64 * 1024)
                .setServerOption(UndertowOptions.MAX_PARAMETERS, 10_000)
                // S3's own limits (5 GiB a PUT) are enforced per operation, with S3's errors
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, IO_TIMEOUT_MILLIS)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, IO_TIMEOUT_MILLIS)
                .setSocketOption(Options.READ_TIMEOUT, IO_TIMEOUT_MILLIS)
                .setSocketOption(Options.WRITE_TIMEOUT, IO_TIMEOUT_MILLIS)
                .setWorkerThreads(4)
                // one shared pool of direct buffers: the default pool reuses buffers only through
                // per-thread caches, and every request runs on a new virtual thread, so each
                // response would allocate (and zero) fresh direct memory
                .setByteBufferPool(new DefaultByteBufferPool(true, 16 * 1024 - 20, 1024, 0))
                .build();
        undertow.start();
        int plain = -1;
        int secure = -1;
        for (Undertow.ListenerInfo listener : undertow.getListenerInfo()) {
            int port = ((InetSocketAddress) listener.getAddress()).getPort();
            if (listener.getProtcol().equals("https")) {
                secure = port;
            } else {
                plain = port;
            }
        }
        return new GatewayServer(undertow, executor, config.host(), plain, secure);
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

    @Override
    public void close() {
        undertow.stop();
        executor.shutdownNow();
    }
}
