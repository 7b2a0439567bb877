package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.UploadListPage;
import io.imagegate.meta.MetadataStore.UploadListQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultipartTest extends ZkTestSupport {

    static UploadRecord upload(String key) {
        return new UploadRecord(null, key, "alice", null, Map.of("content-type", "application/x-raw"),
                Map.of("os", "debian"), "CRC32", ChecksumType.COMPOSITE, CannedAcl.PRIVATE);
    }

    static PartRecord part(int n) {
        return new PartRecord(n, "etag" + n, 5L << 20, null, "manifest-" + n, Map.of("CRC32", "AAAA"));
    }

    private UploadRecord start(String key) {
        return store.createUpload(bucket, upload(key));
    }

    @Test
    void createdUploadIsReadBackWithARandomUrlSafeId() {
        createBucket(Versioning.UNVERSIONED);
        UploadRecord a = start("disk.raw");
        UploadRecord b = start("disk.raw");
        assertNotEquals(a.uploadId(), b.uploadId());
        assertTrue(a.uploadId().matches("[A-Za-z0-9_-]{16,}"));
        assertEquals(a, store.upload(bucket, a.uploadId()));
        assertEquals(Map.of("os", "debian"), a.userMetadata());
    }

    @Test
    void partsAreListedAscendingAfterAMarkerAndReplacedByNumber() {
        createBucket(Versioning.UNVERSIONED);
        UploadRecord u = start("disk.raw");
        for (int n : new int[] {3, 1, 2, 10}) {
            store.putPart(bucket, u.uploadId(), part(n));
        }
        store.putPart(bucket, u.uploadId(), new PartRecord(2, "again", 1, null, "m", null));
        List<PartRecord> all = store.parts(bucket, u.uploadId(), 0, 100);
        assertEquals(List.of(1, 2, 3, 10), all.stream().map(PartRecord::partNumber).toList());
        assertEquals("again", all.get(1).etag());
        assertEquals(List.of(3), store.parts(bucket, u.uploadId(), 2, 1).stream().map(PartRecord::partNumber)
                .toList());
        assertThrows(MetadataException.InvalidArgument.class, () -> store.putPart(bucket, u.uploadId(), part(10_001)));
    }

    @Test
    void completePublishesAndEndsTheUploadAtOnce() throws Exception {
        createBucket(Versioning.ENABLED);
        UploadRecord u = start("disk.raw");
        store.putPart(bucket, u.uploadId(), part(1));
        store.putPart(bucket, u.uploadId(), part(2));
        VersionRecord v = store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "abc-2"), WriteCondition.NONE);
        assertEquals(v, store.current(bucket, "disk.raw").orElseThrow());
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.upload(bucket, u.uploadId()));
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.putPart(bucket, u.uploadId(), part(3)));
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.abortUpload(bucket, u.uploadId()));
        assertTrue(listUploads(null, null, null, null, 10).uploads().isEmpty());
        store.awaitMaintenance();
        assertNull(server(store).checkExists().forPath(store.ctxForTests().layout.parts(u.uploadId())));
        assertTrue(server(store).checkExists().forPath("/imagegate/parts/" + u.uploadId().charAt(0)) != null);
    }

    @Test
    void repeatedCompleteReturnsTheFirstResult() {
        createBucket(Versioning.ENABLED);
        UploadRecord u = start("disk.raw");
        store.putPart(bucket, u.uploadId(), part(1));
        VersionRecord v = store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "abc-1"), WriteCondition.NONE);
        assertEquals(v, store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "abc-1"),
                new WriteCondition.IfNoneMatch()));
        assertEquals(v, store.completedUpload(bucket, u.uploadId()).orElseThrow());
        assertThrows(MetadataException.NoSuchUpload.class,
                () -> store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "other-1"), WriteCondition.NONE));
        assertEquals(1, store.listVersions(bucket, new MetadataStore.VersionListQuery(null, null, null, null, 10))
                .versions().size());
    }

    @Test
    void failedConditionLeavesTheUploadInProgress() {
        createBucket(Versioning.UNVERSIONED);
        put("disk.raw", "old");
        UploadRecord u = start("disk.raw");
        assertThrows(MetadataException.PreconditionFailed.class, () -> store.completeUpload(bucket, u.uploadId(),
                draft("disk.raw", "new-1"), new WriteCondition.IfNoneMatch()));
        assertEquals(u, store.upload(bucket, u.uploadId()));
    }

    @Test
    void abortEndsTheUploadAndASecondAbortFails() {
        createBucket(Versioning.UNVERSIONED);
        UploadRecord u = start("disk.raw");
        store.putPart(bucket, u.uploadId(), part(1));
        store.abortUpload(bucket, u.uploadId());
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.abortUpload(bucket, u.uploadId()));
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.parts(bucket, u.uploadId(), 0, 10));
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.upload(bucket, "no/such"));
    }

    @Test
    void uploadsAreListedByKeyThenInitiationWithMarkers() {
        createBucket(Versioning.UNVERSIONED);
        UploadRecord b1 = start("b");
        UploadRecord a1 = start("a");
        UploadRecord b2 = start("b");
        UploadRecord c1 = start("c");
        List<UploadRecord> all = listUploads(null, null, null, null, 10).uploads();
        List<String> ids = all.stream().map(UploadRecord::uploadId).toList();
        assertEquals(List.of(a1.uploadId(), b1.uploadId(), b2.uploadId(), c1.uploadId()),
                b1.initiated().equals(b2.initiated()) ? sortSameTime(ids, b1, b2) : ids);
        UploadListPage first = listUploads(null, null, null, null, 2);
        assertTrue(first.truncated());
        UploadListPage rest = listUploads(null, null, first.nextKeyMarker(), first.nextUploadIdMarker(), 10);
        List<UploadRecord> joined = new ArrayList<>(first.uploads());
        joined.addAll(rest.uploads());
        assertEquals(all, joined);
        assertEquals(List.of(c1), listUploads(null, null, "b", null, 10).uploads());
    }

    @Test
    void uploadsRollUpIntoCommonPrefixes() {
        createBucket(Versioning.UNVERSIONED);
        start("img/a");
        start("img/b");
        UploadRecord top = start("top");
        UploadListPage page = listUploads(null, "/", null, null, 10);
        assertEquals(List.of("img/"), page.commonPrefixes());
        assertEquals(List.of(top), page.uploads());
        UploadListPage afterPrefix = listUploads(null, "/", "img/", null, 10);
        assertEquals(List.of(top), afterPrefix.uploads());
        assertTrue(afterPrefix.commonPrefixes().isEmpty());
    }

    @Test
    void completedUploadsAreForgottenAfterTheirRetention() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        ZkMetadataStore forgetful = newStore(config().withCompletedUploadRetention(java.time.Duration.ofMillis(1)));
        UploadRecord u = start("disk.raw");
        store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "abc-1"), WriteCondition.NONE);
        assertTrue(store.completedUpload(bucket, u.uploadId()).isPresent());
        Thread.sleep(5);
        forgetful.sweep();
        assertTrue(store.completedUpload(bucket, u.uploadId()).isEmpty());
        assertThrows(MetadataException.NoSuchUpload.class,
                () -> store.completeUpload(bucket, u.uploadId(), draft("disk.raw", "abc-1"), WriteCondition.NONE));
    }

    @Test
    void uploadsOfAMissingBucketFail() {
        assertThrows(MetadataException.NoSuchBucket.class, () -> start("k"));
    }

    private List<String> sortSameTime(List<String> ids, UploadRecord b1, UploadRecord b2) {
        List<String> out = new ArrayList<>(ids);
        List<String> pair = new ArrayList<>(List.of(b1.uploadId(), b2.uploadId()));
        pair.sort(null);
        out.set(1, pair.get(0));
        out.set(2, pair.get(1));
        return ids.equals(out) ? ids : out;
    }

    private UploadListPage listUploads(String prefix, String delimiter, String keyMarker, String idMarker, int max) {
        return store.listUploads(bucket, new UploadListQuery(prefix, delimiter, keyMarker, idMarker, max));
    }

    private org.apache.curator.framework.CuratorFramework server(ZkMetadataStore s) {
        var client = org.apache.curator.framework.CuratorFrameworkFactory.newClient(server.getConnectString(),
                new org.apache.curator.retry.RetryOneTime(100));
        client.start();
        return client;
    }
}
