package io.imagegate.bench;

import io.imagegate.tls.CaBundle;
import io.imagegate.tls.TlsFileException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

/**
 * The CA bundle every benchmark client trusts for https endpoints, found the way aws-cli finds it:
 * {@code bench/run --ca-bundle FILE}, else {@code $AWS_CA_BUNDLE}, else the JDK's authorities.
 */
public final class BenchTls {

    private static volatile Optional<CaBundle> bundle;

    private BenchTls() {}

    /** Trust {@code file} from now on (the {@code --ca-bundle} option). */
    public static void use(Path file) {
        try {
            bundle = Optional.of(CaBundle.load(file));
        } catch (TlsFileException e) {
            throw new IllegalArgumentException("--ca-bundle " + e.getMessage(), e);
        }
    }

    /** The bundle in use, if any. */
    public static Optional<CaBundle> bundle() {
        Optional<CaBundle> b = bundle;
        if (b == null) {
            try {
                b = CaBundle.resolve(null, System.getenv());
            } catch (TlsFileException e) {
                throw new UncheckedIOException("$" + CaBundle.ENV + " " + e.getMessage(), e);
            }
            bundle = b;
        }
        return b;
    }

    /** The bundle's file, for clients configured by path (the agent's {@code S3Endpoint}); null without one. */
    public static Path file() {
        return bundle().map(CaBundle::file).orElse(null);
    }

    @SuppressWarnings("deprecation") // the Apache 4 client, the one DEPENDENCIES.md names
    public static ApacheHttpClient.Builder trust(ApacheHttpClient.Builder http) {
        bundle().ifPresent(b -> {
            TrustManager[] managers = {b.trustManager()};
            http.tlsTrustManagersProvider(() -> managers);
        });
        return http;
    }

    public static HttpClient.Builder trust(HttpClient.Builder http) {
        bundle().ifPresent(b -> http.sslContext(b.sslContext()));
        return http;
    }
}
