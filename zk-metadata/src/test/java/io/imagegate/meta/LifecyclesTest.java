package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.LifecycleConfiguration.Expiration;
import io.imagegate.meta.LifecycleConfiguration.Filter;
import io.imagegate.meta.LifecycleConfiguration.FilterForm;
import io.imagegate.meta.LifecycleConfiguration.NoncurrentExpiration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Lifecycle configurations in ZooKeeper: stored whole, read back through any store, gone with the bucket. */
class LifecyclesTest extends ZkTestSupport {

    static final LifecycleConfiguration SAMPLE = new LifecycleConfiguration(List.of(
            new Rule("keep-10-snapshots", true, new Filter(FilterForm.PREFIX, "images/", null, null), null,
                    new NoncurrentExpiration(1, 10), null),
            new Rule("tmp", false, new Filter(FilterForm.AND, "tmp/", 10L, 1000L), new Expiration(7, null, false), null, 3),
            new Rule("dated", true, new Filter(FilterForm.RULE_PREFIX, "", null, null),
                    new Expiration(null, Instant.parse("2030-01-01T00:00:00Z"), false), null, null)));

    @Test
    void theStoredFormIsTheDocumentedOne() throws Exception {
        String golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/lifecycle.json")) {
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        assertEquals(golden, new String(Stored.lifecycle(SAMPLE, null), StandardCharsets.UTF_8));
        assertEquals(SAMPLE, Stored.lifecycle(golden.getBytes(StandardCharsets.UTF_8)).record());
    }

    /** The run state as docs/FORMAT-zookeeper.md ("Lifecycle runs") shows it, field by field. */
    @Test
    void theRunStateIsStoredInTheDocumentedForm() {
        Instant now = Instant.parse("2030-01-03T00:00:05Z");
        LifecycleRunState state = new LifecycleRunState(Instant.parse("2030-01-02T00:00:00Z"),
                new LifecycleRunState.Checkpoint("6f1c", now, now, "images", "vm-0412.raw", false));
        String stored = "{\"lastCompleted\":\"2030-01-02T00:00:00Z\",\"running\":{\"run\":\"6f1c\","
                + "\"now\":\"2030-01-03T00:00:05Z\",\"started\":\"2030-01-03T00:00:05Z\",\"bucket\":\"images\","
                + "\"afterKey\":\"vm-0412.raw\",\"bucketDone\":false}}";
        assertEquals(stored, new String(Stored.lifecycleRuns(state), StandardCharsets.UTF_8));
        assertEquals(state, Stored.lifecycleRuns(stored.getBytes(StandardCharsets.UTF_8)));
        assertEquals(LifecycleRunState.none(), Stored.lifecycleRuns("{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aConfigurationIsReplacedWholeAndReadThroughAnotherStore() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.lifecycle(bucket));
        store.putLifecycle(b, SAMPLE);
        ZkMetadataStore other = newStore(config());
        assertEquals(SAMPLE, other.lifecycle(bucket).orElseThrow());
        LifecycleConfiguration one = new LifecycleConfiguration(SAMPLE.rules().subList(0, 1));
        other.putLifecycle(b, one);
        assertEquals(one, store.lifecycle(bucket).orElseThrow());
        store.deleteLifecycle(b);
        store.deleteLifecycle(b);
        assertEquals(Optional.empty(), other.lifecycle(bucket));
    }

    @Test
    void aBucketWithRulesIsDeletedWithThemAndANewOneHasNone() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        store.putLifecycle(b, SAMPLE);
        store.deleteBucket(bucket);
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.lifecycle(bucket));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.putLifecycle(b, SAMPLE));
        createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.lifecycle(bucket));
    }

    @Test
    void aConfigurationTooLargeForAZnodeIsRefused() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            rules.add(new Rule("r".repeat(250) + i, true, new Filter(FilterForm.PREFIX, "p".repeat(1000), null, null),
                    new Expiration(1, null, false), null, null));
        }
        var e = assertThrows(MetadataException.RecordTooLarge.class,
                () -> store.putLifecycle(b, new LifecycleConfiguration(rules)));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
        assertEquals(Optional.empty(), store.lifecycle(bucket));
    }

    @Test
    void theRunStateIsKeptAcrossStores() {
        Instant now = Instant.parse("2030-01-02T00:00:00Z");
        LifecycleRunState running = new LifecycleRunState(null,
                new LifecycleRunState.Checkpoint("r1", now, now, "b", "k/1", false));
        store.saveLifecycleRunState(running);
        assertEquals(running, newStore(config()).lifecycleRunState());
        LifecycleRunState done = new LifecycleRunState(now, null);
        store.saveLifecycleRunState(done);
        assertEquals(done, newStore(config()).lifecycleRunState());
    }
}
