package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.Images;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyType;
import io.imagegate.tls.TlsFileException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Which exports speak NBD TLS: an export on an address other than loopback requires it (and cannot
 * be attached at all by an agent without a certificate, unless told {@code --tls off}); on loopback
 * it is offered when the agent has a certificate; unix sockets stay in clear.
 */
class NbdTlsAttachTest {

    private static final int SIZE = 2 * 1024 * 1024;
    @TempDir
    static Path certs;
    private static S3ProxyFixture store;
    private static NbdTlsFiles tls;
    /** libnbd's tls-certificates directory: the test CA as ca-cert.pem. */
    private static Path clientCertificates;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = TestCa.create("agent nbd tls root");
        ca.issue(KeyType.RSA, "localhost", "127.0.0.1").writeTo(certs);
        tls = NbdTlsFiles.of(certs.resolve("tls.crt"), certs.resolve("tls.key"));
        clientCertificates = Files.createDirectories(certs.resolve("client"));
        ca.writeCertificate(clientCertificates.resolve("ca-cert.pem"));
        store = S3ProxyFixture.inMemory();
        try (S3Client s3 = store.client()) {
            Images.bucket(s3, "images", true);
            Images.put(s3, "images", "disk.raw", Images.disk(SIZE, 3));
        }
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
    }

    private static AttachRequest attach(String listen, String export) {
        return AgentHarness.attach(store.endpoint(), "s3://images/disk.raw", S3ProxyFixture.ACCESS_KEY,
                S3ProxyFixture.SECRET_KEY).withListen(listen).withExport(export);
    }

    /** The export's URL, reached through loopback, with the CA libnbd is to trust. */
    private static String loopback(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://127.0.0.1:" + u.getPort() + u.getPath() + "?tls-certificates=" + clientCertificates;
    }

    @Test
    void anExportOnAllAddressesRequiresTlsAndNbdinfoOpensItAsNbds(@TempDir Path dir) throws Exception {
        Tools.require("nbdinfo");
        try (Agent agent = Agent.start(AgentHarness.config(dir), tls)) {
            AttachResult a = agent.attach(attach("0.0.0.0:0", "wide"));
            assertTrue(a.url().startsWith("nbds://"), a.url());
            assertEquals(String.valueOf(SIZE), Tools.ok(List.of("nbdinfo", "--size", loopback(a.url()))).strip());

            String clear = loopback(a.url()).replace("nbds://", "nbd://").replaceAll("\\?.*", "");
            Tools.Result refused = Tools.run(List.of("nbdinfo", "--size", clear));
            assertNotEquals(0, refused.exit(), "plain NBD to an export that requires TLS: " + refused.out());
            assertTrue(refused.err().toLowerCase().contains("tls"), refused.err());
            assertEquals("auto", AttachmentRecord.read(dir.resolve("data/exports/wide")).tls());

            // on loopback an agent with a certificate offers TLS and still serves clients in clear
            AttachResult local = agent.attach(attach("127.0.0.1:0", "local"));
            assertTrue(local.url().startsWith("nbds://127.0.0.1:"), local.url());
            assertEquals(String.valueOf(SIZE), Tools.ok(List.of("nbdinfo", "--size",
                    local.url().replace("nbds://", "nbd://"))).strip());
        }
    }

    @Test
    void withoutACertificateAnExportBeyondLoopbackIsRefusedUnlessTlsIsOff(@TempDir Path dir) throws Exception {
        try (Agent agent = Agent.start(AgentHarness.config(dir))) {
            AgentException refused = assertThrows(AgentException.class, () -> agent.attach(attach("0.0.0.0:0", "wide")));
            assertTrue(refused.getMessage().contains("which is not a loopback address, needs TLS: start the agent with "
                    + "--tls-cert FILE --tls-key FILE, or attach with --tls off"), refused.getMessage());
            assertTrue(agent.status().exports().isEmpty());

            AttachResult clear = agent.attach(attach("0.0.0.0:0", "wide").withTls("off"));
            assertTrue(clear.url().startsWith("nbd://"), clear.url());
            AttachResult local = agent.attach(attach("127.0.0.1:0", "local"));
            assertTrue(local.url().startsWith("nbd://127.0.0.1:"), "no certificate: loopback in clear, " + local.url());
            AgentException noCertificate = assertThrows(AgentException.class,
                    () -> agent.attach(attach("127.0.0.1:0", "asked").withTls("require")));
            assertTrue(noCertificate.getMessage().contains("needs TLS: start the agent with --tls-cert"), noCertificate.getMessage());
        }
    }

    @Test
    void unixSocketsStayInClear(@TempDir Path dir) throws Exception {
        try (Agent agent = Agent.start(AgentHarness.config(dir), tls)) {
            String socket = dir.resolve("nbd.sock").toString();
            AttachResult a = agent.attach(attach(null, "sock").withSocket(socket));
            assertTrue(a.url().startsWith("nbd+unix:///sock?socket="), a.url());
            AgentException e = assertThrows(AgentException.class, () -> agent.attach(attach(null, "sock2")
                    .withSocket(dir.resolve("nbd2.sock").toString()).withTls("require")));
            assertTrue(e.getMessage().contains("NBD TLS is offered on TCP listeners only"), e.getMessage());
        }
    }

    @Test
    void aBadCertificateStopsTheAgentNamingTheFile(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("tls.crt"), "not a certificate\n");
        TlsFileException e = assertThrows(TlsFileException.class,
                () -> Agent.start(AgentHarness.config(dir), NbdTlsFiles.of(notPem, tls.key())));
        assertEquals(notPem, e.file());
    }
}
