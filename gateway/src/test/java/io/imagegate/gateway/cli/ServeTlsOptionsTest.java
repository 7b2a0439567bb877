package io.imagegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyFormat;
import io.imagegate.tls.TestCa.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s TLS options: a bad file stops it with a message naming the option and the file; what it tells clients. */
class ServeTlsOptionsTest {

    @TempDir
    Path dir;

    record Run(int exit, String err) {}

    static Run imagegate(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(ImagegateCommand.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void aBadCertificateOrKeyFileStopsServeWithAMessageNamingIt() throws Exception {
        TestCa ca = TestCa.create("serve options root");
        TestCa.Issued issued = ca.issue(KeyType.EC, "localhost");
        Path cert = issued.writeChain(dir.resolve("tls.crt"));
        Path key = issued.writeKey(dir.resolve("tls.key"), KeyFormat.PKCS8);
        Path data = dir.resolve("data");

        Run keyAsCert = imagegate("serve", "--data", data.toString(), "--port", "0", "--tls-cert", key.toString(),
                "--tls-key", key.toString());
        assertEquals(1, keyAsCert.exit());
        assertTrue(keyAsCert.err().contains("imagegate: could not start: --tls-cert " + key
                + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----); it holds a private key"), keyAsCert.err());

        Path otherKey = ca.issue(KeyType.EC, "localhost").writeKey(dir.resolve("other.key"), KeyFormat.TRADITIONAL);
        Run mismatch = imagegate("serve", "--data", data.toString(), "--port", "0", "--tls-cert", cert.toString(),
                "--tls-key", otherKey.toString());
        assertEquals(1, mismatch.exit());
        assertTrue(mismatch.err().contains("--tls-key " + otherKey + ": is not the private key of the first certificate in "
                + cert), mismatch.err());
        assertTrue(Files.notExists(data.resolve("zookeeper")), "nothing started before the certificate was checked");

        Run half = imagegate("serve", "--data", data.toString(), "--tls-cert", cert.toString());
        assertEquals(1, half.exit());
        assertTrue(half.err().contains("--tls-cert needs --tls-key"), half.err());
        Run portWithoutCert = imagegate("serve", "--data", data.toString(), "--https-port", "9443");
        assertTrue(portWithoutCert.err().contains("--https-port and --tls-only need --tls-cert and --tls-key"), portWithoutCert.err());
    }

    @Test
    void clientsAreToldAHostTheCertificateNamesAndTheirCaBundle() {
        TestCa ca = TestCa.create("hints root");
        URI listening = URI.create("https://127.0.0.1:9000");
        assertEquals(listening, ClientHints.endpoint(listening, ca.issue(KeyType.EC, "localhost", "127.0.0.1").leaf()));
        assertEquals(URI.create("https://localhost:9000"), ClientHints.endpoint(listening, ca.issue(KeyType.EC, "localhost").leaf()));
        assertEquals(URI.create("https://s3.example.net:9000"),
                ClientHints.endpoint(listening, ca.issue(KeyType.EC, "*.s3.example.net", "s3.example.net").leaf()));

        Path cert = dir.resolve("tls.crt");
        assertEquals(ClientHints.CA_PLACEHOLDER, ClientHints.caBundle(cert, ca.issue(KeyType.EC, "localhost").chain()));
        assertEquals(cert.toAbsolutePath().toString(), ClientHints.caBundle(cert,
                java.util.List.of(ca.issue(KeyType.EC, "localhost").leaf(), ca.certificate())));
    }
}
