package io.imagegate.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS server's certificate, read from a PEM chain file and a PEM key file and read again when
 * either changes (a renewal written in place, or the atomic symlink swap of a Kubernetes Secret
 * volume). One {@link SSLContext} serves for the server's whole life: new handshakes present the
 * newest good certificate, established connections keep the one they started with. A pair of files
 * that fails to load (half written, mismatched, unreadable) leaves the previous certificate in
 * place and is logged once, with the reason; the next change is tried again.
 *
 * <p>Sessions resumed from tickets issued before a renewal keep the identity they were established
 * with, as with any TLS server; every full handshake sees the new certificate.
 */
public final class ServerCertificate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerCertificate.class);

    /** What one look at the files found. */
    public sealed interface Reload {
        /** The files hold what is already in use. */
        record Unchanged() implements Reload {}

        /** New handshakes now present {@code now}. */
        record Reloaded(CertifiedKey now) implements Reload {}

        /** The files changed but could not be used; {@code kept} is still presented. */
        record Failed(String reason, CertifiedKey kept) implements Reload {}
    }

    private final Path certificateFile;
    private final Path keyFile;
    private final ReloadingKeyManager keyManager;
    private final SSLContext context;
    private final AtomicLong failedReloads = new AtomicLong();
    private volatile CertifiedKey current;
    /** The file contents in use. */
    private byte[] installedCertificate;
    private byte[] installedKey;
    /** What the last failed look failed on, so one bad pair (or one missing file) is reported once. */
    private String lastFailure;
    private ScheduledExecutorService watcher;

    private ServerCertificate(Path certificateFile, Path keyFile, byte[] certificate, byte[] key, CertifiedKey first)
            throws GeneralSecurityException {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.installedCertificate = certificate;
        this.installedKey = key;
        this.current = first;
        this.keyManager = new ReloadingKeyManager(first);
        this.context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keyManager}, null, null);
    }

    /**
     * Reads the two files; a file that is missing, unreadable, not PEM, or a key that does not
     * match the certificate is a {@link TlsFileException} naming that file.
     */
    public static ServerCertificate load(Path certificateFile, Path keyFile) throws TlsFileException {
        byte[] certificate = PemFiles.read(certificateFile);
        byte[] key = PemFiles.read(keyFile);
        CertifiedKey first = CertifiedKey.of(certificateFile, certificate, keyFile, key);
        warnIfOutsideValidity(first);
        try {
            return new ServerCertificate(certificateFile, keyFile, certificate, key, first);
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(certificateFile, "cannot serve TLS with this certificate and key: " + e.getMessage(), e);
        }
    }

    /** Looks at the files every {@code interval} from now on, in a daemon thread, until {@link #close()}. */
    public synchronized ServerCertificate watch(Duration interval) {
        if (watcher == null) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tls-reload " + certificateFile.getFileName());
                t.setDaemon(true);
                return t;
            });
            long millis = Math.max(1, interval.toMillis());
            watcher.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** The context servers make their engines and sockets from; it always presents the current certificate. */
    public SSLContext sslContext() {
        return context;
    }

    /** The certificate and key new handshakes present. */
    public CertifiedKey current() {
        return current;
    }

    public Path certificateFile() {
        return certificateFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** How many changes of the files could not be loaded (each kept the certificate before it). */
    public long failedReloads() {
        return failedReloads.get();
    }

    /** Reads the files now and, when they changed and load, presents the new certificate from the next handshake on. */
    public synchronized Reload check() {
        byte[] certificate;
        byte[] key;
        try {
            certificate = PemFiles.read(certificateFile);
            key = PemFiles.read(keyFile);
        } catch (TlsFileException e) {
            return failed(e.getMessage(), e.getMessage());
        }
        if (Arrays.equals(certificate, installedCertificate) && Arrays.equals(key, installedKey)) {
            lastFailure = null;
            return new Reload.Unchanged();
        }
        String contents = digest(certificate, key);
        try {
            CertifiedKey next = CertifiedKey.of(certificateFile, certificate, keyFile, key);
            keyManager.install(next);
            installedCertificate = certificate;
            installedKey = key;
            lastFailure = null;
            current = next;
            log.info("tls certificate reloaded file={} {}", certificateFile, next.describe());
            warnIfOutsideValidity(next);
            return new Reload.Reloaded(next);
        } catch (TlsFileException e) {
            return failed(contents, e.getMessage());
        } catch (GeneralSecurityException e) {
            return failed(contents, "cannot serve TLS with it: " + e.getMessage());
        }
    }

    /** Keeps the current certificate; logs and counts a failure once until the files change again. */
    private Reload failed(String what, String reason) {
        if (!what.equals(lastFailure)) {
            lastFailure = what;
            failedReloads.incrementAndGet();
            log.warn("tls certificate reload failed, keeping the certificate in use ({}): {}", current.describe(), reason);
        }
        return new Reload.Failed(reason, current);
    }

    private static String digest(byte[] certificate, byte[] key) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(certificate);
            sha.update((byte) 0);
            sha.update(key);
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void warnIfOutsideValidity(CertifiedKey key) {
        Instant now = Instant.now();
        if (key.leaf().getNotAfter().toInstant().isBefore(now)) {
            log.warn("tls certificate has expired: {}", key.describe());
        } else if (key.leaf().getNotBefore().toInstant().isAfter(now)) {
            log.warn("tls certificate is not valid yet (notBefore={}): {}", key.leaf().getNotBefore().toInstant(),
                    key.describe());
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
    }
}
