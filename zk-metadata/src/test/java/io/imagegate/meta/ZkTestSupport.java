package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** One real ZooKeeper (Curator's TestingServer) per test class, a fresh store and bucket per test. */
abstract class ZkTestSupport {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    static TestingServer server;

    protected ZkMetadataStore store;
    protected String bucket;
    protected final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void openStore() {
        store = newStore(config());
        bucket = "b" + BUCKETS.incrementAndGet();
    }

    @AfterEach
    void closeStores() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        closeables.clear();
    }

    /** Settings for this class's stores; small thresholds so tests exercise splits. */
    protected ZkStoreConfig config() {
        return ZkStoreConfig.defaults().withOperationTimeout(Duration.ofSeconds(20));
    }

    protected ZkMetadataStore newStore(ZkStoreConfig config) {
        ZkMetadataStore s = ZkMetadataStore.connect(server.getConnectString(), config);
        closeables.add(s);
        return s;
    }

    /** A store on a client the test owns, as the gateway may construct it. */
    protected ZkMetadataStore storeOnClient(ZkStoreConfig config) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(),
                new RetryNTimes(3, 100));
        client.start();
        closeables.add(client);
        ZkMetadataStore s = new ZkMetadataStore(client, config);
        closeables.add(s);
        return s;
    }

    /** A store, the ZooKeeper access the test interleaves with, and the client it runs on. */
    protected record Interleaved(ZkMetadataStore store, InterleavingZk zk, CuratorFramework client) {}

    /**
     * A store whose requests the test interleaves with other stores' writes (see {@link InterleavingZk}),
     * with {@code syncReads} off as in the embedded default, where a read that found nothing is not
     * repeated after a sync.
     */
    protected Interleaved interleaved() {
        return interleaved(config().withSyncReads(false));
    }

    protected Interleaved interleaved(ZkStoreConfig config) {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(),
                new RetryNTimes(3, 100));
        client.start();
        InterleavingZk[] zk = new InterleavingZk[1];
        ZkMetadataStore s = new ZkMetadataStore(client, config, true, c -> zk[0] = new InterleavingZk(c));
        closeables.add(s);
        return new Interleaved(s, zk[0], client);
    }

    protected BucketRecord createBucket(Versioning versioning) {
        return store.createBucket(new BucketRecord(bucket, "alice", null, CannedAcl.PRIVATE, versioning, 65536,
                "us-east-1"));
    }

    /** The test's bucket as the store has it now, incarnation included: what the gateway hands writes. */
    protected BucketRecord bucketRecord() {
        return store.bucket(bucket).orElseThrow();
    }

    static VersionDraft draft(String key, String etag) {
        return VersionDraft.builder(key).owner("alice").bytes(etag.length(), etag, "manifest-" + etag)
                .metadata(Map.of("content-type", "application/octet-stream"), Map.of()).build();
    }

    protected VersionRecord put(String key, String etag) {
        return store.publish(bucket, draft(key, etag), WriteCondition.NONE);
    }

    /** Every key ListObjects returns, page by page. */
    protected List<String> listAllKeys(MetadataStore s, String prefix, int pageSize) {
        List<String> keys = new ArrayList<>();
        String marker = null;
        while (true) {
            ListPage page = s.list(bucket, new ListQuery(prefix, null, marker, pageSize));
            page.contents().forEach(v -> keys.add(v.key()));
            if (!page.truncated()) {
                return keys;
            }
            marker = page.nextMarker();
        }
    }

    static Instant now() {
        return Instant.now();
    }
}
