package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

class FailoverTest {

    private static BucketRecord bucket(String name) {
        return new BucketRecord(name, "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536, "r");
    }

    @Test
    void publishesSurviveLosingTheServerTheStoreIsConnectedTo() throws Exception {
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            ZkStoreConfig config = ZkStoreConfig.defaults().withOperationTimeout(Duration.ofSeconds(20))
                    .withSessionTimeout(Duration.ofSeconds(10));
            try (ZkMetadataStore store = ZkMetadataStore.connect(cluster.getConnectString(), config)) {
                store.createBucket(bucket("ha"));
                List<String> acked = new ArrayList<>();
                int unknown = 0;
                InstanceSpec connected = cluster.findConnectionInstance(
                        store.ctxForTests().zk.handle(Deadline.after(Duration.ofSeconds(5))));
                for (int i = 0; i < 60; i++) {
                    if (i == 20) {
                        assertTrue(cluster.killServer(connected));
                    }
                    try {
                        acked.add(store.publish("ha", ZkTestSupport.draft("disk.raw", "p" + i), WriteCondition.NONE)
                                .etag());
                    } catch (MetadataException.Unavailable e) {
                        unknown++;
                    }
                }
                List<String> listed = etags(store);
                assertTrue(new HashSet<>(listed).containsAll(acked), "an acknowledged publish was lost");
                assertEquals(listed.size(), new HashSet<>(listed).size(), "a publish was applied twice");
                assertTrue(listed.size() <= acked.size() + unknown);
                assertTrue(acked.size() >= 40, "acked " + acked.size());
            }
        }
    }

    @Test
    void withZooKeeperDownOperationsFailFastAsUnavailableAndRecover() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            ZkStoreConfig config = ZkStoreConfig.defaults().withOperationTimeout(Duration.ofSeconds(2))
                    .withConnectionTimeout(Duration.ofSeconds(1));
            try (ZkMetadataStore store = ZkMetadataStore.connect(server.getConnectString(), config)) {
                store.createBucket(bucket("down"));
                server.stop();
                assertThrows(MetadataException.Unavailable.class, () -> store.publish("down",
                        ZkTestSupport.draft("k", "e"), WriteCondition.NONE));
                assertThrows(MetadataException.Unavailable.class, () -> store.current("down", "k"));
                server.restart();
                VersionRecord v = store.publish("down", ZkTestSupport.draft("k", "e"), WriteCondition.NONE);
                assertEquals(v, store.current("down", "k").orElseThrow());
            }
        }
    }

    @Test
    void connectingToNothingFailsAsUnavailable() {
        ZkStoreConfig config = ZkStoreConfig.defaults().withOperationTimeout(Duration.ofSeconds(1))
                .withConnectionTimeout(Duration.ofMillis(500));
        assertThrows(MetadataException.Unavailable.class, () -> ZkMetadataStore.connect("127.0.0.1:1", config));
    }

    private static List<String> etags(ZkMetadataStore store) {
        List<String> out = new ArrayList<>();
        String km = null;
        String vm = null;
        while (true) {
            VersionListPage page = store.listVersions("ha", new VersionListQuery(null, null, km, vm, 25));
            page.versions().forEach(v -> out.add(v.version().etag()));
            if (!page.truncated()) {
                return out;
            }
            km = page.nextKeyMarker();
            vm = page.nextVersionIdMarker();
        }
    }

    static Set<String> set(List<String> l) {
        return new HashSet<>(l);
    }
}
