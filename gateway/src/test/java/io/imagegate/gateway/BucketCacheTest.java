package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.PolicyDocument;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.ZkMetadataStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a gateway keeps of buckets ({@link BucketCache}), on a real store: kept for the time-to-live
 * (an hour here, so nothing depends on timing; another gateway's change shows only after it), a
 * missing bucket never kept, configurations kept with their absence, and every write through the
 * cache dropping what it changes, so the gateway reads its own writes.
 */
class BucketCacheTest {

    private TestingServer zk;
    private ZkMetadataStore store;
    private ZkMetadataStore otherGateway;
    private MetadataStore cached;

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        store = ZkMetadataStore.connect(zk.getConnectString());
        otherGateway = ZkMetadataStore.connect(zk.getConnectString());
        cached = BucketCache.wrap(store, Duration.ofHours(1));
    }

    @AfterEach
    void stop() throws Exception {
        otherGateway.close();
        store.close();
        zk.close();
    }

    private BucketRecord create(MetadataStore through, String name) {
        return through.createBucket(new BucketRecord(name, "a".repeat(64), null, CannedAcl.PRIVATE,
                Versioning.UNVERSIONED, 65536, "us-east-1"));
    }

    @Test
    void aBucketIsKeptUntilAWriteThroughTheCacheDropsIt() {
        BucketRecord b = create(cached, "kept");
        assertEquals(Optional.of(b), cached.bucket("kept"));
        otherGateway.updateBucket(b.withAcl(CannedAcl.PUBLIC_READ));
        assertEquals(CannedAcl.PRIVATE, cached.bucket("kept").orElseThrow().acl(), "read again within the time-to-live");
        BucketRecord now = otherGateway.bucket("kept").orElseThrow();
        cached.updateBucket(now.withVersioning(Versioning.ENABLED));
        BucketRecord after = cached.bucket("kept").orElseThrow();
        assertEquals(CannedAcl.PUBLIC_READ, after.acl());
        assertEquals(Versioning.ENABLED, after.versioning());
    }

    @Test
    void aMissingBucketIsNeverKept() {
        assertEquals(Optional.empty(), cached.bucket("later"));
        BucketRecord b = create(otherGateway, "later");
        assertEquals(Optional.of(b), cached.bucket("later"));
    }

    @Test
    void configurationsAreKeptTheirAbsenceIncludedAndWritesThroughTheCacheDropThem() {
        BucketRecord b = create(cached, "conf");
        assertEquals(Optional.empty(), cached.lifecycle("conf"));
        assertEquals(Optional.empty(), cached.cors("conf"));
        assertEquals(Optional.empty(), cached.bucketPolicy("conf"));

        LifecycleConfiguration lifecycle = new LifecycleConfiguration(List.of(new LifecycleConfiguration.Rule("r", true,
                new LifecycleConfiguration.Filter(LifecycleConfiguration.FilterForm.PREFIX, "", null, null),
                new LifecycleConfiguration.Expiration(1, null, false), null, null)));
        CorsConfiguration cors = new CorsConfiguration(List.of(new CorsConfiguration.Rule(null, List.of("*"),
                List.of("GET"), List.of(), List.of(), null)));
        PolicyDocument policy = new PolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
        otherGateway.putLifecycle(b, lifecycle);
        otherGateway.putCors(b, cors);
        otherGateway.putBucketPolicy(b, policy);
        assertEquals(Optional.empty(), cached.lifecycle("conf"), "absence is kept too");
        assertEquals(Optional.empty(), cached.cors("conf"));
        assertEquals(Optional.empty(), cached.bucketPolicy("conf"));

        cached.deleteLifecycle(b);
        cached.deleteCors(b);
        cached.deleteBucketPolicy(b);
        assertEquals(Optional.empty(), cached.lifecycle("conf"));
        cached.putLifecycle(b, lifecycle);
        cached.putCors(b, cors);
        cached.putBucketPolicy(b, policy);
        assertEquals(Optional.of(lifecycle), cached.lifecycle("conf"), "a write through the cache is read back");
        assertEquals(Optional.of(cors), cached.cors("conf"));
        assertEquals(Optional.of(policy), cached.bucketPolicy("conf"));

        cached.deleteBucket(b);
        assertEquals(Optional.empty(), cached.bucket("conf"));
    }
}
