package io.imagegate.agent.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.Tools;
import io.imagegate.tls.CaBundle;
import io.imagegate.tls.ServerCertificate;
import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD_OPT_STARTTLS with a certificate from a test CA: libnbd's nbdinfo and nbdcopy open the export as
 * {@code nbds://} (trusting the CA through a tls-certificates directory), a listener that requires
 * TLS refuses every option in clear, and one that only offers it serves both.
 */
class NbdTlsTest {

    private static final int SIZE = 1 << 20;
    @TempDir
    static Path dir;
    /** What libnbd's tls-certificates query parameter names: a directory holding ca-cert.pem. */
    private static Path certificates;
    private static ServerCertificate certificate;
    private static SSLContext client;
    private NbdServer server;
    private MemoryDevice disk;

    @BeforeAll
    static void certificates() throws IOException {
        TestCa ca = TestCa.create("nbd tls test root");
        ca.issue(KeyType.EC, "localhost", "127.0.0.1").writeTo(dir);
        certificates = Files.createDirectories(dir.resolve("client"));
        ca.writeCertificate(certificates.resolve("ca-cert.pem"));
        certificate = ServerCertificate.load(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        client = CaBundle.load(certificates.resolve("ca-cert.pem")).sslContext();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(NbdTls.Mode mode) throws IOException {
        server = NbdServer.tcp("127.0.0.1", 0, new NbdTls(mode, certificate.sslContext()));
        disk = new MemoryDevice(SIZE, false);
        server.addExport(new NbdExport("disk", "a test disk", disk));
    }

    private String nbds() {
        return "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + certificates;
    }

    private RawNbdClient raw() throws IOException {
        return new RawNbdClient(server.port()).hello(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
    }

    @Test
    void nbdinfoAndNbdcopyOpenARequiredTlsExportAsNbds() throws Exception {
        Tools.require("nbdinfo");
        Tools.require("nbdcopy");
        start(NbdTls.Mode.REQUIRE);
        assertEquals(String.valueOf(SIZE), Tools.ok(List.of("nbdinfo", "--size", nbds())).strip());
        Path copy = dir.resolve("copy.raw");
        Tools.ok(List.of("nbdcopy", nbds(), copy.toString()));
        assertArrayEquals(disk.bytes, Files.readAllBytes(copy));

        Tools.Result clear = Tools.run(List.of("nbdinfo", "--size", "nbd://127.0.0.1:" + server.port() + "/disk"));
        assertNotEquals(0, clear.exit(), "plain NBD is refused: " + clear.out());
        assertTrue(clear.err().toLowerCase().contains("tls"), clear.err());
    }

    @Test
    void qemuOpensARequiredTlsExportWithItsX509Credentials() throws Exception {
        Tools.require("qemu-img");
        start(NbdTls.Mode.REQUIRE);
        String info = Tools.ok(List.of("qemu-img", "info", "--output=json",
                "--object", "tls-creds-x509,id=tls0,dir=" + certificates + ",endpoint=client",
                "--image-opts", "driver=nbd,host=127.0.0.1,port=" + server.port() + ",export=disk,tls-creds=tls0"));
        assertTrue(info.contains("\"virtual-size\": " + SIZE), info);
    }

    @Test
    void aListenerThatRequiresTlsRefusesEveryOptionInClear() throws IOException {
        start(NbdTls.Mode.REQUIRE);
        try (RawNbdClient c = raw()) {
            c.option(Nbd.OPT_LIST, new byte[0]);
            assertEquals(Nbd.REP_ERR_TLS_REQD, c.optionReply().type());
            c.option(Nbd.OPT_GO, RawNbdClient.goData("disk"));
            assertEquals(Nbd.REP_ERR_TLS_REQD, c.optionReply().type());
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ERR_TLS_REQD, c.optionReply().type());
        }
        try (RawNbdClient c = raw()) {
            c.option(Nbd.OPT_EXPORT_NAME, "disk".getBytes());
            assertTrue(c.closedByServer(), "NBD_OPT_EXPORT_NAME has no error reply: the connection is closed");
        }
    }

    @Test
    void afterStartTlsTheExportIsServedInsideTls() throws IOException {
        start(NbdTls.Mode.REQUIRE);
        try (RawNbdClient c = raw().startTls(client)) {
            assertEquals(certificate.current().leaf(),
                    ((javax.net.ssl.SSLSocket) c.socket).getSession().getPeerCertificates()[0]);
            c.option(Nbd.OPT_STARTTLS, new byte[0]);
            assertEquals(Nbd.REP_ERR_INVALID, c.optionReply().type(), "TLS is already on");
            assertEquals(SIZE, c.go("disk"));
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 4096, 4096 + 70_000), c.read(4096, 70_000));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateGetsNoExport() throws IOException {
        start(NbdTls.Mode.REQUIRE);
        SSLContext stranger = CaBundle.load(TestCa.create("another root").writeCertificate(dir.resolve("other.pem"))).sslContext();
        try (RawNbdClient c = raw()) {
            assertThrows(SSLHandshakeException.class, () -> c.startTls(stranger));
        }
    }

    @Test
    void aListenerThatOffersTlsServesClearAndTlsClients() throws Exception {
        start(NbdTls.Mode.ON);
        try (RawNbdClient c = raw()) {
            assertEquals(SIZE, c.go("disk"));
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 0, 512), c.read(0, 512));
        }
        try (RawNbdClient c = raw().startTls(client)) {
            assertEquals(SIZE, c.go("disk"));
        }
        if (Tools.has("nbdinfo")) {
            assertEquals(String.valueOf(SIZE), Tools.ok(List.of("nbdinfo", "--size", nbds())).strip());
        }
    }

    @Test
    void aListenerWithoutTlsDoesNotSupportStartTls() throws IOException {
        server = NbdServer.tcp("127.0.0.1", 0);
        server.addExport(new NbdExport("disk", "a test disk", new MemoryDevice(SIZE, false)));
        try (RawNbdClient c = raw()) {
            c.option(Nbd.OPT_STARTTLS, new byte[0]);
            assertEquals(Nbd.REP_ERR_UNSUP, c.optionReply().type());
            assertEquals(SIZE, c.go("disk"));
        }
    }
}
