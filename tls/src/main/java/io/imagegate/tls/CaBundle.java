package io.imagegate.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities a client of a gateway trusts, from a PEM bundle, the way aws-cli
 * takes them: {@code --ca-bundle FILE}, else {@code $AWS_CA_BUNDLE}, else the JDK's default trust.
 * As with aws-cli, a bundle replaces the default authorities rather than adding to them.
 */
public final class CaBundle {

    /** The environment variable aws-cli and boto3 read. */
    public static final String ENV = "AWS_CA_BUNDLE";

    private final Path file;
    private final List<X509Certificate> authorities;
    private final X509TrustManager trustManager;

    private CaBundle(Path file, List<X509Certificate> authorities, X509TrustManager trustManager) {
        this.file = file;
        this.authorities = authorities;
        this.trustManager = trustManager;
    }

    /** Reads a PEM bundle of one or more certificates. */
    public static CaBundle load(Path file) throws TlsFileException {
        List<X509Certificate> authorities = PemFiles.certificates(file);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager m : factory.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    return new CaBundle(file, authorities, x);
                }
            }
            throw new TlsFileException(file, "the JDK's PKIX trust manager factory made no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsFileException(file, "cannot be used as a CA bundle: " + e.getMessage(), e);
        }
    }

    /**
     * The bundle a client uses: {@code flag} when given, else {@code $AWS_CA_BUNDLE} from {@code env},
     * else none (the JDK's default authorities).
     */
    public static Optional<CaBundle> resolve(Path flag, Map<String, String> env) throws TlsFileException {
        if (flag != null) {
            return Optional.of(load(flag));
        }
        String fromEnv = env.get(ENV);
        return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(load(Path.of(fromEnv)));
    }

    public Path file() {
        return file;
    }

    public List<X509Certificate> authorities() {
        return authorities;
    }

    /** Trusts a server whose chain leads to one of the bundle's certificates (host names are the client's to check). */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** A client context that trusts the bundle and presents no certificate of its own. */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS context", e);
        }
    }
}
