package io.imagegate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.tls.TestCa.KeyFormat;
import io.imagegate.tls.TestCa.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PEM certificate chains and private keys in the forms OpenSSL and cert-manager write; bad files named in the error. */
class PemFilesTest {

    static TestCa ca;
    @TempDir
    Path dir;

    @BeforeAll
    static void makeCa() {
        ca = TestCa.create("pem test root");
    }

    @ParameterizedTest(name = "{0} key, {1}")
    @CsvSource({"RSA, TRADITIONAL", "RSA, PKCS8", "EC, TRADITIONAL", "EC, PKCS8"})
    void readsRsaAndEcKeysInPkcs1Sec1AndPkcs8(KeyType type, KeyFormat format) throws Exception {
        TestCa.Issued issued = ca.issue(type, "localhost", "127.0.0.1");
        Path key = issued.writeKey(dir.resolve("key.pem"), format);
        String header = Files.readString(key).lines().findFirst().orElseThrow();
        assertEquals(format == KeyFormat.PKCS8 ? "-----BEGIN PRIVATE KEY-----"
                : "-----BEGIN " + type + " PRIVATE KEY-----", header);

        CertifiedKey loaded = CertifiedKey.load(issued.writeChain(dir.resolve("cert.pem")), key);
        assertEquals(issued.leaf(), loaded.leaf());
        assertEquals(issued.keys().getPrivate().getAlgorithm(), loaded.key().getAlgorithm());
    }

    @Test
    void readsAChainLeafFirstAndAKeyFileThatAlsoHoldsTheCertificate() throws Exception {
        TestCa.Issued issued = ca.intermediate("pem test intermediate").issue(KeyType.EC, "gateway.example");
        Path cert = issued.writeChain(dir.resolve("chain.pem"));
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, TestCa.pem(issued.leaf()) + Files.readString(issued.writeKey(dir.resolve("k"), KeyFormat.TRADITIONAL)));

        CertifiedKey loaded = CertifiedKey.load(cert, combined);
        assertEquals(issued.chain(), loaded.chain());
        assertEquals(2, loaded.chain().size());
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingTheKeyFile() {
        Path cert = ca.issue(KeyType.EC, "localhost").writeChain(dir.resolve("cert.pem"));
        Path otherKey = ca.issue(KeyType.EC, "localhost").writeKey(dir.resolve("other.key"), KeyFormat.PKCS8);

        TlsFileException e = assertThrows(TlsFileException.class, () -> CertifiedKey.load(cert, otherKey));
        assertEquals(otherKey, e.file());
        assertTrue(e.getMessage().startsWith(otherKey + ": is not the private key of the first certificate in " + cert),
                e.getMessage());
    }

    @Test
    void badCertificateFilesAreNamedWithWhatIsWrong() throws Exception {
        TestCa.Issued issued = ca.issue(KeyType.RSA, "localhost");
        Path key = issued.writeKey(dir.resolve("tls.key"), KeyFormat.PKCS8);
        Path missing = dir.resolve("missing.crt");
        Path empty = Files.writeString(dir.resolve("empty.crt"), "");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "this is not a certificate\n");
        String whole = Files.readString(issued.writeChain(dir.resolve("whole.crt")));
        Path truncated = Files.writeString(dir.resolve("truncated.crt"), whole.substring(0, whole.length() / 2));

        assertRefused(missing, "no such file", () -> PemFiles.certificates(missing));
        assertRefused(empty, "is empty", () -> PemFiles.certificates(empty));
        assertRefused(garbage, "holds no PEM block", () -> PemFiles.certificates(garbage));
        assertRefused(truncated, "is not valid PEM", () -> PemFiles.certificates(truncated));
        assertRefused(key, "holds no PEM certificate (-----BEGIN CERTIFICATE-----); it holds a private key",
                () -> PemFiles.certificates(key));
        assertRefused(dir, "is a directory", () -> PemFiles.certificates(dir));
    }

    @Test
    void badKeyFilesAreNamedWithWhatIsWrong() throws Exception {
        TestCa.Issued issued = ca.issue(KeyType.RSA, "localhost");
        Path cert = issued.writeChain(dir.resolve("tls.crt"));
        Path encrypted = Files.writeString(dir.resolve("encrypted.key"), TestCa.pem(new JcaPKCS8Generator(
                issued.keys().getPrivate(), new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                .setProvider(new BouncyCastleProvider()).setPassword("secret".toCharArray()).build()).generate()));
        Path two = Files.writeString(dir.resolve("two.key"), TestCa.pem(issued.keys().getPrivate(),
                ca.issue(KeyType.RSA, "x").keys().getPrivate()));

        assertRefused(cert, "holds no PEM private key", () -> PemFiles.privateKey(cert));
        assertRefused(encrypted, "holds an encrypted private key", () -> PemFiles.privateKey(encrypted));
        assertRefused(two, "holds 2 private keys", () -> PemFiles.privateKey(two));
    }

    private static void assertRefused(Path file, String problem, org.junit.jupiter.api.function.Executable read) {
        TlsFileException e = assertThrows(TlsFileException.class, read);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": " + problem), e.getMessage());
    }
}
