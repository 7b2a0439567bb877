package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import io.imagegate.meta.Zk.Point;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Conclusions drawn from several reads (a version is absent, present or current; a key's history
 * ends here) while another store changes the key between those reads. Each race is made
 * deterministic: the other store's write runs at an exact point between this store's requests.
 * A comment starting "Before:" says how the test failed before the rule of docs/FORMAT-zookeeper.md
 * ("Incarnations and snapshots") was applied.
 */
class SplitReadTest extends ZkTestSupport {

    private static final List<String> READS = List.of("get", "getMany");

    private String keyPath(String key) {
        return store.ctxForTests().layout.object(bucket, KeyNames.name(key));
    }

    /** Every version id of {@code key}, newest first, through pages of {@code max}. */
    private List<String> versionIds(MetadataStore s, String key, int max) {
        List<String> ids = new ArrayList<>();
        String km = null;
        String vm = null;
        while (true) {
            VersionListPage page = s.listVersions(bucket, new VersionListQuery(key, null, km, vm, max));
            page.versions().forEach(v -> ids.add(v.version().versionId()));
            if (!page.truncated()) {
                return ids;
            }
            km = page.nextKeyMarker();
            vm = page.nextVersionIdMarker();
        }
    }

    // Before: the delete read the key, then (a round trip later) the target's history znode, which the
    // promotion had just removed; it answered success without deleting, and the version stayed current.
    @Test
    void aVersionDeletedWhileItIsPromotedIsDeleted() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        VersionRecord v2 = put("k", "e2");
        Interleaved a = interleaved();
        InterleavingZk.Trigger promote = a.zk().at(Point.AFTER, READS, InterleavingZk.touching(keyPath("k")),
                () -> store.delete(bucket, "k", v2.versionId(), WriteCondition.NONE));
        a.store().delete(bucket, "k", v1.versionId(), WriteCondition.NONE);
        assertTrue(promote.fired());
        assertEquals(List.of(), versionIds(store, "k", 100), "a deleted version is still listed");
        assertTrue(store.current(bucket, "k").isEmpty());
    }

    // Before: NoSuchVersion for a version that existed throughout the request.
    @Test
    void theAclOfAVersionBeingPromotedIsSet() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        VersionRecord v2 = put("k", "e2");
        Interleaved a = interleaved();
        InterleavingZk.Trigger promote = a.zk().at(Point.AFTER, READS, InterleavingZk.touching(keyPath("k")),
                () -> store.delete(bucket, "k", v2.versionId(), WriteCondition.NONE));
        VersionRecord set = a.store().setAcl(bucket, "k", v1.versionId(), CannedAcl.PUBLIC_READ);
        assertTrue(promote.fired());
        assertEquals(CannedAcl.PUBLIC_READ, set.acl());
        assertEquals(CannedAcl.PUBLIC_READ, store.version(bucket, "k", v1.versionId()).acl());
    }

    // Before: NoSuchVersion. The read cache held the key record from before another store promoted
    // the version (its watch event not processed yet), and the version's history record, read from
    // ZooKeeper, was gone: a miss from the cache must be decided again from ZooKeeper.
    @Test
    void aVersionTheCacheDoesNotFindIsLookedUpInZooKeeper() throws Exception {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        VersionRecord v2 = put("k", "e2");
        Interleaved c = interleaved(config().withSyncReads(false).withReadCacheEntries(8));
        assertEquals(v2.versionId(), c.store().current(bucket, "k").orElseThrow().versionId()); // cached now
        // hold the cache's event thread, so the watch event of the promotion waits behind it
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        String blocker = store.ctxForTests().layout.root + "/blocker-" + bucket;
        store.ctxForTests().zk.read(Deadline.after(java.time.Duration.ofSeconds(5)), zk -> zk.create(blocker,
                new byte[0], org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE, org.apache.zookeeper.CreateMode.EPHEMERAL));
        c.client().getZookeeperClient().getZooKeeper().exists(blocker, event -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // a lookup in ZooKeeper (an asynchronous read, answered on that thread) lets it go
        InterleavingZk.Trigger lookup = c.zk().at(Point.BEFORE, List.of("getMany"), paths -> true, release::countDown);
        try {
            store.ctxForTests().zk.read(Deadline.after(java.time.Duration.ofSeconds(5)), zk -> {
                zk.delete(blocker, -1);
                return null;
            });
            assertTrue(held.await(10, java.util.concurrent.TimeUnit.SECONDS));
            store.delete(bucket, "k", v2.versionId(), WriteCondition.NONE); // promotes v1
            assertEquals("e1", c.store().version(bucket, "k", v1.versionId()).etag());
            assertTrue(lookup.fired());
        } finally {
            release.countDown();
        }
    }

    // Before: NoSuchVersion (GET ?versionId of a noncurrent version being promoted).
    @Test
    void aNoncurrentVersionBeingPromotedIsFound() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        VersionRecord v2 = put("k", "e2");
        Interleaved a = interleaved();
        InterleavingZk.Trigger promote = a.zk().at(Point.AFTER, READS, InterleavingZk.touching(keyPath("k")),
                () -> store.delete(bucket, "k", v2.versionId(), WriteCondition.NONE));
        assertEquals("e1", a.store().version(bucket, "k", v1.versionId()).etag());
        assertTrue(promote.fired());
    }

    // The null version is located through the key record, so its history read is a second request:
    // the promotion lands between the two, and the store must notice the key changed and read again.
    @Test
    void theNullVersionBeingPromotedIsFound() {
        BucketRecord b = createBucket(Versioning.UNVERSIONED);
        put("k", "null-one");
        store.updateBucket(b.withVersioning(Versioning.ENABLED));
        VersionRecord newer = put("k", "e2");
        Interleaved a = interleaved();
        InterleavingZk.Trigger promote = a.zk().at(Point.AFTER, READS, InterleavingZk.touching(keyPath("k")),
                () -> store.delete(bucket, "k", newer.versionId(), WriteCondition.NONE));
        assertEquals("null-one", a.store().version(bucket, "k", VersionRecord.NULL_VERSION).etag());
        assertTrue(promote.fired());
    }

    // Before: a version removed while its batch was read made the batch short, and a short batch was
    // taken for the end of the key's history: the 3 oldest versions were left out of a listing that
    // said it was complete.
    @Test
    void aListingRacingWithTheRemovalOfOneVersionListsEveryOtherVersion() {
        createBucket(Versioning.ENABLED);
        List<VersionRecord> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(put("k", "e" + i));
        }
        VersionRecord removed = all.get(10);
        Interleaved a = interleaved();
        String group = store.ctxForTests().layout.group(bucket, KeyNames.name("k"), 0);
        InterleavingZk.Trigger remove = a.zk().at(Point.AFTER, List.of("children"), InterleavingZk.touching(group),
                () -> store.delete(bucket, "k", removed.versionId(), WriteCondition.NONE));
        VersionListPage page = a.store().listVersions(bucket, new VersionListQuery("k", null, null, null, 1000));
        assertTrue(remove.fired());
        assertFalse(page.truncated());
        List<String> expected = new ArrayList<>(all.reversed().stream().map(VersionRecord::versionId).toList());
        expected.remove(removed.versionId());
        assertEquals(expected, page.versions().stream().map(v -> v.version().versionId()).toList(),
                "versions missing from a listing that says it is complete");
    }

    // A new version published while the history is read: the listing is of one moment, the one before
    // or the one after, never a mix (a version listed twice, or the new current one missing).
    @Test
    void aListingRacingWithAPublishListsOneStateOfTheKey() {
        createBucket(Versioning.ENABLED);
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            before.add(0, put("k", "e" + i).versionId());
        }
        Interleaved a = interleaved();
        String group = store.ctxForTests().layout.group(bucket, KeyNames.name("k"), 0);
        String[] added = new String[1];
        InterleavingZk.Trigger publish = a.zk().at(Point.AFTER, List.of("children"), InterleavingZk.touching(group),
                () -> added[0] = put("k", "new").versionId());
        List<String> listed = a.store().listVersions(bucket, new VersionListQuery("k", null, null, null, 1000))
                .versions().stream().map(v -> v.version().versionId()).toList();
        assertTrue(publish.fired());
        List<String> after = new ArrayList<>(before);
        after.add(0, added[0]);
        assertTrue(listed.equals(before) || listed.equals(after), "a listing of no single moment: " + listed);
    }

    // Before: the first page (20 asked) held 16 versions and said IsTruncated=false; 23 were missing.
    @Test
    void pagedListingRacingWithARemovalMissesNothing() {
        createBucket(Versioning.ENABLED);
        List<VersionRecord> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(put("k", "e" + i));
        }
        VersionRecord removed = all.get(30);
        Interleaved a = interleaved();
        String group = store.ctxForTests().layout.group(bucket, KeyNames.name("k"), 0);
        InterleavingZk.Trigger remove = a.zk().at(Point.AFTER, List.of("children"), InterleavingZk.touching(group),
                () -> store.delete(bucket, "k", removed.versionId(), WriteCondition.NONE));
        List<String> listed = versionIds(a.store(), "k", 20);
        assertTrue(remove.fired());
        List<String> expected = new ArrayList<>(all.reversed().stream().map(VersionRecord::versionId).toList());
        expected.remove(removed.versionId());
        assertEquals(expected, listed);
    }
}
