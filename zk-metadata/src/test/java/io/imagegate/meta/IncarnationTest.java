package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.imagegate.meta.MetadataStore.VersionListQuery;
import io.imagegate.meta.Zk.Point;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Writes planned against a key (or bucket) that is deleted and created again before they commit:
 * ZooKeeper restarts the new znode's data version at 0, so a compare-and-set of the data version
 * alone would apply to the new incarnation. Each race is made deterministic by running the other
 * store's writes right before this store's multi. A comment starting "Before:" says how the test
 * failed before every multi checked the incarnation (docs/FORMAT-zookeeper.md).
 */
class IncarnationTest extends ZkTestSupport {

    private String keyPath(String key) {
        return store.ctxForTests().layout.object(bucket, KeyNames.name(key));
    }

    private List<String> versionIds(String key) {
        return store.listVersions(bucket, new VersionListQuery(key, null, null, null, 1000)).versions().stream()
                .map(v -> v.version().versionId()).toList();
    }

    // Before: the delete of X, planned on the first incarnation at data version 0, deleted the new key
    // (data version 0 again) and with it the acknowledged PUT Y.
    @Test
    void aDeletePlannedOnAnEarlierIncarnationLeavesTheNewOneAlone() {
        createBucket(Versioning.ENABLED);
        VersionRecord x = put("k", "x");
        Interleaved a = interleaved();
        VersionRecord[] y = new VersionRecord[1];
        InterleavingZk.Trigger recreate = a.zk().at(Point.BEFORE, List.of("multi"), InterleavingZk.touching(keyPath("k")),
                () -> {
                    store.delete(bucket, "k", x.versionId(), WriteCondition.NONE);
                    y[0] = put("k", "y");
                });
        a.store().delete(bucket, "k", x.versionId(), WriteCondition.NONE);
        assertTrue(recreate.fired());
        assertEquals(List.of(y[0].versionId()), versionIds("k"), "an acknowledged PUT is missing");
    }

    // Before: the PUT, planned on the first incarnation, overwrote the new key: the acknowledged
    // PUT Y vanished and the deleted version X came back as a noncurrent version.
    @Test
    void aPublishPlannedOnAnEarlierIncarnationIsPlannedAgain() {
        createBucket(Versioning.ENABLED);
        VersionRecord x = put("k", "x");
        Interleaved a = interleaved();
        VersionRecord[] y = new VersionRecord[1];
        InterleavingZk.Trigger recreate = a.zk().at(Point.BEFORE, List.of("multi"), InterleavingZk.touching(keyPath("k")),
                () -> {
                    store.delete(bucket, "k", x.versionId(), WriteCondition.NONE);
                    y[0] = put("k", "y");
                });
        VersionRecord mine = a.store().publish(bucket, draft("k", "a"), WriteCondition.NONE);
        assertTrue(recreate.fired());
        assertEquals(List.of(mine.versionId(), y[0].versionId()), versionIds("k"),
                "an acknowledged PUT is missing, or a deleted version is back");
    }

    // Before: the fence that settles a lost reply (a bare setData at the expected data version)
    // wrote the first incarnation's bytes over the new key: Y vanished and X was current again.
    @Test
    void settlingALostReplyNeverWritesOverANewIncarnation() {
        createBucket(Versioning.ENABLED);
        VersionRecord x = put("k", "x");
        Interleaved a = interleaved();
        VersionRecord[] y = new VersionRecord[1];
        AtomicBoolean lost = a.zk().loseReply(InterleavingZk.touching(keyPath("k")), false, () -> {
            store.delete(bucket, "k", x.versionId(), WriteCondition.NONE);
            y[0] = put("k", "y");
        });
        VersionRecord mine = null;
        try {
            mine = a.store().publish(bucket, draft("k", "a"), WriteCondition.NONE);
        } catch (MetadataException e) {
            // the outcome may be reported unknown; it must not claim that nothing changed
            assertFalse(e instanceof MetadataException.Unavailable, "an unknown outcome reported as no change: " + e);
        }
        assertTrue(lost.get());
        List<String> ids = versionIds("k");
        assertTrue(ids.contains(y[0].versionId()), "an acknowledged PUT is missing: " + ids);
        assertFalse(ids.contains(x.versionId()), "a deleted version is back: " + ids);
        if (mine != null) {
            assertTrue(ids.contains(mine.versionId()), "an acknowledged PUT is missing: " + ids);
        }
    }

    // Before: alice's versioning change, planned on her bucket, was written over bob's new bucket of
    // the same name: bob's bucket then belonged to alice.
    @Test
    void aBucketUpdatePlannedOnADeletedBucketNeverTouchesItsSuccessor() {
        BucketRecord alices = createBucket(Versioning.UNVERSIONED);
        Interleaved a = interleaved();
        String bucketPath = store.ctxForTests().layout.bucket(bucket);
        InterleavingZk.Trigger recreate = a.zk().at(Point.BEFORE, List.of("multi"), InterleavingZk.touching(bucketPath),
                () -> {
                    store.deleteBucket(bucket);
                    store.createBucket(new BucketRecord(bucket, "bob", null, CannedAcl.PRIVATE, Versioning.UNVERSIONED,
                            65536, "us-east-1"));
                });
        try {
            a.store().updateBucket(alices.withVersioning(Versioning.ENABLED).withAcl(CannedAcl.PUBLIC_READ));
            fail("alice's bucket is gone; her change must not apply to bob's");
        } catch (MetadataException.NoSuchBucket expected) {
            // the bucket the change was planned on no longer exists
        } finally {
            assertTrue(recreate.fired());
            BucketRecord now = store.bucket(bucket).orElseThrow();
            assertEquals("bob", now.owner(), "another owner's change landed on this bucket");
            assertEquals(Versioning.UNVERSIONED, now.versioning());
            assertEquals(CannedAcl.PRIVATE, now.acl());
        }
    }

    /** Deletes the test's (empty) bucket and creates another of the same name, owned by bob. */
    private BucketRecord recreateForBob() {
        store.deleteBucket(bucket);
        return store.createBucket(new BucketRecord(bucket, "bob", null, CannedAcl.PRIVATE, Versioning.UNVERSIONED,
                65536, "us-east-1"));
    }

    // Before (issue 11, point 4: the store did not know which bucket the gateway authorized the write
    // against): the bucket check was a data version, 0 in both incarnations, so the PUT authorized on
    // alice's bucket was published into bob's.
    @Test
    void aPublishForADeletedBucketNeverLandsInTheBucketCreatedAfterIt() {
        BucketRecord alices = createBucket(Versioning.UNVERSIONED);
        Interleaved a = interleaved();
        BucketRecord[] bobs = new BucketRecord[1];
        InterleavingZk.Trigger recreate = a.zk().at(Point.BEFORE, List.of("multi"), InterleavingZk.touching(keyPath("k")),
                () -> bobs[0] = recreateForBob());
        try (WriteLease lease = a.store().openLease(List.of())) {
            assertThrows(MetadataException.NoSuchBucket.class,
                    () -> a.store().publish(alices, draft("k", "a"), WriteCondition.NONE, lease));
        }
        assertTrue(recreate.fired());
        assertNotEquals(alices.incarnation(), bobs[0].incarnation(), "two incarnations of one name");
        assertTrue(store.current(bucket, "k").isEmpty(), "a write authorized on alice's bucket is in bob's");
    }

    // Before: each of these wrote into bob's bucket (a marker, an ACL, an upload) on the strength of
    // a record of alice's bucket read before it was deleted.
    @Test
    void writesHandedARecordOfADeletedBucketFindNoSuchBucket() {
        BucketRecord alices = createBucket(Versioning.ENABLED);
        VersionRecord v = put("k", "a");
        store.delete(bucket, "k", v.versionId(), WriteCondition.NONE);
        recreateForBob();
        store.updateBucket(bucketRecord().withVersioning(Versioning.ENABLED));
        VersionRecord bobs = put("k", "b");
        assertThrows(MetadataException.NoSuchBucket.class,
                () -> store.delete(alices, "k", null, WriteCondition.NONE, "alice"));
        assertThrows(MetadataException.NoSuchBucket.class,
                () -> store.setAcl(alices, "k", null, CannedAcl.PUBLIC_READ_WRITE));
        assertThrows(MetadataException.NoSuchBucket.class,
                () -> store.createUpload(alices, MultipartTest.upload("k")));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.updateBucket(alices.withAcl(CannedAcl.PUBLIC_READ)));
        assertEquals(bobs, store.current(bucket, "k").orElseThrow(), "bob's object is as he wrote it");
        assertEquals(List.of(bobs.versionId()), versionIds("k"));
        assertTrue(store.listUploads(bucket, new MetadataStore.UploadListQuery(null, null, null, null, 10))
                .uploads().isEmpty());
        assertEquals(CannedAcl.PRIVATE, store.bucket(bucket).orElseThrow().acl());
        // the record of the bucket as it is now is accepted
        BucketRecord now = bucketRecord();
        assertEquals(CannedAcl.PUBLIC_READ, store.setAcl(now, "k", null, CannedAcl.PUBLIC_READ).acl());
        assertTrue(store.delete(now, "k", null, WriteCondition.NONE, "bob").deleteMarker());
    }

    // Before: the lifecycle and CORS writes, their multi failed by the deletion, were planned again on
    // the bucket they then read, bob's: alice's configuration landed in it, or bob's was removed. (The
    // policy writes already kept to the incarnation they read first; they are here for coverage.)
    @Test
    void aConfigurationWriteWhoseMultiFailedIsNeverPlannedAgainOnTheBucketCreatedAfterIt() {
        Layout layout = store.ctxForTests().layout;
        record Write(String path, BiConsumer<ZkMetadataStore, BucketRecord> alices, Consumer<BucketRecord> bobs,
                     Supplier<Boolean> bobsIntact) {}
        List<Write> writes = List.of(
                new Write(layout.lifecycle(bucket), (s, b) -> s.putLifecycle(b, LifecyclesTest.SAMPLE), b -> { },
                        () -> store.lifecycle(bucket).isEmpty()),
                new Write(layout.lifecycle(bucket), ZkMetadataStore::deleteLifecycle,
                        b -> store.putLifecycle(b, LifecyclesTest.SAMPLE), () -> store.lifecycle(bucket).isPresent()),
                new Write(layout.cors(bucket), (s, b) -> s.putCors(b, CorsConfigsTest.SAMPLE), b -> { },
                        () -> store.cors(bucket).isEmpty()),
                new Write(layout.cors(bucket), ZkMetadataStore::deleteCors, b -> store.putCors(b, CorsConfigsTest.SAMPLE),
                        () -> store.cors(bucket).isPresent()),
                new Write(layout.bucketPolicy(bucket), (s, b) -> s.putBucketPolicy(b, PoliciesTest.ONE), b -> { },
                        () -> store.bucketPolicy(bucket).isEmpty()),
                new Write(layout.bucketPolicy(bucket), ZkMetadataStore::deleteBucketPolicy,
                        b -> store.putBucketPolicy(b, PoliciesTest.ONE), () -> store.bucketPolicy(bucket).isPresent()));
        for (Write w : writes) {
            if (store.bucket(bucket).isPresent()) {
                store.deleteBucket(bucket);
            }
            BucketRecord alices = createBucket(Versioning.UNVERSIONED);
            w.bobs().accept(alices); // for a delete: a configuration of alice's to remove
            Interleaved a = interleaved();
            InterleavingZk.Trigger recreate = a.zk().at(Point.BEFORE, List.of("multi"), InterleavingZk.touching(w.path()),
                    () -> w.bobs().accept(recreateForBob()));
            assertThrows(MetadataException.NoSuchBucket.class, () -> w.alices().accept(a.store(), alices), w.path());
            assertTrue(recreate.fired(), w.path());
            assertTrue(w.bobsIntact().get(), "alice's write reached bob's bucket: " + w.path());
            assertEquals("bob", store.bucket(bucket).orElseThrow().owner());
        }
    }
}
