package io.imagegate.gateway;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.EmbeddedZooKeeper;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One whole gateway: ZooKeeper (embedded under the data directory, or an ensemble), the chunk
 * store, the root user, and the S3 endpoint. {@code serve} runs one; tests start them in-process.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /**
     * How to start a gateway.
     *
     * @param zookeeper an ensemble's connect string, or null for an embedded server under dataDir
     * @param root      the root key pair, or null to take it from the environment or dataDir
     */
    public record Options(Path dataDir, String zookeeper, int zookeeperPort, GatewayConfig http, RootCredentials root,
                          ChunkStoreOptions chunks) {

        public static Options defaults(Path dataDir) {
            return new Options(dataDir, null, 0, GatewayConfig.defaults(), null, ChunkStoreOptions.local());
        }

        public Options withZooKeeper(String connect) {
            return new Options(dataDir, connect, zookeeperPort, http, root, chunks);
        }

        public Options withPort(int port) {
            return new Options(dataDir, zookeeper, zookeeperPort, http.withPort(port), root, chunks);
        }

        public Options withHttp(GatewayConfig config) {
            return new Options(dataDir, zookeeper, zookeeperPort, config, root, chunks);
        }

        public Options withChunks(ChunkStoreOptions store) {
            return new Options(dataDir, zookeeper, zookeeperPort, http, root, store);
        }

        public Options withRootCredentials(String accessKey, String secretKey) {
            return new Options(dataDir, zookeeper, zookeeperPort, http,
                    new RootCredentials(accessKey, secretKey, "options", false), chunks);
        }
    }

    private final EmbeddedZooKeeper embedded;
    private final MetadataStore meta;
    private final ChunkRepository chunks;
    private final GatewayServer server;
    private final RootCredentials root;
    private final MetricsChunkStore store;
    private final String storeDescription;

    private Gateway(EmbeddedZooKeeper embedded, MetadataStore meta, ChunkRepository chunks, MetricsChunkStore store,
                    String storeDescription, GatewayServer server, RootCredentials root) {
        this.embedded = embedded;
        this.meta = meta;
        this.chunks = chunks;
        this.store = store;
        this.storeDescription = storeDescription;
        this.server = server;
        this.root = root;
    }

    public static Gateway start(Options options) throws IOException {
        Path dir = options.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dir);
        RootCredentials root = options.root() != null ? options.root() : RootCredentials.resolve(dir, System.getenv());
        EmbeddedZooKeeper embedded = null;
        MetadataStore meta = null;
        ChunkRepository chunks = null;
        MetricsChunkStore store = null;
        try {
            String connect = options.zookeeper();
            if (connect == null) {
                embedded = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), options.zookeeperPort());
                connect = embedded.connectString();
            }
            meta = ZkMetadataStore.connect(connect);
            ensureRootUser(meta, root);
            ChunkStoreOptions.Opened opened = options.chunks().open(dir);
            store = opened.store();
            chunks = new DefaultChunkRepository(store);
            Clock clock = Clock.systemUTC();
            Stores stores = new Stores(meta, chunks, clock, options.http());
            SigV4Config sig = SigV4Config.defaults().withRegion(options.http().region(), true);
            GatewayMetrics metrics = new GatewayMetrics(store);
            ManagementEndpoints management = new ManagementEndpoints(meta, opened.probe(), metrics);
            GatewayServer server = GatewayServer.start(stores, new SignatureAuthenticator(meta, clock, sig,
                    new io.imagegate.gateway.api.RequestParser(options.http().domains())), metrics, management);
            log.info("gateway started endpoint={} zookeeper={} chunks={}", server.endpoint(), connect,
                    options.chunks().describe(dir));
            return new Gateway(embedded, meta, chunks, store, options.chunks().describe(dir), server, root);
        } catch (IOException | RuntimeException e) {
            closeQuietly(chunks != null ? chunks : store);
            closeQuietly(meta);
            closeQuietly(embedded);
            throw e;
        }
    }

    /** The root user exists with the configured keys; keys changed in the environment replace the old ones. */
    private static void ensureRootUser(MetadataStore meta, RootCredentials root) {
        Optional<UserRecord> byKey = meta.userByAccessKey(root.accessKey());
        if (byKey.isPresent() && !byKey.get().name().equals(RootCredentials.ROOT_USER)) {
            throw new IllegalStateException("the root access key " + root.accessKey() + " already belongs to user "
                    + byKey.get().name());
        }
        if (byKey.isPresent() && byKey.get().secretKey().equals(root.secretKey()) && byKey.get().admin()) {
            return;
        }
        try {
            meta.deleteUser(RootCredentials.ROOT_USER);
        } catch (MetadataException.NoSuchUser e) {
            // first start
        }
        try {
            meta.createUser(new UserRecord(RootCredentials.ROOT_USER, root.accessKey(), root.secretKey(),
                    java.time.Instant.now(), true));
        } catch (MetadataException.UserExists e) {
            // another gateway on the same ensemble created it at the same moment
        }
    }

    public URI endpoint() {
        return server.endpoint();
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
