package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** PutObjectAcl in the store: one version's ACL changes, atomically with every other write to its key. */
class ObjectAclTest extends ZkTestSupport {

    @Test
    void settingTheCurrentVersionsAclChangesNothingElse() {
        createBucket(Versioning.UNVERSIONED);
        VersionRecord v = put("k", "e1");
        VersionRecord updated = store.setAcl(bucket, "k", null, CannedAcl.PUBLIC_READ);
        assertEquals(v.withAcl(CannedAcl.PUBLIC_READ), updated);
        assertEquals(updated, store.current(bucket, "k").orElseThrow());
        assertEquals(updated, store.version(bucket, "k", "null"));
    }

    @Test
    void settingANonCurrentVersionsAclLeavesTheCurrentOneAlone() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        VersionRecord v2 = put("k", "e2");
        store.setAcl(bucket, "k", v1.versionId(), CannedAcl.AUTHENTICATED_READ);
        assertEquals(CannedAcl.AUTHENTICATED_READ, store.version(bucket, "k", v1.versionId()).acl());
        assertEquals(v2, store.current(bucket, "k").orElseThrow());
        List<CannedAcl> listed = store.listVersions(bucket, new VersionListQuery(null, null, null, null, 10)).versions()
                .stream().map(e -> e.version().acl()).toList();
        assertEquals(List.of(CannedAcl.PRIVATE, CannedAcl.AUTHENTICATED_READ), listed);
    }

    @Test
    void anAclSurvivesItsVersionMovingIntoHistoryAndBack() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        store.setAcl(bucket, "k", null, CannedAcl.PUBLIC_READ);
        VersionRecord v2 = put("k", "e2");
        assertEquals(CannedAcl.PUBLIC_READ, store.version(bucket, "k", v1.versionId()).acl());
        store.delete(bucket, "k", v2.versionId(), WriteCondition.NONE);
        assertEquals(CannedAcl.PUBLIC_READ, store.current(bucket, "k").orElseThrow().acl());
    }

    /** Explicit grants replace a canned ACL and are kept in order, on the current version and in history. */
    @Test
    void explicitGrantsAreStoredAsGivenAndACannedAclReplacesThem() {
        createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        List<Grant> grants = List.of(Grant.group(Grant.ALL_USERS, Grant.Permission.READ),
                Grant.user("a".repeat(64), Grant.Permission.WRITE_ACP), Grant.group(Grant.ALL_USERS, Grant.Permission.READ));
        BucketRecord b = bucketRecord();
        VersionRecord updated = store.setAcl(b, "k", null, AccessControlList.of(grants));
        assertEquals(grants, updated.grants());
        assertEquals(CannedAcl.PRIVATE, updated.acl());
        put("k", "e2");
        assertEquals(AccessControlList.of(grants), store.version(bucket, "k", v1.versionId()).accessControlList());
        store.setAcl(b, "k", v1.versionId(), AccessControlList.of(CannedAcl.PUBLIC_READ));
        VersionRecord back = store.version(bucket, "k", v1.versionId());
        assertEquals(CannedAcl.PUBLIC_READ, back.acl());
        assertEquals(null, back.grants());
        assertThrows(IllegalArgumentException.class, () -> AccessControlList.of(java.util.Collections.nCopies(
                AccessControlList.MAX_GRANTS + 1, Grant.group(Grant.ALL_USERS, Grant.Permission.READ))));
    }

    /** A bucket's grants: set by an update with an ACL, kept by one without (a versioning change). */
    @Test
    void aBucketsGrantsSurviveAVersioningChange() {
        createBucket(Versioning.UNVERSIONED);
        List<Grant> grants = List.of(Grant.user("b".repeat(64), Grant.Permission.READ),
                Grant.group(Grant.AUTHENTICATED_USERS, Grant.Permission.WRITE));
        store.updateBucket(bucketRecord().withAcl(AccessControlList.of(grants)));
        assertEquals(AccessControlList.of(grants), bucketRecord().accessControlList());
        store.updateBucket(bucketRecord().withAcl((AccessControlList) null).withVersioning(Versioning.ENABLED));
        assertEquals(Versioning.ENABLED, bucketRecord().versioning());
        assertEquals(AccessControlList.of(grants), bucketRecord().accessControlList());
        store.updateBucket(bucketRecord().withAcl(CannedAcl.PUBLIC_READ));
        assertEquals(AccessControlList.of(CannedAcl.PUBLIC_READ), bucketRecord().accessControlList());
    }

    @Test
    void unknownVersionsKeysAndMarkersAreRefused() {
        createBucket(Versioning.ENABLED);
        VersionRecord other = put("other", "e");
        put("k", "e1");
        assertThrows(MetadataException.NoSuchVersion.class,
                () -> store.setAcl(bucket, "k", other.versionId(), CannedAcl.PUBLIC_READ));
        assertThrows(MetadataException.NoSuchKey.class, () -> store.setAcl(bucket, "nope", null, CannedAcl.PUBLIC_READ));
        assertThrows(MetadataException.NoSuchVersion.class,
                () -> store.setAcl(bucket, "nope", other.versionId(), CannedAcl.PUBLIC_READ));
        assertThrows(MetadataException.InvalidVersionId.class, () -> store.setAcl(bucket, "k", "garbage", CannedAcl.PUBLIC_READ));
        String marker = store.delete(bucket, "k", null, WriteCondition.NONE).versionId();
        assertThrows(MetadataException.IsDeleteMarker.class, () -> store.setAcl(bucket, "k", marker, CannedAcl.PUBLIC_READ));
        assertThrows(MetadataException.NoSuchBucket.class,
                () -> store.setAcl("no-such-bucket", "k", null, CannedAcl.PUBLIC_READ));
    }

    @Test
    void anAclSetWhileItsVersionIsPromotedIsNeverLost() throws Exception {
        createBucket(Versioning.ENABLED);
        ZkMetadataStore other = newStore(config());
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 20; round++) {
                String key = "k" + round;
                VersionRecord v1 = put(key, "a" + round);
                VersionRecord v2 = put(key, "b" + round);
                CompletableFuture<?> acl = CompletableFuture.runAsync(
                        () -> store.setAcl(bucket, key, v1.versionId(), CannedAcl.PUBLIC_READ), pool);
                CompletableFuture<?> promote = CompletableFuture.runAsync(
                        () -> other.delete(bucket, key, v2.versionId(), WriteCondition.NONE), pool);
                acl.get();
                promote.get();
                VersionRecord now = store.current(bucket, key).orElseThrow();
                assertEquals(v1.versionId(), now.versionId());
                assertEquals(CannedAcl.PUBLIC_READ, now.acl(), "round " + round);
            }
        }
    }

    @Test
    void aclChangesRacingWithPublishesLoseNoVersion() throws Exception {
        createBucket(Versioning.ENABLED);
        VersionRecord first = put("hot", "first");
        ZkMetadataStore other = newStore(config());
        List<CompletableFuture<VersionRecord>> writes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 12; i++) {
                int n = i;
                writes.add(CompletableFuture.supplyAsync(() -> other.publish(bucket, draft("hot", "w" + n),
                        WriteCondition.NONE), pool));
                writes.add(CompletableFuture.supplyAsync(() -> store.setAcl(bucket, "hot", first.versionId(),
                        CannedAcl.PUBLIC_READ), pool));
            }
            for (CompletableFuture<VersionRecord> w : writes) {
                w.get();
            }
        }
        assertEquals(13, store.listVersions(bucket, new VersionListQuery(null, null, null, null, 100)).versions().size());
        assertEquals(CannedAcl.PUBLIC_READ, store.version(bucket, "hot", first.versionId()).acl());
    }

    @Test
    void aclChangesWhoseRepliesAreLostStillTakeEffect() {
        createBucket(Versioning.ENABLED);
        List<VersionRecord> versions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            versions.add(put("k", "e" + i));
        }
        var client = org.apache.curator.framework.CuratorFrameworkFactory.newClient(server.getConnectString(),
                new org.apache.curator.retry.RetryNTimes(3, 50));
        client.start();
        try (ZkMetadataStore lossy = new ZkMetadataStore(client, config(), true, LostReplyTest.LossyZk::new)) {
            for (int round = 0; round < 10; round++) {
                CannedAcl acl = round % 2 == 0 ? CannedAcl.PUBLIC_READ : CannedAcl.AUTHENTICATED_READ;
                for (VersionRecord v : versions) {
                    assertEquals(acl, lossy.setAcl(bucket, "k", v.versionId(), acl).acl());
                }
                for (VersionRecord v : versions) {
                    assertEquals(v.withAcl(acl), store.version(bucket, "k", v.versionId()));
                }
            }
        }
    }
}
