package io.imagegate.tls;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM files as OpenSSL, cert-manager and Kubernetes write them, with Bouncy Castle's parser:
 * certificate chains (leaf first) and unencrypted private keys, RSA or EC, in PKCS#1
 * ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#8 ({@code PRIVATE KEY}).
 * Every failure is a {@link TlsFileException} that names the file and says what was wrong.
 */
public final class PemFiles {

    private PemFiles() {}

    /** The certificates of a PEM file, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsFileException {
        return certificates(file, read(file));
    }

    /** The private key of a PEM file (certificates in the same file are ignored). */
    public static PrivateKey privateKey(Path file) throws TlsFileException {
        return privateKey(file, read(file));
    }

    static byte[] read(Path file) throws TlsFileException {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsFileException(file, "is a directory, not a PEM file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file, "no such file");
        } catch (AccessDeniedException e) {
            throw new TlsFileException(file, "cannot be read: permission denied");
        } catch (TlsFileException e) {
            throw e;
        } catch (IOException e) {
            throw new TlsFileException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    static List<X509Certificate> certificates(Path file, byte[] content) throws TlsFileException {
        List<X509Certificate> certificates = new ArrayList<>();
        List<String> others = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : objects(file, content)) {
            try {
                if (o instanceof X509CertificateHolder h) {
                    certificates.add(converter.getCertificate(h));
                } else if (o instanceof X509TrustedCertificateBlock t) {
                    certificates.add(converter.getCertificate(t.getCertificateHolder()));
                } else {
                    others.add(describe(o));
                }
            } catch (CertificateException e) {
                throw new TlsFileException(file, "holds a certificate that cannot be decoded: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new TlsFileException(file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                    + (others.isEmpty() ? "" : "; it holds " + String.join(", ", others)));
        }
        return List.copyOf(certificates);
    }

    static PrivateKey privateKey(Path file, byte[] content) throws TlsFileException {
        List<PrivateKeyInfo> keys = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Object o : objects(file, content)) {
            switch (o) {
                case PEMKeyPair pair -> keys.add(pair.getPrivateKeyInfo());           // PKCS#1 RSA, SEC1 EC
                case PrivateKeyInfo info -> keys.add(info);                           // PKCS#8
                case PKCS8EncryptedPrivateKeyInfo e -> throw encrypted(file);
                case PEMEncryptedKeyPair e -> throw encrypted(file);
                case ASN1ObjectIdentifier curve -> { }                                // EC PARAMETERS before the key
                case X9ECParameters curve -> { }
                default -> others.add(describe(o));
            }
        }
        if (keys.isEmpty()) {
            throw new TlsFileException(file, "holds no PEM private key (-----BEGIN PRIVATE KEY-----, "
                    + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)"
                    + (others.isEmpty() ? "" : "; it holds " + String.join(", ", others)));
        }
        if (keys.size() > 1) {
            throw new TlsFileException(file, "holds " + keys.size() + " private keys; give it exactly one");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(keys.getFirst());
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(file, "holds a private key that cannot be used: " + e.getMessage(), e);
        }
    }

    private static List<Object> objects(Path file, byte[] content) throws TlsFileException {
        List<Object> objects = new ArrayList<>();
        try (Reader reader = new InputStreamReader(new java.io.ByteArrayInputStream(content), StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(file, "is not valid PEM: " + e.getMessage(), e);
        }
        if (objects.isEmpty()) {
            throw new TlsFileException(file, content.length == 0 ? "is empty"
                    : "holds no PEM block (-----BEGIN ...-----); a DER file needs converting to PEM first");
        }
        return objects;
    }

    private static TlsFileException encrypted(Path file) {
        return new TlsFileException(file, "holds an encrypted private key; give the key unencrypted "
                + "(e.g. openssl pkey -in KEY -out KEY.pem) and protect the file instead");
    }

    private static String describe(Object o) {
        return switch (o) {
            case X509CertificateHolder h -> "a certificate";
            case PEMKeyPair k -> "a private key";
            case PrivateKeyInfo k -> "a private key";
            default -> "a " + o.getClass().getSimpleName();
        };
    }
}
