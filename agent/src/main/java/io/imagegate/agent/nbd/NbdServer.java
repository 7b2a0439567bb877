package io.imagegate.agent.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NBD listener (TCP or a unix socket) and the exports it offers by name. Each connection runs on
 * a virtual thread of its own; a broken connection never takes the listener or another connection down.
 */
public final class NbdServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NbdServer.class);

    private final ServerSocketChannel server;
    private final SocketAddress address;
    private final NbdTls tls;
    private final Map<String, NbdExport> exports = new ConcurrentHashMap<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private NbdServer(ServerSocketChannel server, SocketAddress address, NbdTls tls) {
        this.server = server;
        this.address = address;
        this.tls = tls;
        this.acceptor = Thread.ofVirtual().name("nbd-accept-" + address).unstarted(this::acceptLoop);
    }

    /** Listens on {@code host:port} (port 0: any free port), in clear. */
    public static NbdServer tcp(String host, int port) throws IOException {
        return tcp(host, port, NbdTls.OFF);
    }

    /** Listens on {@code host:port} (port 0: any free port) with {@code tls}. */
    public static NbdServer tcp(String host, int port, NbdTls tls) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            ch.bind(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return start(ch, ch.getLocalAddress(), tls);
    }

    /** Listens on a unix socket at {@code path}, replacing a stale socket file left by a dead process. */
    public static NbdServer unix(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(path), 128);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen on unix socket " + path + ": " + e.getMessage(), e);
        }
        return start(ch, UnixDomainSocketAddress.of(path), NbdTls.OFF);
    }

    private static NbdServer start(ServerSocketChannel ch, SocketAddress address, NbdTls tls) {
        NbdServer s = new NbdServer(ch, address, tls);
        s.acceptor.start();
        log.info("nbd listening address={} tls={}", address, tls.mode());
        return s;
    }

    /** Whether and how this listener speaks TLS. */
    public NbdTls tls() {
        return tls;
    }

    public SocketAddress address() {
        return address;
    }

    /** The port of a TCP listener, or -1 for a unix socket. */
    public int port() {
        return address instanceof InetSocketAddress in ? in.getPort() : -1;
    }

    public void addExport(NbdExport export) {
        if (exports.putIfAbsent(export.name(), export) != null) {
            throw new IllegalArgumentException("export " + export.name() + " is already served on " + address);
        }
    }

    /** Stops offering the export and closes every connection that uses it. */
    public void removeExport(String name) {
        NbdExport removed = exports.remove(name);
        if (removed == null) {
            return;
        }
        for (NbdConnection c : connections) {
            if (c.export() == removed) {
                c.close();
            }
        }
    }

    public boolean hasExports() {
        return !exports.isEmpty();
    }

    public int connectionCount(String exportName) {
        return (int) connections.stream().filter(c -> c.export() != null && c.export().name().equals(exportName)).count();
    }

    /** The export a client asked for; the empty name means the only export, when there is exactly one. */
    Optional<NbdExport> find(String name) {
        if (name.isEmpty() && exports.size() == 1) {
            return exports.values().stream().findFirst();
        }
        return Optional.ofNullable(exports.get(name));
    }

    List<NbdExport> list() {
        return exports.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("nbd accept failed address={} error={}", address, e.toString());
                    pause(); // e.g. out of file descriptors: do not spin
                }
                continue;
            }
            NbdConnection c = new NbdConnection(this, ch);
            connections.add(c);
            Thread.ofVirtual().name("nbd-conn").start(() -> {
                try {
                    c.run();
                } finally {
                    connections.remove(c);
                }
            });
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing listener {}: {}", address, e.toString());
        }
        connections.forEach(NbdConnection::close);
        if (address instanceof UnixDomainSocketAddress u) {
            try {
                Files.deleteIfExists(u.getPath());
            } catch (IOException e) {
                log.debug("removing socket {}: {}", u.getPath(), e.toString());
            }
        }
    }
}
