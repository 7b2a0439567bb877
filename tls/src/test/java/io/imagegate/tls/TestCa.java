package io.imagegate.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A certificate authority made in the test, with Bouncy Castle, and the server certificates it
 * issues: no private key is ever committed. Files are written as OpenSSL and cert-manager write
 * them, keys in PKCS#1/SEC1 ("traditional") or PKCS#8 form.
 */
public final class TestCa {

    public enum KeyType { RSA, EC }

    /** How a private key is written: {@code RSA PRIVATE KEY} / {@code EC PRIVATE KEY}, or {@code PRIVATE KEY}. */
    public enum KeyFormat { TRADITIONAL, PKCS8 }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final KeyPair keys;
    private final TestCa parent;

    private TestCa(X509Certificate certificate, KeyPair keys, TestCa parent) {
        this.certificate = certificate;
        this.keys = keys;
        this.parent = parent;
    }

    /** A self-signed root CA with an EC P-256 key. */
    public static TestCa create(String name) {
        KeyPair keys = generate(KeyType.EC);
        X500Principal subject = new X500Principal("CN=" + name + ",O=imagegate tests");
        return new TestCa(build(subject, keys, subject, keys, true, List.of()), keys, null);
    }

    /** An intermediate CA under this one. */
    public TestCa intermediate(String name) {
        KeyPair intermediateKeys = generate(KeyType.EC);
        X500Principal subject = new X500Principal("CN=" + name + ",O=imagegate tests");
        return new TestCa(build(subject, intermediateKeys, certificate.getSubjectX500Principal(), keys, true, List.of()),
                intermediateKeys, this);
    }

    /** A server certificate for {@code names} (host names or IP addresses), its chain ending below the root. */
    public Issued issue(KeyType type, String... names) {
        KeyPair leafKeys = generate(type);
        X500Principal subject = new X500Principal("CN=" + names[0] + ",O=imagegate tests");
        X509Certificate leaf = build(subject, leafKeys, certificate.getSubjectX500Principal(), keys, false, List.of(names));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        for (TestCa ca = this; ca.parent != null; ca = ca.parent) {
            chain.add(ca.certificate);
        }
        return new Issued(List.copyOf(chain), leafKeys);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes this CA's certificate as a PEM bundle clients trust. */
    public Path writeCertificate(Path file) {
        write(file, pem(certificate));
        return file;
    }

    /** A certificate chain (leaf first) and the leaf's key pair. */
    public record Issued(List<X509Certificate> chain, KeyPair keys) {

        public X509Certificate leaf() {
            return chain.getFirst();
        }

        public Path writeChain(Path file) {
            write(file, pem(chain.toArray()));
            return file;
        }

        public Path writeKey(Path file, KeyFormat format) {
            try {
                write(file, format == KeyFormat.PKCS8 ? pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate())
                        : keys.getPrivate().getAlgorithm().equals("EC") ? pem(sec1(keys)) : pem(keys.getPrivate()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        }

        /** Chain and key into {@code dir}/tls.crt and {@code dir}/tls.key, as a Kubernetes TLS Secret holds them. */
        public Issued writeTo(Path dir) {
            writeChain(dir.resolve("tls.crt"));
            writeKey(dir.resolve("tls.key"), KeyFormat.PKCS8);
            return this;
        }
    }

    /** An EC key as OpenSSL writes it: SEC1 with the curve named inside (Bouncy Castle's writer leaves it out). */
    private static PemObject sec1(KeyPair keys) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        DERBitString publicKey = new DERBitString(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData().getOctets());
        ECPrivateKey withCurve = new ECPrivateKey(256, inner.getKey(), publicKey, info.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", withCurve.getEncoded());
    }

    public static String pem(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair generate(KeyType type) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(type == KeyType.RSA ? "RSA" : "EC");
            if (type == KeyType.RSA) {
                g.initialize(2048, RANDOM);
            } else {
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate build(X500Principal subject, KeyPair subjectKeys, X500Principal issuer, KeyPair issuerKeys,
                                         boolean ca, List<String> names) {
        try {
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                    subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                List<GeneralName> sans = new ArrayList<>();
                for (String n : names) {
                    sans.add(isAddress(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not make a test certificate", e);
        }
    }

    private static boolean isAddress(String name) {
        if (!name.matches("[0-9.]+") && !name.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
