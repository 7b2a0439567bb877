package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.junit.jupiter.api.Test;

/**
 * Writes whose multi is lost on the way (never applied) or whose reply is lost (applied, but the
 * store hears connection loss): either way the store must acknowledge a write only if it committed,
 * and never apply one twice.
 */
class LostReplyTest extends ZkTestSupport {

    /** Loses a third of all multis: half of those before sending, half after applying. */
    static final class LossyZk extends Zk {
        private final Random random = new Random(42);
        final AtomicInteger lost = new AtomicInteger();

        LossyZk(CuratorFramework client) {
            super(client);
        }

        @Override
        Outcome multi(Deadline d, List<Op> ops) {
            int dice;
            synchronized (random) {
                dice = random.nextInt(6);
            }
            if (dice == 0) {
                lost.incrementAndGet();
                return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
            }
            Outcome real = super.multi(d, ops);
            if (dice == 1) {
                lost.incrementAndGet();
                return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
            }
            return real;
        }
    }

    private ZkMetadataStore lossyStore() {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryNTimes(3, 50));
        client.start();
        return new ZkMetadataStore(client, config(), true, LossyZk::new);
    }

    @Test
    void publishesWithLostRepliesAreAcknowledgedOnlyIfCommittedAndNeverDoubled() throws Exception {
        createBucket(Versioning.ENABLED);
        try (ZkMetadataStore a = lossyStore(); ZkMetadataStore b = lossyStore()) {
            List<ZkMetadataStore> stores = List.of(a, b);
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<int[]>> futures = new ArrayList<>();
            List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 6; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    int unknown = 0;
                    for (int i = 0; i < 30; i++) {
                        String etag = "t" + thread + "-" + i;
                        try {
                            stores.get(thread % 2).publish(bucket, draft("k" + (i % 3), etag), WriteCondition.NONE);
                            acked.add(etag);
                        } catch (MetadataException.OutcomeUnknown | MetadataException.Unavailable e) {
                            unknown++;
                        }
                    }
                    return new int[] {unknown};
                }));
            }
            int unknown = 0;
            for (Future<int[]> f : futures) {
                unknown += f.get()[0];
            }
            pool.shutdown();
            List<String> listed = listedEtags();
            assertEquals(listed.size(), new HashSet<>(listed).size(), "a publish was applied twice");
            assertTrue(new HashSet<>(listed).containsAll(acked), "an acknowledged publish is missing");
            assertTrue(listed.size() <= acked.size() + unknown);
            assertTrue(acked.size() > 150, "fencing settles most lost replies: acked " + acked.size());
        }
    }

    @Test
    void deletesAndBucketChangesWithLostRepliesEndConsistent() throws Exception {
        createBucket(Versioning.ENABLED);
        try (ZkMetadataStore lossy = lossyStore()) {
            for (int i = 0; i < 60; i++) {
                String key = "k" + (i % 5);
                try {
                    if (i % 3 == 2) {
                        lossy.delete(bucket, key, null, WriteCondition.NONE);
                    } else {
                        lossy.publish(bucket, draft(key, "e" + i), WriteCondition.NONE);
                    }
                } catch (MetadataException.OutcomeUnknown | MetadataException.Unavailable e) {
                    // outcome unknown (or nothing changed): allowed
                }
            }
            for (VersionRecord v : allVersions()) {
                for (int attempt = 0; ; attempt++) {
                    try {
                        lossy.delete(bucket, v.key(), v.versionId(), WriteCondition.NONE);
                        break;
                    } catch (MetadataException.OutcomeUnknown | MetadataException.Unavailable e) {
                        assertTrue(attempt < 20);
                    }
                }
            }
            assertTrue(allVersions().isEmpty());
            store.deleteBucket(bucket);
        }
    }

    private List<VersionRecord> allVersions() {
        List<VersionRecord> out = new ArrayList<>();
        String km = null;
        String vm = null;
        while (true) {
            VersionListPage page = store.listVersions(bucket, new VersionListQuery(null, null, km, vm, 50));
            page.versions().forEach(v -> out.add(v.version()));
            if (!page.truncated()) {
                return out;
            }
            km = page.nextKeyMarker();
            vm = page.nextVersionIdMarker();
        }
    }

    private List<String> listedEtags() {
        return allVersions().stream().map(VersionRecord::etag).toList();
    }
}
