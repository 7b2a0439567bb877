package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link MetadataStore#visitLiveRoots}: what the garbage collector marks from. */
class LiveRootsTest extends ZkTestSupport {

    @Override
    protected ZkStoreConfig config() {
        return super.config().withPartitionSplitThreshold(6).withPageMaxPartitions(4);
    }

    private Set<String> manifests(String b) {
        Set<String> out = new HashSet<>();
        store.visitLiveRoots(b, r -> out.add(r.manifest()));
        return out;
    }

    private VersionRecord putRoot(String key, String manifest) {
        return store.publish(bucket, VersionDraft.builder(key).owner("alice").bytes(10, "e", manifest)
                .acl(CannedAcl.PRIVATE).build(), WriteCondition.NONE);
    }

    @Test
    void everyVersionAndEveryPartOfUploadsInProgressButNoMarkers() {
        createBucket(Versioning.ENABLED);
        putRoot("a", "a1");
        VersionRecord a2 = putRoot("a", "a2");
        putRoot("a", "a3");
        store.delete(bucket, "a", a2.versionId(), WriteCondition.NONE); // permanently deleted
        putRoot("b", "b1");
        store.delete(bucket, "b", null, WriteCondition.NONE); // a marker on top; b1 stays
        UploadRecord active = store.createUpload(bucket, MultipartTest.upload("big"));
        store.putPart(bucket, active.uploadId(), new PartRecord(1, "p", 5, null, "part1", Map.of()));
        store.putPart(bucket, active.uploadId(), new PartRecord(2, "p", 5, null, "part2", Map.of()));
        UploadRecord aborted = store.createUpload(bucket, MultipartTest.upload("gone"));
        store.putPart(bucket, aborted.uploadId(), new PartRecord(1, "p", 5, null, "aborted1", Map.of()));
        store.abortUpload(bucket, aborted.uploadId());
        UploadRecord done = store.createUpload(bucket, MultipartTest.upload("done"));
        store.putPart(bucket, done.uploadId(), new PartRecord(1, "p", 5, null, "done1", Map.of()));
        store.completeUpload(bucket, done.uploadId(), VersionDraft.builder("done").owner("alice")
                .bytes(5, "x-1", "done-whole").partCount(1).acl(CannedAcl.PRIVATE).build(), WriteCondition.NONE);

        assertEquals(Set.of("a1", "a3", "b1", "part1", "part2", "done-whole"), manifests(bucket));
        List<LiveRoot> parts = new ArrayList<>();
        store.visitLiveRoots(bucket, r -> {
            if (r.isPart()) {
                parts.add(r);
            }
        });
        assertEquals(2, parts.size());
        assertTrue(parts.stream().allMatch(p -> p.uploadId().equals(active.uploadId()) && p.key().equals("big")));
    }

    @Test
    void overwrittenUnversionedObjectsLeaveOnlyTheirLastVersion() {
        createBucket(Versioning.UNVERSIONED);
        putRoot("k", "k1");
        putRoot("k", "k2");
        putRoot("gone", "g1");
        store.delete(bucket, "gone", null, WriteCondition.NONE);
        assertEquals(Set.of("k2"), manifests(bucket));
    }

    @Test
    void allBucketsWhenNoneIsNamedAndNoSuchBucketForAMissingOne() {
        createBucket(Versioning.UNVERSIONED);
        putRoot("x", "x1");
        Set<String> all = new HashSet<>();
        store.visitLiveRoots(null, r -> all.add(r.bucket() + "/" + r.manifest()));
        assertTrue(all.contains(bucket + "/x1"));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.visitLiveRoots("no-such-bucket", r -> { }));
    }

    @Test
    void keysSpreadOverManySplitPartitionsAreAllVisited() {
        createBucket(Versioning.ENABLED);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 120; i++) {
            String m = "m" + i;
            putRoot(String.format("key-%03d", (i * 37) % 120), m);
            expected.add(m);
        }
        assertEquals(expected, manifests(bucket));
    }

    /**
     * Versions that exist for the whole walk are always reported, while other writers publish
     * versions on top of them, delete versions so that older ones become current again, and
     * insert keys that split the partitions under the walk.
     */
    @Test
    void versionsThatExistThroughoutAreReportedDespiteConcurrentChanges() throws Exception {
        createBucket(Versioning.ENABLED);
        int stableKeys = 24;
        Set<String> stable = new HashSet<>();
        for (int k = 0; k < stableKeys; k++) {
            String key = String.format("s%02d", k * 4);
            putRoot(key, "stable-" + key);
            stable.add("stable-" + key);
        }
        ZkMetadataStore other = newStore(config());
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> writers = new ArrayList<>();
        Map<String, Boolean> errors = new ConcurrentHashMap<>();
        for (int t = 0; t < 2; t++) {
            int thread = t;
            writers.add(pool.submit(() -> {
                Random r = new Random(thread);
                int n = 0;
                while (running.get()) {
                    String key = String.format("s%02d", r.nextInt(stableKeys) * 4);
                    // publish a version over the stable one, then delete it: the stable one is
                    // current again; then leave one on top for a while
                    VersionRecord v = other.publish(bucket, VersionDraft.builder(key).owner("alice")
                            .bytes(1, "e", "churn").acl(CannedAcl.PRIVATE).build(), WriteCondition.NONE);
                    other.delete(bucket, key, v.versionId(), WriteCondition.NONE);
                    // new keys between the stable ones make partitions split under the walk
                    putRoot(String.format("s%02d-%d-%d", r.nextInt(stableKeys * 4), thread, n++), "new");
                }
                return null;
            }));
        }
        int walks = 0;
        while (walks < 12) {
            Set<String> seen = manifests(bucket);
            for (String s : stable) {
                if (!seen.contains(s)) {
                    errors.put(s + " missed in walk " + walks, true);
                }
            }
            walks++;
        }
        running.set(false);
        for (Future<?> w : writers) {
            w.get();
        }
        pool.shutdown();
        assertTrue(errors.isEmpty(), errors.keySet().toString());
        assertTrue(partitionCount() > 2, "the walk ran over splitting partitions");
    }

    private int partitionCount() {
        return store.ctxForTests().zk.children(Deadline.after(java.time.Duration.ofSeconds(5)),
                store.ctxForTests().layout.index(bucket)).size();
    }
}
