package io.imagegate.agent.daemon;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The certificate the agent's NBD listeners present when they speak TLS (PEM chain and key, as the
 * gateway's {@code --tls-cert}/{@code --tls-key}), read again when the files change.
 *
 * @param certificate null: no certificate, so no NBD TLS
 */
public record NbdTlsFiles(Path certificate, Path key, Duration reloadCheck) {

    public static final NbdTlsFiles NONE = new NbdTlsFiles(null, null, Duration.ofSeconds(10));

    public NbdTlsFiles {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("NBD TLS needs both --tls-cert and --tls-key");
        }
    }

    public static NbdTlsFiles of(Path certificate, Path key) {
        return new NbdTlsFiles(certificate, key, NONE.reloadCheck());
    }

    public boolean present() {
        return certificate != null;
    }
}
