package io.imagegate.agent.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.tls.ServerCertificate;
import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the agent's NBD server over real sockets (a listener in clear and one requiring TLS, both
 * serving in-memory exports): whatever a client sends (raw bytes, or a handshake and requests built
 * from fuzzed options, lengths, flags, offsets and payloads), the server greets it, answers or
 * closes the connection (never leaves it silent for {@link #SILENT_MS}, never floods it), never fails with an unexpected exception in
 * the connection handler (nothing logged as a failure, nothing uncaught on any thread), and keeps
 * serving: after every 16th input and at the end a well-behaved client negotiates, reads and
 * writes, and sees the device's bytes.
 */
class NbdFuzzTest {

    /** A hang detector, not a speed bound: how long the connection may stay silent while still open. */
    static final int SILENT_MS = 30_000;
    /** More than the server can owe any input: a server still sending after this is flooding. */
    private static final long FLOOD_BYTES = 256L << 20;
    private static final int SIZE = (1 << 20) + 300;
    private static final int[] OPTIONS = {Nbd.OPT_EXPORT_NAME, Nbd.OPT_ABORT, Nbd.OPT_LIST, Nbd.OPT_STARTTLS,
        Nbd.OPT_INFO, Nbd.OPT_GO, Nbd.OPT_STRUCTURED_REPLY, Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT, 11, 0};
    private static final String[] NAMES = {"disk", "ro", "", "nope", "base:allocation", "base:", "qemu:dirty-bitmap:x"};
    private static final long[] OFFSETS = {0, 4096, SIZE - 1, SIZE, SIZE + 200, (SIZE + 511) / 512 * 512,
        Long.MAX_VALUE, -1, Long.MIN_VALUE};

    private static Servers servers;
    private static int inputs;

    /** The listeners, their devices, and what went wrong on their threads. */
    private record Servers(NbdServer plain, NbdServer tls, MemoryDevice disk, MemoryDevice ro,
                           ListAppender<ILoggingEvent> log, List<Throwable> uncaught) {}

    private static synchronized Servers servers() {
        if (servers == null) {
            try {
                Path dir = Files.createTempDirectory("imagegate-nbd-fuzz");
                TestCa ca = TestCa.create("nbd fuzz root");
                ca.issue(KeyType.EC, "localhost", "127.0.0.1").writeTo(dir);
                ServerCertificate certificate = ServerCertificate.load(dir.resolve("tls.crt"), dir.resolve("tls.key"));
                MemoryDevice disk = new MemoryDevice(SIZE, false);
                MemoryDevice ro = new MemoryDevice(4096, true);
                NbdServer plain = NbdServer.tcp("127.0.0.1", 0);
                NbdServer tls = NbdServer.tcp("127.0.0.1", 0, new NbdTls(NbdTls.Mode.REQUIRE, certificate.sslContext()));
                for (NbdServer s : List.of(plain, tls)) {
                    s.addExport(new NbdExport("disk", "a fuzzed disk", disk));
                    s.addExport(new NbdExport("ro", "a read-only disk", ro));
                }
                ListAppender<ILoggingEvent> log = new ListAppender<>();
                log.start();
                Logger logger = (Logger) LoggerFactory.getLogger(NbdConnection.class);
                logger.addAppender(log);
                logger.setLevel(Level.INFO);
                List<Throwable> uncaught = new CopyOnWriteArrayList<>();
                Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
                servers = new Servers(plain, tls, disk, ro, log, uncaught);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    plain.close();
                    tls.close();
                }));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return servers;
    }

    @FuzzTest
    void everyClientIsAnsweredOrClosedAndTheServerLives(FuzzedDataProvider data) throws Exception {
        Servers s = servers();
        NbdServer server = data.consumeInt(0, 3) == 0 ? s.tls() : s.plain();
        byte[] client = data.consumeBoolean() ? data.consumeRemainingAsBytes() : session(data);
        byte[] answer = exchange(server.port(), client);
        assertTrue(answer.length >= 18, "every client is greeted");
        ByteBuffer hello = ByteBuffer.wrap(answer, 0, 18);
        assertEquals(Nbd.NBDMAGIC, hello.getLong());
        assertEquals(Nbd.IHAVEOPT, hello.getLong());
        checkServerThreads(s);
        if (++inputs % 16 == 0) {
            wellBehavedClientIsServed(s);
        }
    }

    @AfterAll
    static void stillServing() throws IOException {
        if (servers != null) {
            wellBehavedClientIsServed(servers);
            checkServerThreads(servers);
        }
    }

    /** Flags, options and requests from fuzzed parts, framed as a client would frame them (mostly). */
    private static byte[] session(FuzzedDataProvider data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(data.consumeBoolean() ? Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES : data.consumeInt());
        int options = data.consumeInt(0, 6);
        for (int i = 0; i < options; i++) {
            int option = data.consumeBoolean() ? data.pickValue(OPTIONS) : data.consumeInt();
            byte[] payload = switch (data.consumeInt(0, 3)) {
                case 0 -> new byte[0];
                case 1 -> RawNbdClient.goData(data.pickValue(NAMES), data.consumeInt(0, 4), data.consumeInt(0, 4));
                case 2 -> metaContext(data);
                default -> data.consumeBytes(data.consumeInt(0, 300));
            };
            out.writeLong(data.consumeInt(0, 20) == 0 ? data.consumeLong() : Nbd.IHAVEOPT);
            out.writeInt(option);
            out.writeInt(data.consumeInt(0, 20) == 0 ? data.consumeInt() : payload.length);
            out.write(payload);
        }
        if (data.consumeBoolean()) {
            out.writeLong(Nbd.IHAVEOPT);
            out.writeInt(Nbd.OPT_GO);
            byte[] go = RawNbdClient.goData(data.consumeBoolean() ? "disk" : data.pickValue(NAMES));
            out.writeInt(go.length);
            out.write(go);
        }
        int requests = data.consumeInt(0, 8);
        for (int i = 0; i < requests; i++) {
            int type = data.consumeBoolean() ? data.consumeInt(0, 8) : data.consumeInt(0, 0xFFFF);
            long offset = data.consumeBoolean() ? data.pickValue(OFFSETS) : data.consumeLong();
            int length = data.consumeBoolean() ? data.consumeInt(0, 70_000) : data.consumeInt();
            out.writeInt(data.consumeInt(0, 30) == 0 ? data.consumeInt() : Nbd.REQUEST_MAGIC);
            out.writeShort(data.consumeInt(0, 3) == 0 ? data.consumeInt(0, 0xFFFF) : 0);
            out.writeShort(type);
            out.writeLong(i);
            out.writeLong(offset);
            out.writeInt(length);
            if (type == Nbd.CMD_WRITE) {
                out.write(data.consumeBytes(Math.max(0, Math.min(length, 70_000))));
            }
        }
        out.write(data.consumeRemainingAsBytes());
        return bytes.toByteArray();
    }

    /** An NBD_OPT_*_META_CONTEXT payload: export name, query count, queries (lengths the fuzzer may spoil). */
    private static byte[] metaContext(FuzzedDataProvider data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            byte[] name = data.pickValue(NAMES).getBytes(StandardCharsets.UTF_8);
            out.writeInt(data.consumeInt(0, 10) == 0 ? data.consumeInt() : name.length);
            out.write(name);
            int queries = data.consumeInt(0, 3);
            out.writeInt(data.consumeInt(0, 10) == 0 ? data.consumeInt() : queries);
            for (int i = 0; i < queries; i++) {
                byte[] q = (data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(20))
                        .getBytes(StandardCharsets.UTF_8);
                out.writeInt(data.consumeInt(0, 10) == 0 ? data.consumeInt() : q.length);
                out.write(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Sends the client's bytes, half-closes, and reads everything the server sends until it closes
     * the connection (keeping the first 64 KiB). Fails when the connection stays open and silent for
     * {@link #SILENT_MS} (the server neither answered nor closed) or the server sends more than
     * {@link #FLOOD_BYTES}.
     */
    private static byte[] exchange(int port, byte[] client) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(SILENT_MS);
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            AtomicReference<String> ending = new AtomicReference<>("still reading");
            Thread reader = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[65536];
                long total = 0;
                try (InputStream in = socket.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (kept) {
                            if (kept.size() < 65536) {
                                kept.write(buf, 0, Math.min(n, 65536 - kept.size()));
                            }
                        }
                        total += n;
                        if (total > FLOOD_BYTES) {
                            ending.set("flooded: more than " + FLOOD_BYTES + " bytes");
                            return;
                        }
                    }
                    ending.set("closed");
                } catch (SocketTimeoutException e) {
                    ending.set("silent for " + SILENT_MS + " ms with the connection open");
                } catch (IOException e) {
                    ending.set("closed"); // a reset: the server closed with our bytes unread
                }
            });
            try {
                socket.getOutputStream().write(client);
                socket.shutdownOutput();
            } catch (IOException e) {
                // the server closed before reading everything: it is allowed to
            }
            reader.join();
            assertEquals("closed", ending.get(), () -> "the server neither answered nor closed; client sent "
                    + client.length + " bytes: " + hex(client));
            synchronized (kept) {
                return kept.toByteArray();
            }
        }
    }

    /** Nothing failed unexpectedly on the server's threads: no uncaught throwable, no handler failure logged. */
    private static void checkServerThreads(Servers s) {
        assertTrue(s.uncaught().isEmpty(), () -> "uncaught on a server thread: " + s.uncaught());
        List<ILoggingEvent> failures = new ArrayList<>();
        synchronized (s.log()) {
            for (ILoggingEvent e : s.log().list) {
                if (e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null) {
                    failures.add(e);
                }
            }
            s.log().list.clear();
        }
        assertTrue(failures.isEmpty(), () -> "the connection handler failed: " + failures.stream()
                .map(e -> e.getFormattedMessage() + " " + (e.getThrowableProxy() == null ? ""
                        : e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage())).toList());
    }

    /** A client that follows the protocol negotiates, reads what the device holds, writes, and reads it back. */
    private static void wellBehavedClientIsServed(Servers s) throws IOException {
        try (RawNbdClient c = new RawNbdClient(s.plain().port())) {
            c.hello(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
            assertEquals(SIZE, c.go("disk"));
            byte[] expected;
            synchronized (s.disk()) {
                expected = Arrays.copyOfRange(s.disk().bytes, 4096, 8192);
            }
            assertArrayEquals(expected, c.read(4096, 4096));
            byte[] written = "still serving".getBytes(StandardCharsets.UTF_8);
            c.request(0, Nbd.CMD_WRITE, 7, 100, written.length, written);
            assertEquals(0, c.reply().error());
            assertArrayEquals(written, c.read(100, written.length));
        }
        try (RawNbdClient c = new RawNbdClient(s.tls().port())) {
            c.hello(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
            c.option(Nbd.OPT_LIST, new byte[0]);
            assertEquals(Nbd.REP_ERR_TLS_REQD, c.optionReply().type(), "the TLS listener still requires TLS");
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 512); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.append(b.length > 512 ? "..." : "").toString();
    }
}
