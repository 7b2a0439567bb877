package io.imagegate.meta;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * ZooKeeper requests per store operation, counted at the store's request hook (reads, read-only
 * multis, multis; syncReads off, as in the embedded default, so no sync is counted), printed and
 * never asserted: run with
 * {@code bin/test -pl zk-metadata -Dtest=RequestCountTest -Dimagegate.measure=true}.
 * Requests of one operation are sent one after the other here, so the count is its round trips;
 * background upkeep on the maintenance thread is not counted.
 */
@EnabledIfSystemProperty(named = "imagegate.measure", matches = "true")
class RequestCountTest extends ZkTestSupport {

    /** Counts requests and the znodes they read or write. */
    static final class CountingZk extends Zk {
        final AtomicInteger requests = new AtomicInteger();
        final Map<String, Integer> byOp = new TreeMap<>();

        CountingZk(CuratorFramework client) {
            super(client);
        }

        @Override
        void interleave(Point point, String op, List<String> paths) {
            // background upkeep (empty groups, splits) is not the operation's
            if (point == Point.BEFORE && !Thread.currentThread().getName().equals("imagegate-zk-maintenance")) {
                requests.incrementAndGet();
                synchronized (byOp) {
                    byOp.merge(op, 1, Integer::sum);
                }
            }
        }
    }

    private CountingZk zk;
    private ZkMetadataStore counted;

    private void count(String what, Supplier<?> op) {
        zk.requests.set(0);
        synchronized (zk.byOp) {
            zk.byOp.clear();
        }
        op.get();
        System.out.printf("REQUESTS %-58s %d %s%n", what, zk.requests.get(), zk.byOp);
    }

    @Test
    void requestsPerOperation() throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryNTimes(3, 50));
        client.start();
        counted = new ZkMetadataStore(client, config().withSyncReads(false), true, c -> zk = new CountingZk(c));
        closeables.add(counted);
        createBucket(Versioning.ENABLED);
        VersionRecord[] v = new VersionRecord[20];
        count("PUT, new key", () -> v[0] = counted.publish(bucket, draft("k", "e0"), WriteCondition.NONE));
        count("PUT, existing key (versioned)", () -> v[1] = counted.publish(bucket, draft("k", "e1"),
                WriteCondition.NONE));
        WriteLease lease = counted.openLease(List.of());
        BucketRecord authorized = bucketRecord();
        count("PUT under a lease (release in the publish)", () -> v[2] = counted.publish(authorized, draft("k", "e2"),
                WriteCondition.NONE, lease));
        for (int i = 3; i < 20; i++) {
            v[i] = counted.publish(bucket, draft("k", "e" + i), WriteCondition.NONE);
        }
        count("GET current", () -> counted.current(bucket, "k"));
        count("GET ?versionId=<current>", () -> counted.version(bucket, "k", v[19].versionId()));
        count("GET ?versionId=<noncurrent>", () -> counted.version(bucket, "k", v[5].versionId()));
        count("GET ?versionId=<absent>", () -> {
            try {
                return counted.version(bucket, "k", VersionIds.create(1, 3));
            } catch (MetadataException.NoSuchVersion e) {
                return null;
            }
        });
        count("PutObjectAcl ?versionId=<noncurrent>", () -> counted.setAcl(bucket, "k", v[6].versionId(),
                CannedAcl.PUBLIC_READ));
        count("ListObjectVersions, one key with 20 versions", () -> counted.listVersions(bucket,
                new MetadataStore.VersionListQuery("k", null, null, null, 1000)));
        count("ListObjectsV2, one key", () -> counted.list(bucket, new MetadataStore.ListQuery("k", null, null, 1000)));
        count("DELETE ?versionId=<noncurrent>", () -> counted.delete(bucket, "k", v[7].versionId(), WriteCondition.NONE));
        count("DELETE ?versionId=<absent>", () -> counted.delete(bucket, "k", v[7].versionId(), WriteCondition.NONE));
        count("DELETE ?versionId=<current> (promotes)", () -> counted.delete(bucket, "k", v[19].versionId(),
                WriteCondition.NONE));
        count("DELETE (delete marker)", () -> counted.delete(bucket, "k", null, WriteCondition.NONE));
        counted.publish(bucket, draft("one", "x"), WriteCondition.NONE);
        String only = counted.current(bucket, "one").orElseThrow().versionId();
        count("DELETE ?versionId=<the last version> (key goes)", () -> counted.delete(bucket, "one", only,
                WriteCondition.NONE));
        count("PutBucketVersioning", () -> counted.updateBucket(counted.bucket(bucket).orElseThrow()
                .withVersioning(Versioning.SUSPENDED)));
        count("PUT, existing key (suspended: null version)", () -> counted.publish(bucket, draft("k", "n"),
                WriteCondition.NONE));
        count("GET ?versionId=null (current)", () -> counted.version(bucket, "k", VersionRecord.NULL_VERSION));
        counted.updateBucket(counted.bucket(bucket).orElseThrow().withVersioning(Versioning.ENABLED));
        counted.publish(bucket, draft("k", "after-null"), WriteCondition.NONE);
        count("GET ?versionId=null (noncurrent)", () -> counted.version(bucket, "k", VersionRecord.NULL_VERSION));
    }
}
