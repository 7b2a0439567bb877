package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A run of chunks is verified and stored chunk by chunk as its GET streams in, so a connection
 * lost part-way costs only the rest of the run: the retry asks for the chunks not stored yet, not
 * the whole run again. The agent reaches a real gateway through a TCP relay that cuts the first
 * connection once it has carried a given number of bytes towards the agent.
 */
class StreamedFetchTest {

    private static final int SIZE = 2 << 20;
    private static final int CHUNK = 64 << 10;
    private static GatewayFixture gateway;
    private static byte[] image;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start();
        try (S3Client s3 = gateway.client()) {
            Images.bucket(s3, "images", true);
            image = new byte[SIZE]; // random throughout: no zero chunk, so 1 MiB from 0 is one run of 16 chunks
            new java.util.Random(21).nextBytes(image);
            Images.put(s3, "images", "disk.raw", image);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aRunCutPartWayIsFetchedAgainOnlyFromTheFirstChunkNotStored(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Tools.require("nbdcopy");
        // HEAD and the binary manifest come first on the connection (a few KiB), then the 1 MiB run:
        // cut inside its fourth chunk
        long cutAfter = 3L * CHUNK + CHUNK / 2;
        try (Relay relay = new Relay(gateway.endpoint(), cutAfter);
             Agent agent = AgentHarness.start(dir)) {
            AttachResult a = agent.attach(AgentHarness.attach(relay.endpoint(), "s3://images/disk.raw",
                    GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY).withExport("vm").withMode("manifest")
                    .withProfile("off"));
            String out = QemuIo.run(a.url(), "read 0 1M");
            assertTrue(out.contains("read 1048576/1048576"), out);
            assertTrue(relay.cut.get(), "the relay cut a connection");
            ExportStatus s = AgentHarness.export(agent, "vm");
            assertTrue(s.fetchRetries() >= 1, "the run was retried: " + s.fetchRetries());
            assertEquals(1L << 20, s.fetchedBytes(), "each chunk of the run fetched and stored once: " + s);
            assertEquals(2, s.fetchRequests(), "one GET cut part-way, one for the rest: " + s);
            long toAgent = relay.toClient.get();
            // the cut run's first three chunks came once: the retry asked for the 13 chunks after them
            // (a retry of the whole run would have carried 1 MiB again: more than 1 MiB + 3.5 chunks)
            assertTrue(toAgent < (1L << 20) + CHUNK, "bytes relayed to the agent: " + toAgent);

            Path copy = dir.resolve("copy.raw");
            Tools.ok(List.of("nbdcopy", a.url(), copy.toString()));
            assertArrayEquals(image, Files.readAllBytes(copy));
        }
    }

    /** Passes bytes both ways; the first connection that carries {@code cutAfter} bytes to the client is closed then. */
    static final class Relay implements AutoCloseable {
        final AtomicLong toClient = new AtomicLong();
        final AtomicBoolean cut = new AtomicBoolean();
        private final ServerSocket server;
        private final URI target;
        private final long cutAfter;

        Relay(URI target, long cutAfter) throws IOException {
            this.target = target;
            this.cutAfter = cutAfter;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        private void accept() {
            try {
                while (true) {
                    Socket client = server.accept();
                    Socket upstream = new Socket(target.getHost(), target.getPort());
                    boolean cuttable = !cut.get();
                    Thread.ofVirtual().start(() -> pump(client, upstream, false));
                    Thread.ofVirtual().start(() -> pump(upstream, client, cuttable));
                }
            } catch (IOException closed) {
                // the relay was closed
            }
        }

        private void pump(Socket from, Socket to, boolean cuttable) {
            byte[] buf = new byte[8192];
            long carried = 0;
            try (from; to) {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    boolean toTheClient = to.getLocalPort() == server.getLocalPort();
                    if (cuttable && carried + n > cutAfter && cut.compareAndSet(false, true)) {
                        int part = (int) (cutAfter - carried);
                        out.write(buf, 0, part);
                        toClient.addAndGet(part);
                        return; // closes both sockets
                    }
                    out.write(buf, 0, n);
                    carried += n;
                    if (toTheClient) {
                        toClient.addAndGet(n);
                    }
                }
            } catch (IOException e) {
                // one side went away: the other is closed with it
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
