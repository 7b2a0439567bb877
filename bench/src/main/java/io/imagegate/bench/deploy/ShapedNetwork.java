package io.imagegate.bench.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated network between the nodes and the gateway: each node reaches the gateway through a
 * TCP proxy of its own on loopback, which passes bytes only as fast as the node's link allows (each
 * direction) and as the gateway's shared link allows (all nodes together, each direction), and
 * counts them. What crosses it is real traffic (HTTP requests and answers, headers included); only
 * the bandwidth is modelled. Latency is loopback's.
 */
final class ShapedNetwork implements AutoCloseable {

    private static final int BUFFER = 32 * 1024;
    private static final long BURST = 64 * 1024;

    private final InetSocketAddress gateway;
    private final long nodeBytesPerSecond;
    private final TokenBucket gatewayDown;
    private final TokenBucket gatewayUp;
    private final List<NodeLink> links = new ArrayList<>();

    ShapedNetwork(URI gateway, long nodeBitsPerSecond, long gatewayBitsPerSecond) {
        this.gateway = new InetSocketAddress(gateway.getHost(), gateway.getPort());
        this.nodeBytesPerSecond = nodeBitsPerSecond / 8;
        this.gatewayDown = new TokenBucket(gatewayBitsPerSecond / 8, BURST * 4);
        this.gatewayUp = new TokenBucket(gatewayBitsPerSecond / 8, BURST * 4);
    }

    /** A new node's link: a proxy port of its own with its own bandwidth, behind the shared gateway link. */
    NodeLink attach(String node) throws IOException {
        NodeLink l = new NodeLink(node);
        synchronized (links) {
            links.add(l);
        }
        return l;
    }

    /** One node's link to the gateway. */
    final class NodeLink implements AutoCloseable {
        final String node;
        final AtomicLong down = new AtomicLong();
        final AtomicLong up = new AtomicLong();
        final AtomicLong connections = new AtomicLong();
        private final TokenBucket nodeDown = new TokenBucket(nodeBytesPerSecond, BURST);
        private final TokenBucket nodeUp = new TokenBucket(nodeBytesPerSecond, BURST);
        private final ServerSocket server;
        private final List<Socket> open = new ArrayList<>();
        private volatile boolean closed;

        private NodeLink(String node) throws IOException {
            this.node = node;
            this.server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().name("link-" + node).start(this::accept);
        }

        /** The endpoint the node uses for the gateway: its proxy. */
        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        long bytes() {
            return down.get() + up.get();
        }

        private void accept() {
            while (!closed) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket();
                    upstream.connect(gateway, 5000);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    synchronized (open) {
                        open.add(client);
                        open.add(upstream);
                    }
                    connections.incrementAndGet();
                    java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
                    Runnable finish = () -> {
                        if (ended.incrementAndGet() == 2) {
                            closeQuietly(client);
                            closeQuietly(upstream);
                            synchronized (open) {
                                open.remove(client);
                                open.remove(upstream);
                            }
                        }
                    };
                    Thread.ofVirtual().start(() -> pump(upstream, client, nodeDown, gatewayDown, down, finish));
                    Thread.ofVirtual().start(() -> pump(client, upstream, nodeUp, gatewayUp, up, finish));
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                }
            }
        }

        /** Copies one direction of a connection through the node's and the gateway's bandwidth. */
        private void pump(Socket from, Socket to, TokenBucket own, TokenBucket shared, AtomicLong counter,
                          Runnable finish) {
            byte[] buf = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    TokenBucket.until(Math.max(own.reserve(n), shared.reserve(n)));
                    out.write(buf, 0, n);
                    counter.addAndGet(n);
                }
                to.shutdownOutput(); // a half-closed HTTP connection still carries the answer
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            } finally {
                finish.run();
            }
        }

        @Override
        public void close() {
            closed = true;
            closeQuietly(server);
            synchronized (open) {
                open.forEach(ShapedNetwork::closeQuietly);
                open.clear();
            }
        }
    }

    long totalBytes() {
        synchronized (links) {
            return links.stream().mapToLong(NodeLink::bytes).sum();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        synchronized (links) {
            links.forEach(NodeLink::close);
            links.clear();
        }
    }
}
