package io.imagegate.agent.daemon;

import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.FetchLimits;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.nbd.NbdServer;
import io.imagegate.agent.nbd.NbdTls;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.Manifest;
import io.imagegate.agent.remote.ObjectHead;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.Retries;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import io.imagegate.tls.CaBundle;
import io.imagegate.tls.ServerCertificate;
import io.imagegate.tls.TlsFileException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent process: the node cache, every attachment, the NBD listeners they are served on, and
 * the control socket through which the commands reach it. Attachments left on disk by an earlier
 * process are served again at start.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    private static final Pattern EXPORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    public static final String DEFAULT_LISTEN = "127.0.0.1:10809";

    private final AgentConfig config;
    private final NodeCache cache;
    private final FetchLimits limits;
    private final Map<String, Attachment> attachments = new ConcurrentHashMap<>();
    private final Map<String, String> dormant = new ConcurrentHashMap<>();
    private final Map<String, NbdServer> listeners = new LinkedHashMap<>();
    private ControlServer control;
    private MetricsServer metrics;
    /** What TLS listeners present; null without --tls-cert. */
    private final ServerCertificate nbdCertificate;

    private Agent(AgentConfig config, NodeCache cache, ServerCertificate nbdCertificate) {
        this.config = config;
        this.cache = cache;
        this.nbdCertificate = nbdCertificate;
        this.limits = new FetchLimits(config.parallelFetches(), config.maxRunBytes(), config.readAheadBytes(),
                config.retry());
    }

    /** Opens the cache, serves the attachments found on disk, and starts the control socket and metrics. */
    public static Agent start(AgentConfig config) throws IOException {
        return start(config, NbdTlsFiles.NONE);
    }

    /**
     * As {@link #start(AgentConfig)}, with a certificate for NBD TLS; a certificate or key file that
     * cannot be used fails the start with a {@link io.imagegate.tls.TlsFileException} naming it.
     */
    public static Agent start(AgentConfig config, NbdTlsFiles tls) throws IOException {
        ServerCertificate certificate = tls.present() ? ServerCertificate.load(tls.certificate(), tls.key()) : null;
        try {
            Agent agent = start(config, certificate);
            if (certificate != null) {
                certificate.watch(tls.reloadCheck());
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            if (certificate != null) {
                certificate.close();
            }
            throw e;
        }
    }

    private static Agent start(AgentConfig config, ServerCertificate nbdCertificate) throws IOException {
        int grid = config.plainChunkSize();
        if (Integer.bitCount(grid) != 1 || grid < 4096 || grid > 4 << 20) {
            throw new IllegalArgumentException("the plain-S3 chunk size must be a power of two from 4 KiB to 4 MiB, not "
                    + grid);
        }
        Files.createDirectories(config.dataDir().resolve("exports"));
        NodeCache cache = NodeCache.open(config.cacheDir(), config.cacheMaxBytes());
        Agent agent = new Agent(config, cache, nbdCertificate);
        try {
            agent.restore();
            if (config.controlSocket() != null) {
                agent.control = ControlServer.start(config.controlSocket(), agent);
            }
            if (config.metrics() != null) {
                agent.metrics = MetricsServer.start(config.metrics(), agent);
            }
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /** What to do when a client sends "shutdown" (the run command exits the process). */
    public void onShutdown(Runnable r) {
        if (control != null) {
            control.onShutdown(r);
        }
    }

    /** The port of the Prometheus endpoint, or -1 without one. */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    public AgentConfig config() {
        return config;
    }

    public NodeCache cache() {
        return cache;
    }

    private Path exportDir(String name) {
        return config.dataDir().resolve("exports").resolve(name);
    }

    private void restore() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(config.dataDir().resolve("exports"))) {
            for (Path dir : dirs) {
                if (!Files.exists(dir.resolve(AttachmentRecord.FILE))) {
                    continue;
                }
                String name = dir.getFileName().toString();
                try {
                    AttachmentRecord r = AttachmentRecord.read(dir);
                    S3Endpoint ep = new S3Endpoint(r.endpoint() == null ? null : URI.create(r.endpoint()), r.region(),
                            null, null, null, r.caBundle() == null ? null : Path.of(r.caBundle()));
                    S3Access s3 = access(ep);
                    Attachment a;
                    try {
                        a = Attachment.reopen(dir, r, s3, cache, limits, config);
                    } catch (IOException | RuntimeException e) {
                        s3.close();
                        throw e;
                    }
                    serve(a, r.listen(), r.socket(), r.tls());
                    attachments.put(name, a);
                    a.resumeHydration();
                    log.info("attachment restored export={} object=s3://{}/{} version={} url={}", name, r.bucket(),
                            r.key(), r.versionId(), a.url());
                } catch (IOException | RuntimeException e) {
                    dormant.put(name, e.getMessage() == null ? e.toString() : e.getMessage());
                    log.warn("attachment not restored (attach it again to resume) export={} error={}", name,
                            e.getMessage());
                }
            }
        }
    }

    private S3Access access(S3Endpoint ep) {
        return new S3Access(ep, config.parallelFetches() + 4, config.requestTimeout());
    }

    // ---- attach

    public AttachResult attach(AttachRequest req) throws AgentException {
        ObjectRef wanted;
        try {
            wanted = ObjectRef.parse(req.object());
        } catch (IllegalArgumentException e) {
            throw new AgentException(e.getMessage());
        }
        String name = req.export() != null ? req.export() : defaultName(wanted.key());
        if (!EXPORT_NAME.matcher(name).matches()) {
            throw new AgentException("export names are 1-128 of [A-Za-z0-9._-], not '" + name + "'");
        }
        synchronized (this) {
            Attachment existing = attachments.get(name);
            if (existing != null) {
                throw new AgentException("export " + name + " is already attached (" + existing.record().bucket() + "/"
                        + existing.record().key() + "); choose another --export");
            }
            if (Files.exists(exportDir(name).resolve(AttachmentRecord.FILE))) {
                return resume(name, req, wanted);
            }
            return attachNew(name, req, wanted);
        }
    }

    private static String defaultName(String key) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        String clean = last.replaceAll("[^A-Za-z0-9._-]", "_");
        if (clean.isEmpty() || !Character.isLetterOrDigit(clean.charAt(0))) {
            clean = "x" + clean;
        }
        return clean.length() > 128 ? clean.substring(0, 128) : clean;
    }

    private S3Endpoint endpoint(AttachRequest req) throws AgentException {
        URI uri = null;
        if (req.endpoint() != null && !req.endpoint().isBlank()) {
            try {
                uri = URI.create(req.endpoint());
            } catch (IllegalArgumentException e) {
                throw new AgentException("not an endpoint URL: " + req.endpoint());
            }
        }
        String region = req.region() != null ? req.region()
                : System.getenv().getOrDefault("AWS_REGION", System.getenv().getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        Path caBundle = null;
        if (req.caBundle() != null) {
            caBundle = Path.of(req.caBundle());
            try {
                CaBundle.load(caBundle);
            } catch (TlsFileException e) {
                throw new AgentException("--ca-bundle " + e.getMessage());
            }
        }
        return new S3Endpoint(uri, region, req.accessKey(), req.secretKey(), req.sessionToken(), caBundle);
    }

    private AttachResult attachNew(String name, AttachRequest req, ObjectRef wanted) throws AgentException {
        S3Endpoint ep = endpoint(req);
        S3Access s3 = access(ep);
        Path dir = exportDir(name);
        Attachment a = null;
        try {
            ImageVersion v = resolve(s3, wanted, req.mode());
            AttachmentRecord r = new AttachmentRecord(AttachmentRecord.FORMAT, name, v.ref().bucket(), v.ref().key(),
                    v.ref().versionId(), v.etag(), v.size(), v.mode(), v.gridSize(),
                    ep.endpoint() == null ? null : ep.endpoint().toString(), ep.region(),
                    req.socket() == null ? (req.listen() == null ? DEFAULT_LISTEN : req.listen()) : null, req.socket(),
                    req.readOnly(), req.profile(), List.of(0L), 1, List.of(),
                    ep.caBundle() == null ? null : ep.caBundle().toString(), req.tls() == null ? "auto" : req.tls(),
                    req.hydrateRate());
            a = Attachment.create(dir, r, s3, cache, limits, config, v);
            serve(a, r.listen(), r.socket(), r.tls());
            attachments.put(name, a);
            a.startProfile(req.profile());
            a.resumeHydration();
            log.info("attached export={} object={} version={} mode={} size={} url={}", name, v.ref().withVersion(null),
                    v.ref().versionId(), v.mode(), v.size(), a.url());
            return new AttachResult(name, a.url(), v.ref().withVersion(null).toString(), v.ref().versionId(), v.etag(),
                    v.size(), v.mode(), false);
        } catch (IOException | RuntimeException e) {
            if (a != null) {
                attachments.remove(name);
                if (a.server() != null) {
                    a.server().removeExport(name);
                }
                try {
                    a.destroy();
                } catch (IOException ignored) {
                    // best effort
                }
            } else {
                s3.close();
                deleteTree(dir);
            }
            throw new AgentException("cannot attach " + wanted + ": " + e.getMessage(), e);
        }
    }

    private AttachResult resume(String name, AttachRequest req, ObjectRef wanted) throws AgentException {
        Path dir = exportDir(name);
        AttachmentRecord r;
        try {
            r = AttachmentRecord.read(dir);
        } catch (IOException e) {
            throw new AgentException("export " + name + " has an unreadable record " + dir + ": " + e.getMessage(), e);
        }
        if (!r.bucket().equals(wanted.bucket()) || !r.key().equals(wanted.key())) {
            throw new AgentException("export " + name + " has an overlay of s3://" + r.bucket() + "/" + r.key()
                    + " on disk; choose another --export, or detach " + name + " --discard first");
        }
        S3Access s3 = access(endpoint(req));
        try {
            Attachment a = Attachment.reopen(dir, r, s3, cache, limits, config);
            serve(a, r.listen(), r.socket(), r.tls());
            attachments.put(name, a);
            dormant.remove(name);
            if (req.hydrateRate() != null) {
                a.hydrate(req.hydrateRate());
            } else {
                a.resumeHydration();
            }
            ImageVersion v = a.disk().base().version();
            log.info("attachment resumed export={} object={} version={} dirtyBytes={}", name, v.ref().withVersion(null),
                    v.ref().versionId(), a.disk().dirtyBytes());
            return new AttachResult(name, a.url(), v.ref().withVersion(null).toString(), v.ref().versionId(), v.etag(),
                    v.size(), v.mode(), true);
        } catch (IOException | RuntimeException e) {
            s3.close();
            throw new AgentException("cannot resume " + name + ": " + e.getMessage(), e);
        }
    }

    /** Pins the version (HEAD) and finds out whether the store offers manifests. */
    private ImageVersion resolve(S3Access s3, ObjectRef wanted, String mode) throws IOException {
        ObjectHead head = Retries.run(config.retry(), () -> s3.head(wanted), () -> {});
        ObjectRef pinned = wanted.withVersion(head.versionId() != null ? head.versionId() : wanted.versionId());
        String m = mode == null ? "auto" : mode;
        if (!m.equals("plain")) {
            Optional<Manifest> manifest = Retries.run(config.retry(), () -> new ExtensionClient(s3).probe(pinned),
                    () -> {});
            if (manifest.isPresent()) {
                Manifest mf = manifest.get();
                if (mf.size() != head.size()) {
                    throw new IOException("the manifest says " + mf.size() + " bytes, HEAD says " + head.size());
                }
                return new ImageVersion.Chunked(pinned, mf);
            }
            if (m.equals("manifest")) {
                throw new IOException(s3.endpoint().identity() + " does not offer imagegate's ?manifest extension");
            }
        }
        return new ImageVersion.Plain(s3.endpoint().identity(), pinned, head.etag(), head.size(), config.plainChunkSize());
    }

    /** Adds the attachment's export to the listener for its address, starting the listener if needed. */
    private synchronized void serve(Attachment a, String listen, String socket, String tls) throws IOException {
        String key = socket != null ? "unix:" + Path.of(socket).toAbsolutePath() : "tcp:" + listen;
        NbdServer s = key.endsWith(":0") ? null : listeners.get(key);
        NbdTls.Mode mode = tlsMode(tls, socket, listen);
        if (s != null && s.tls().mode() != mode) {
            throw new IOException("the NBD listener on " + (socket != null ? socket : listen) + " already serves with --tls "
                    + s.tls().mode() + ", not " + mode + "; listen elsewhere or attach with --tls " + s.tls().mode());
        }
        if (s == null) {
            if (socket != null) {
                s = NbdServer.unix(Path.of(socket));
            } else {
                int colon = listen.lastIndexOf(':');
                if (colon <= 0) {
                    throw new IOException("--listen takes HOST:PORT, not " + listen);
                }
                s = NbdServer.tcp(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)),
                        mode == NbdTls.Mode.OFF ? NbdTls.OFF : new NbdTls(mode, nbdCertificate.sslContext()));
            }
            listeners.put(key.endsWith(":0") ? key + "#" + a.name() : key, s);
        }
        s.addExport(a.export());
        a.servedBy(s, url(s, a.name()));
    }

    private static String url(NbdServer s, String name) {
        if (s.address() instanceof UnixDomainSocketAddress u) {
            return "nbd+unix:///" + name + "?socket=" + u.getPath();
        }
        InetSocketAddress in = (InetSocketAddress) s.address();
        return (s.tls().offered() ? "nbds://" : "nbd://") + in.getHostString() + ":" + in.getPort() + "/" + name;
    }

    /**
     * The TLS of a listener, as qemu-nbd and nbdkit mean {@code --tls}: {@code auto} (the default)
     * requires TLS on an address other than loopback, offers it on loopback when the agent has a
     * certificate, and leaves unix sockets in clear.
     */
    private NbdTls.Mode tlsMode(String requested, String socket, String listen) throws IOException {
        String r = requested == null ? "auto" : requested;
        if (socket != null) {
            if (!r.equals("auto") && !r.equals("off")) {
                throw new IOException("NBD TLS is offered on TCP listeners only, not on the unix socket " + socket);
            }
            return NbdTls.Mode.OFF;
        }
        NbdTls.Mode mode;
        if (r.equals("auto")) {
            mode = !loopback(listen) ? NbdTls.Mode.REQUIRE : nbdCertificate != null ? NbdTls.Mode.ON : NbdTls.Mode.OFF;
        } else {
            try {
                mode = NbdTls.Mode.parse(r);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage());
            }
        }
        if (mode != NbdTls.Mode.OFF && nbdCertificate == null) {
            throw new IOException("serving NBD on " + listen + (r.equals("auto") ? ", which is not a loopback address," : "")
                    + " needs TLS: start the agent with --tls-cert FILE --tls-key FILE"
                    + (r.equals("auto") ? ", or attach with --tls off to serve the image in clear" : ""));
        }
        return mode;
    }

    private static boolean loopback(String listen) throws IOException {
        String host = listen.substring(0, Math.max(0, listen.lastIndexOf(':'))).replaceAll("^\\[|\\]$", "");
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IOException("--listen names an unknown host: " + listen);
        }
    }

    // ---- the other commands

    /**
     * Starts fetching the whole version of an export in the background at {@code rate} bytes a
     * second (replacing a hydration already running), or stops it ({@code rate} null).
     */
    public ExportStatus hydrate(String name, Long rate) throws AgentException {
        Attachment a = attachment(name);
        try {
            a.hydrate(rate);
        } catch (IOException e) {
            throw new AgentException("cannot record the hydration of " + name + ": " + e.getMessage(), e);
        }
        return a.status();
    }

    public SnapshotResult snapshot(String name, boolean wait) throws AgentException {
        return attachment(name).snapshot(wait);
    }

    /** Ends an attachment: its export disappears and its overlay is deleted (refused while it holds writes). */
    public void detach(String name, boolean discard) throws AgentException {
        Attachment a;
        synchronized (this) {
            a = attachments.get(name);
            if (a == null) {
                if (Files.exists(exportDir(name).resolve(AttachmentRecord.FILE)) && discard) {
                    deleteTree(exportDir(name));
                    dormant.remove(name);
                    return;
                }
                throw new AgentException("no export named " + name);
            }
            if (a.snapshotRunning()) {
                throw new AgentException("a snapshot of " + name + " is running; wait for it (status) and detach again");
            }
            long dirty = a.disk().dirtyBytes();
            if (dirty > 0 && !discard) {
                throw new AgentException("export " + name + " holds " + dirty + " bytes of writes no version has; "
                        + "snapshot it first, or detach with --discard");
            }
            attachments.remove(name);
            NbdServer s = a.server();
            if (s != null) {
                s.removeExport(name);
                if (!s.hasExports()) {
                    s.close();
                    listeners.values().remove(s);
                }
            }
        }
        a.saveProfile();
        try {
            a.destroy();
        } catch (IOException e) {
            throw new AgentException("export " + name + " detached, but its files were not all removed: "
                    + e.getMessage(), e);
        }
        log.info("detached export={}", name);
    }

    private Attachment attachment(String name) throws AgentException {
        Attachment a = attachments.get(name);
        if (a == null) {
            throw new AgentException("no export named " + name + (attachments.isEmpty() ? ""
                    : " (exports: " + String.join(", ", attachments.keySet().stream().sorted().toList()) + ")"));
        }
        return a;
    }

    public AgentStatus status() {
        List<ExportStatus> exports = new ArrayList<>();
        attachments.values().stream().sorted(Comparator.comparing(Attachment::name))
                .forEach(a -> exports.add(a.status()));
        return new AgentStatus(ProcessHandle.current().pid(),
                config.controlSocket() == null ? null : config.controlSocket().toString(), config.dataDir().toString(),
                cache.stats(), exports, dormant.keySet().stream().sorted().toList());
    }

    /** The attachment's internals, for tests in this module. */
    Attachment attachmentForTest(String name) throws AgentException {
        return attachment(name);
    }

    /** Waits until a background prefetch of {@code name} has ended (tests and benchmarks). */
    public void awaitPrefetch(String name) throws AgentException, InterruptedException {
        var p = attachment(name).prefetcher();
        if (p != null) {
            p.await();
        }
    }

    /** Ends recording now and stores the boot profile (instead of waiting for the window). */
    public void saveProfile(String name) throws AgentException {
        attachment(name).saveProfile();
    }

    @Override
    public synchronized void close() {
        if (control != null) {
            control.close();
        }
        if (nbdCertificate != null) {
            nbdCertificate.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        listeners.values().forEach(NbdServer::close);
        listeners.clear();
        attachments.values().forEach(Attachment::close);
        attachments.clear();
        cache.close();
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
