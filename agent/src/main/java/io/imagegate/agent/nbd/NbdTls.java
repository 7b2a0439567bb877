package io.imagegate.agent.nbd;

import java.util.Locale;
import javax.net.ssl.SSLContext;

/**
 * TLS of one NBD listener, as qemu-nbd and nbdkit name it: {@code off} (NBD_OPT_STARTTLS is
 * unsupported), {@code on} (offered; clients may stay in clear), {@code require} (every option but
 * STARTTLS and ABORT is refused with NBD_REP_ERR_TLS_REQD until TLS is up). Clients use {@code nbds://}.
 *
 * @param context the server context (its certificate may be reloaded underneath); null when off
 */
public record NbdTls(Mode mode, SSLContext context) {

    public enum Mode {
        OFF, ON, REQUIRE;

        public static Mode parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tls takes off, on or require, not " + value);
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final NbdTls OFF = new NbdTls(Mode.OFF, null);

    public NbdTls {
        if (mode != Mode.OFF && context == null) {
            throw new IllegalArgumentException("NBD TLS " + mode + " needs a certificate");
        }
    }

    public boolean offered() {
        return mode != Mode.OFF;
    }
}
