package io.imagegate.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A server's identity: its certificate chain (leaf first) and the private key of the leaf,
 * checked to belong together.
 */
public record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {

    public CertifiedKey {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least one certificate");
        }
    }

    /** Reads and checks a certificate chain file and its key file. */
    public static CertifiedKey load(Path certificateFile, Path keyFile) throws TlsFileException {
        return of(certificateFile, PemFiles.read(certificateFile), keyFile, PemFiles.read(keyFile));
    }

    static CertifiedKey of(Path certificateFile, byte[] certificates, Path keyFile, byte[] key) throws TlsFileException {
        List<X509Certificate> chain = PemFiles.certificates(certificateFile, certificates);
        PrivateKey privateKey = PemFiles.privateKey(keyFile, key);
        if (!belongTogether(privateKey, chain.getFirst().getPublicKey())) {
            throw new TlsFileException(keyFile, "is not the private key of the first certificate in " + certificateFile
                    + " (" + chain.getFirst().getSubjectX500Principal().getName() + ")");
        }
        return new CertifiedKey(chain, privateKey);
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** Subject, serial and expiry of the leaf, for logs. */
    public String describe() {
        X509Certificate leaf = leaf();
        return "subject=\"" + leaf.getSubjectX500Principal().getName() + "\" serial=" + leaf.getSerialNumber().toString(16)
                + " notAfter=" + leaf.getNotAfter().toInstant();
    }

    /** True when a signature made with {@code key} verifies with {@code publicKey}. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448 name their own signature
        };
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(publicKey);
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
