package io.imagegate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.imagegate.tls.TestCa.KeyFormat;
import io.imagegate.tls.TestCa.KeyType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A server certificate replaced on disk while clients stay connected, over real TLS sockets: the
 * connection made before keeps working with the old certificate, a new one sees the new
 * certificate, and files that fail to load keep the old certificate and say why.
 */
class ServerCertificateTest {

    @TempDir
    Path dir;
    TestCa ca;
    Path certFile;
    Path keyFile;
    ServerCertificate certificate;
    SSLServerSocket server;
    final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void start() throws Exception {
        ca = TestCa.create("reload test root");
        TestCa.Issued first = ca.issue(KeyType.EC, "localhost", "127.0.0.1");
        certFile = first.writeChain(dir.resolve("tls.crt"));
        keyFile = first.writeKey(dir.resolve("tls.key"), KeyFormat.TRADITIONAL);
        certificate = ServerCertificate.load(certFile, keyFile);
        startEchoServer();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        connections.shutdownNow();
        certificate.close();
    }

    /** One line in, the same line out, for as long as the client stays. */
    private void startEchoServer() throws IOException {
        server = (SSLServerSocket) certificate.sslContext().getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.submit(() -> {
            while (!server.isClosed()) {
                SSLSocket s = (SSLSocket) server.accept();
                connections.submit(() -> {
                    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            out.println(line);
                        }
                    }
                    return null;
                });
            }
            return null;
        });
    }

    /** A client that trusts only the test CA and keeps no sessions from earlier connections. */
    private final class Client implements AutoCloseable {
        final SSLSocket socket;
        final BufferedReader in;
        final PrintWriter out;

        Client() throws IOException {
            socket = (SSLSocket) CaBundle.load(ca.writeCertificate(dir.resolve("ca.pem"))).sslContext().getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            var params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        String echo(String line) throws IOException {
            out.println(line);
            return in.readLine();
        }

        X509Certificate peer() throws IOException {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private TestCa.Issued replaceFiles() throws IOException {
        TestCa.Issued next = ca.issue(KeyType.RSA, "localhost", "127.0.0.1");
        // written beside and renamed over, as renewals are written
        Files.move(next.writeChain(dir.resolve("tls.crt.new")), certFile, StandardCopyOption.ATOMIC_MOVE);
        Files.move(next.writeKey(dir.resolve("tls.key.new"), KeyFormat.PKCS8), keyFile, StandardCopyOption.ATOMIC_MOVE);
        return next;
    }

    @Test
    void aReplacedCertificateReachesNewConnectionsWhileTheOldConnectionKeepsGoing() throws Exception {
        X509Certificate before = certificate.current().leaf();
        try (Client old = new Client()) {
            assertEquals("one", old.echo("one"));
            assertEquals(before, old.peer());

            TestCa.Issued next = replaceFiles();
            assertInstanceOf(ServerCertificate.Reload.Reloaded.class, certificate.check());

            assertEquals("two", old.echo("two"));
            assertEquals(before, old.peer());
            try (Client fresh = new Client()) {
                assertEquals("three", fresh.echo("three"));
                assertEquals(next.leaf(), fresh.peer());
            }
            assertInstanceOf(ServerCertificate.Reload.Unchanged.class, certificate.check());
        }
    }

    @Test
    void aKubernetesSecretVolumeSymlinkSwapIsReloaded() throws Exception {
        // kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..2026_01_01_first; a renewal swaps ..data
        Path volume = Files.createDirectory(dir.resolve("secret"));
        Path firstDir = Files.createDirectory(volume.resolve("..first"));
        Files.copy(certFile, firstDir.resolve("tls.crt"));
        Files.copy(keyFile, firstDir.resolve("tls.key"));
        Files.createSymbolicLink(volume.resolve("..data"), Path.of("..first"));
        Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data/tls.key"));
        try (ServerCertificate mounted = ServerCertificate.load(volume.resolve("tls.crt"), volume.resolve("tls.key"))) {
            TestCa.Issued next = ca.issue(KeyType.EC, "localhost");
            Path secondDir = Files.createDirectory(volume.resolve("..second"));
            next.writeChain(secondDir.resolve("tls.crt"));
            next.writeKey(secondDir.resolve("tls.key"), KeyFormat.PKCS8);
            Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of("..second"));
            Files.move(volume.resolve("..data_tmp"), volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            assertInstanceOf(ServerCertificate.Reload.Reloaded.class, mounted.check());
            assertEquals(next.leaf(), mounted.current().leaf());
        }
    }

    @Test
    void filesThatFailToLoadKeepTheOldCertificateAndSaySoOnce() throws Exception {
        X509Certificate before = certificate.current().leaf();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(ServerCertificate.class)).addAppender(logged);
        try (Client old = new Client()) {
            // a renewal half done: the new certificate is there, its key is not yet
            TestCa.Issued next = ca.issue(KeyType.EC, "localhost", "127.0.0.1");
            next.writeChain(certFile);
            var failed = assertInstanceOf(ServerCertificate.Reload.Failed.class, certificate.check());
            assertTrue(failed.reason().startsWith(keyFile + ": is not the private key of the first certificate"), failed.reason());
            assertEquals(before, failed.kept().leaf());
            assertInstanceOf(ServerCertificate.Reload.Failed.class, certificate.check());
            assertEquals(1, certificate.failedReloads(), "the same bad pair is counted and logged once");
            assertEquals(1, logged.list.stream().filter(e -> e.getFormattedMessage()
                    .contains("tls certificate reload failed, keeping the certificate in use")).count());

            try (Client fresh = new Client()) {
                assertEquals("still", fresh.echo("still"));
                assertEquals(before, fresh.peer());
            }
            assertEquals("old", old.echo("old"));

            Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n");
            var garbage = assertInstanceOf(ServerCertificate.Reload.Failed.class, certificate.check());
            assertTrue(garbage.reason().startsWith(keyFile + ": "), garbage.reason());
            assertEquals(2, certificate.failedReloads());

            next.writeKey(keyFile, KeyFormat.TRADITIONAL); // the renewal completes
            assertInstanceOf(ServerCertificate.Reload.Reloaded.class, certificate.check());
            try (Client fresh = new Client()) {
                assertEquals(next.leaf(), fresh.peer());
            }
        } finally {
            ((Logger) LoggerFactory.getLogger(ServerCertificate.class)).detachAppender(logged);
        }
    }

    @Test
    void watchingPicksUpARenewalByItself() throws Exception {
        certificate.watch(Duration.ofMillis(20));
        TestCa.Issued next = replaceFiles();
        for (int i = 0; i < 500 && !certificate.current().leaf().equals(next.leaf()); i++) {
            Thread.sleep(20);
        }
        assertEquals(next.leaf(), certificate.current().leaf());
        try (Client fresh = new Client()) {
            assertEquals(next.leaf(), fresh.peer());
        }
    }

    @Test
    void aClientWithAnotherCaBundleRefusesTheServer() throws Exception {
        Path otherCa = TestCa.create("some other root").writeCertificate(dir.resolve("other-ca.pem"));
        SSLSocket s = (SSLSocket) CaBundle.load(otherCa).sslContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        try (s) {
            assertThrows(SSLHandshakeException.class, s::startHandshake);
        }
    }
}
