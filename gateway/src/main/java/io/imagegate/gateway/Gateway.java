package io.imagegate.gateway;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.gc.GarbageCollection;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.gateway.gc.StorageGauges;
import io.imagegate.gateway.gc.StorageReports;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.lifecycle.LifecycleMetrics;
import io.imagegate.gateway.lifecycle.LifecycleRunner;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.EmbeddedZooKeeper;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkAuth;
import io.imagegate.meta.ZkMetadataStore;
import io.imagegate.meta.ZkStoreConfig;
import io.imagegate.tls.ServerCertificate;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One whole gateway: ZooKeeper (embedded under the data directory, or an ensemble), the chunk
 * store, the root user, and the S3 endpoint. {@code serve} runs one; tests start them in-process.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** How long bucket configuration read by this gateway is trusted (see {@link BucketCache}). */
    static final Duration BUCKET_CACHE_TTL = Duration.ofSeconds(1);

    /** The whole-gateway storage report is recomputed (walking every manifest) at most this often for /metrics. */
    private static final Duration STORAGE_REPORT_MAX_AGE = Duration.ofMinutes(15);
    /** Key records the embedded default keeps in memory (a few KB each): the hot images' versions. */
    private static final int READ_CACHE_ENTRIES = 4096;

    /**
     * How to start a gateway.
     *
     * @param zookeeper an ensemble's connect string, or null for an embedded server under dataDir
     * @param root      the root key pair, or null to take it from the environment or dataDir
     */
    public record Options(Path dataDir, String zookeeper, int zookeeperPort, GatewayConfig http, RootCredentials root,
                          ChunkStoreOptions chunks, GcOptions gc, ZkAuth zookeeperAuth) {

        public Options(Path dataDir, String zookeeper, int zookeeperPort, GatewayConfig http, RootCredentials root,
                       ChunkStoreOptions chunks) {
            this(dataDir, zookeeper, zookeeperPort, http, root, chunks, GcOptions.defaults(), null);
        }

        public static Options defaults(Path dataDir) {
            return new Options(dataDir, null, 0, GatewayConfig.defaults(), null, ChunkStoreOptions.local());
        }

        public Options withGc(GcOptions value) {
            return new Options(dataDir, zookeeper, zookeeperPort, http, root, chunks, value, zookeeperAuth);
        }

        public Options withZooKeeper(String connect) {
            return new Options(dataDir, connect, zookeeperPort, http, root, chunks, gc, zookeeperAuth);
        }

        /** The ZooKeeper identity that owns the metadata (null: none); see {@link ZkAuth}. */
        public Options withZooKeeperAuth(ZkAuth value) {
            return new Options(dataDir, zookeeper, zookeeperPort, http, root, chunks, gc, value);
        }

        public Options withPort(int port) {
            return new Options(dataDir, zookeeper, zookeeperPort, http.withPort(port), root, chunks, gc, zookeeperAuth);
        }

        public Options withHttp(GatewayConfig config) {
            return new Options(dataDir, zookeeper, zookeeperPort, config, root, chunks, gc, zookeeperAuth);
        }

        public Options withChunks(ChunkStoreOptions store) {
            return new Options(dataDir, zookeeper, zookeeperPort, http, root, store, gc, zookeeperAuth);
        }

        public Options withRootCredentials(String accessKey, String secretKey) {
            return new Options(dataDir, zookeeper, zookeeperPort, http,
                    new RootCredentials(accessKey, secretKey, "options", false), chunks, gc, zookeeperAuth);
        }
    }

    /**
     * Ways to make a gateway's parts misbehave, for tests and the chaos benchmark only: a decorator
     * of the chunk store (e.g. {@link io.imagegate.chunk.FaultInjectingChunkStore}) and how the
     * metadata store connects (e.g. {@link io.imagegate.meta.ReplyLoss}). {@code serve} passes
     * {@link #NONE} unless its hidden bench flag asks for chunk-store faults.
     */
    public record Faults(UnaryOperator<ChunkStore> chunkStore, BiFunction<String, ZkStoreConfig, ZkMetadataStore> metadata) {
        public static final Faults NONE = new Faults(UnaryOperator.identity(), ZkMetadataStore::connect);

        public Faults withChunkStore(UnaryOperator<ChunkStore> value) {
            return new Faults(value, metadata);
        }

        public Faults withMetadata(BiFunction<String, ZkStoreConfig, ZkMetadataStore> value) {
            return new Faults(chunkStore, value);
        }
    }

    private final EmbeddedZooKeeper embedded;
    private final MetadataStore meta;
    private final ChunkRepository chunks;
    private final GatewayServer server;
    private final RootCredentials root;
    private final MetricsChunkStore store;
    private final String storeDescription;
    private final GarbageCollection gc;
    private final StorageReports reports;
    private final ServerCertificate certificate;

    private Gateway(EmbeddedZooKeeper embedded, MetadataStore meta, ChunkRepository chunks, MetricsChunkStore store,
                    String storeDescription, GatewayServer server, RootCredentials root, GarbageCollection gc,
                    StorageReports reports, ServerCertificate certificate) {
        this.certificate = certificate;
        this.gc = gc;
        this.reports = reports;
        this.embedded = embedded;
        this.meta = meta;
        this.chunks = chunks;
        this.store = store;
        this.storeDescription = storeDescription;
        this.server = server;
        this.root = root;
    }

    /**
     * Starts a gateway. A certificate or key file that cannot be used fails the start before anything
     * else, with a {@link io.imagegate.tls.TlsFileException} naming the file.
     */
    public static Gateway start(Options options) throws IOException {
        return start(options, Faults.NONE);
    }

    /** As {@link #start(Options)}, with parts that misbehave as {@code faults} say: for tests and benchmarks. */
    public static Gateway start(Options options, Faults faults) throws IOException {
        HttpsConfig https = options.http().https();
        ServerCertificate certificate = https.enabled() ? ServerCertificate.load(https.certificate(), https.privateKey()) : null;
        try {
            return start(options, faults, certificate);
        } catch (IOException | RuntimeException e) {
            closeQuietly(certificate);
            throw e;
        }
    }

    private static Gateway start(Options options, Faults faults, ServerCertificate certificate) throws IOException {
        Path dir = options.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dir);
        RootCredentials root = options.root() != null ? options.root() : RootCredentials.resolve(dir, System.getenv());
        EmbeddedZooKeeper embedded = null;
        MetadataStore meta = null;
        ChunkRepository chunks = null;
        MetricsChunkStore store = null;
        GarbageCollection gc = null;
        StorageReports reports = null;
        try {
            String connect = options.zookeeper();
            if (connect == null) {
                embedded = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), options.zookeeperPort());
                connect = embedded.connectString();
            }
            // a standalone (embedded) server has no followers: every read already sees every commit,
            // so the sync before each read that an ensemble needs is skipped; and this gateway is the
            // only writer of its metadata, so GET and HEAD may serve key records from memory
            ZkMetadataStore zkMeta = faults.metadata().apply(connect, ZkStoreConfig.defaults()
                    .withSyncReads(embedded == null).withReadCacheEntries(embedded != null ? READ_CACHE_ENTRIES : 0)
                    .withAuth(options.zookeeperAuth()));
            meta = zkMeta;
            ensureRootUser(meta, root);
            ChunkStoreOptions.Opened opened = options.chunks().open(dir);
            store = opened.store();
            chunks = new DefaultChunkRepository(faults.chunkStore().apply(store));
            Clock clock = Clock.systemUTC();
            // ---- garbage collection and storage reports (gc package): every gateway runs the periodic
            // collector, one at a time collects (ZooKeeper lock); the report is cached for /metrics
            DefaultChunkRepository repository = (DefaultChunkRepository) chunks;
            reports = new StorageReports(meta, repository, STORAGE_REPORT_MAX_AGE);
            LifecycleRunner lifecycle = new LifecycleRunner(zkMeta, clock);
            gc = new GarbageCollection(zkMeta, repository, options.gc()).withLifecycle(lifecycle)
                    .startPeriodic(options.gc());
            // ----
            Stores stores = new Stores(BucketCache.wrap(meta, BUCKET_CACHE_TTL), chunks, clock, options.http(), reports);
            // the credential scope must name this gateway's region, as S3 answers a wrong one with the right one
            SigV4Config sig = SigV4Config.defaults().withRegion(options.http().region(), false);
            GatewayMetrics metrics = new GatewayMetrics(store);
            StorageGauges.register(metrics, reports, gc);
            LifecycleMetrics.register(metrics, lifecycle.totals());
            if (certificate != null) {
                registerCertificateMetrics(metrics, certificate);
            }
            ManagementEndpoints management = new ManagementEndpoints(meta, opened.probe(), metrics,
                    options.http().publicBucketMetrics());
            GatewayServer server = GatewayServer.start(stores, new SignatureAuthenticator(meta, clock, sig,
                    new io.imagegate.gateway.api.RequestParser(options.http().domains())), metrics, management, certificate);
            if (certificate != null) {
                certificate.watch(options.http().https().reloadCheck());
                log.info("tls certificate loaded file={} {}", certificate.certificateFile(), certificate.current().describe());
            }
            log.info("gateway started endpoint={} plain={} zookeeper={} chunks={}", server.endpoint(),
                    server.plainEndpoint().map(URI::toString).orElse("-"), connect, options.chunks().describe(dir));
            return new Gateway(embedded, meta, chunks, store, options.chunks().describe(dir), server, root, gc, reports,
                    certificate);
        } catch (IOException | RuntimeException e) {
            closeQuietly(gc);
            closeQuietly(reports);
            closeQuietly(chunks != null ? chunks : store);
            closeQuietly(meta);
            closeQuietly(embedded);
            throw e;
        }
    }

    private static void registerCertificateMetrics(GatewayMetrics metrics, ServerCertificate certificate) {
        metrics.gauge("imagegate.tls.certificate.not.after.seconds",
                "expiry of the certificate new HTTPS handshakes present, seconds since the epoch", certificate,
                c -> c.current().leaf().getNotAfter().getTime() / 1000.0);
        metrics.gauge("imagegate.tls.reload.failures",
                "changes of the certificate files that failed to load (the certificate before each was kept)",
                certificate, ServerCertificate::failedReloads);
    }

    /**
     * The root user exists with the configured keys; keys changed in the environment replace the old
     * ones. A root with new keys keeps its canonical id, and with it what it owns.
     */
    private static void ensureRootUser(MetadataStore meta, RootCredentials root) {
        Optional<UserRecord> byKey = meta.userByAccessKey(root.accessKey());
        if (byKey.isPresent() && !byKey.get().name().equals(RootCredentials.ROOT_USER)) {
            throw new IllegalStateException("the root access key " + root.accessKey() + " already belongs to user "
                    + byKey.get().name());
        }
        if (byKey.isPresent() && byKey.get().secretKey().equals(root.secretKey()) && byKey.get().admin()) {
            return;
        }
        Optional<UserRecord> previous = meta.users().stream()
                .filter(u -> u.name().equals(RootCredentials.ROOT_USER)).findFirst();
        try {
            meta.deleteUser(RootCredentials.ROOT_USER);
        } catch (MetadataException.NoSuchUser e) {
            // first start
        }
        UserRecord fresh = new UserRecord(RootCredentials.ROOT_USER, root.accessKey(), root.secretKey(),
                java.time.Instant.now(), true, previous.map(UserRecord::canonicalId).orElse(null));
        try {
            meta.createUser(fresh);
        } catch (MetadataException.UserExists e) {
            // another gateway on the same ensemble created it at the same moment
        }
    }

    /** The S3 endpoint: https://... when a certificate is configured, else http://... */
    public URI endpoint() {
        return server.endpoint();
    }

    /** The plain HTTP endpoint, when one is served (always without TLS; beside HTTPS with an HTTPS port). */
    public Optional<URI> plainEndpoint() {
        return server.plainEndpoint();
    }

    /** The certificate HTTPS presents, when TLS is on. */
    public Optional<ServerCertificate> certificate() {
        return Optional.ofNullable(certificate);
    }

    public RootCredentials root() {
        return root;
    }

    public MetadataStore meta() {
        return meta;
    }

    public ChunkRepository chunks() {
        return chunks;
    }

    /** The chunk store's counters (reads, bytes, backend requests, cache hits). */
    public MetricsChunkStore chunkStore() {
        return store;
    }

    /** This gateway's garbage collection: run one now, or see the last one it ran. */
    public GarbageCollection garbageCollection() {
        return gc;
    }

    /** The storage report, as {@code GET /?storage-report} and {@code /metrics} see it. */
    public StorageReports storageReports() {
        return reports;
    }

    public String chunkStoreDescription() {
        return storeDescription;
    }

    /** The connect string of the embedded ZooKeeper, if this gateway runs one. */
    public Optional<String> embeddedZooKeeper() {
        return Optional.ofNullable(embedded).map(EmbeddedZooKeeper::connectString);
    }

    @Override
    public void close() {
        server.close();
        closeQuietly(certificate);
        closeQuietly(gc);
        closeQuietly(reports);
        closeQuietly(chunks);
        closeQuietly(meta);
        closeQuietly(embedded);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("while closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
