package io.imagegate.gateway;

import java.nio.file.Path;
import java.time.Duration;

/**
 * HTTPS of a gateway: the PEM certificate chain and key (re-read when they change), and where TLS
 * is spoken. Without {@code httpsPort} the S3 port speaks HTTPS only; with it, HTTPS is on that port
 * and plain HTTP stays on the S3 port, where {@code tlsOnly} leaves nothing but the unsigned health
 * and metrics endpoints (every S3 request there is refused with 403 AccessDenied).
 *
 * @param httpsPort   the HTTPS port beside plain HTTP, or {@link #ON_S3_PORT}; 0 picks a free port
 * @param reloadCheck how often the two files are looked at for a renewal
 */
public record HttpsConfig(Path certificate, Path privateKey, int httpsPort, boolean tlsOnly, Duration reloadCheck) {

    /** {@code httpsPort} when the S3 port itself speaks HTTPS. */
    public static final int ON_S3_PORT = -1;
    public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(10);

    /** Plain HTTP only. */
    public static final HttpsConfig OFF = new HttpsConfig(null, null, ON_S3_PORT, false, DEFAULT_RELOAD_CHECK);

    public HttpsConfig {
        if ((certificate == null) != (privateKey == null)) {
            throw new IllegalArgumentException("HTTPS needs both a certificate file and a key file (--tls-cert and --tls-key)");
        }
        if (certificate == null && (httpsPort != ON_S3_PORT || tlsOnly)) {
            throw new IllegalArgumentException("--https-port and --tls-only need --tls-cert and --tls-key");
        }
        if (reloadCheck == null || reloadCheck.isNegative() || reloadCheck.isZero()) {
            throw new IllegalArgumentException("the certificate reload check interval must be positive");
        }
    }

    /** HTTPS on the S3 port, with the default reload check. */
    public static HttpsConfig onS3Port(Path certificate, Path privateKey) {
        return new HttpsConfig(certificate, privateKey, ON_S3_PORT, false, DEFAULT_RELOAD_CHECK);
    }

    public boolean enabled() {
        return certificate != null;
    }

    /** True when plain HTTP is served too (on the S3 port, with HTTPS on {@link #httpsPort()}). */
    public boolean plainListener() {
        return !enabled() || httpsPort != ON_S3_PORT;
    }

    public HttpsConfig withHttpsPort(int port) {
        return new HttpsConfig(certificate, privateKey, port, tlsOnly, reloadCheck);
    }

    public HttpsConfig withTlsOnly(boolean value) {
        return new HttpsConfig(certificate, privateKey, httpsPort, value, reloadCheck);
    }

    public HttpsConfig withReloadCheck(Duration interval) {
        return new HttpsConfig(certificate, privateKey, httpsPort, tlsOnly, interval);
    }
}
