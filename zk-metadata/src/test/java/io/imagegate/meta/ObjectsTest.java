package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.DeleteResult;
import io.imagegate.meta.MetadataStore.VersionEntry;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectsTest extends ZkTestSupport {

    private List<VersionEntry> versions(String key) {
        return store.listVersions(bucket, new VersionListQuery(key, null, null, null, 1000)).versions().stream()
                .filter(v -> v.version().key().equals(key)).toList();
    }

    private List<String> etags(String key) {
        return versions(key).stream().map(v -> v.version().deleteMarker() ? "marker" : v.version().etag()).toList();
    }

    @Test
    void publishedVersionIsCurrentWithTimeAndNullIdInAnUnversionedBucket() {
        createBucket(Versioning.UNVERSIONED);
        VersionRecord v = put("disk.raw", "e1");
        assertEquals(VersionRecord.NULL_VERSION, v.versionId());
        assertTrue(v.lastModified() != null);
        assertEquals(v, store.current(bucket, "disk.raw").orElseThrow());
        assertEquals(v, store.version(bucket, "disk.raw", "null"));
    }

    @Test
    void overwriteInAnUnversionedBucketKeepsOneVersion() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        put("k", "e2");
        assertEquals(List.of("e2"), etags("k"));
    }

    @Test
    void missingKeyHasNoCurrentVersion() {
        createBucket(Versioning.UNVERSIONED);
        assertTrue(store.current(bucket, "nope").isEmpty());
        assertThrows(MetadataException.NoSuchVersion.class, () -> store.version(bucket, "nope", "null"));
    }

    @Test
    void readsAndWritesInAMissingBucketFail() {
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.current(bucket, "k"));
        assertThrows(MetadataException.NoSuchBucket.class, () -> put("k", "e"));
        assertThrows(MetadataException.NoSuchBucket.class,
                () -> store.list(bucket, new MetadataStore.ListQuery(null, null, null, 10)));
    }

    @Test
    void unversionedDeleteRemovesTheKeyAndMissingKeysDeleteFine() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        assertEquals(new DeleteResult(null, false), store.delete(bucket, "k", null, WriteCondition.NONE));
        assertTrue(store.current(bucket, "k").isEmpty());
        assertEquals(new DeleteResult(null, false), store.delete(bucket, "k", null, WriteCondition.NONE));
    }

    @Test
    void versionedPublishesGetDistinctOrderedIdsNewestFirst() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        VersionRecord b = put("k", "e2");
        assertNotEquals(a.versionId(), b.versionId());
        assertTrue(a.versionId().compareTo(b.versionId()) < 0);
        assertEquals(List.of("e2", "e1"), etags("k"));
        assertEquals(List.of(true, false), versions("k").stream().map(VersionEntry::latest).toList());
        assertEquals(a, store.version(bucket, "k", a.versionId()));
    }

    @Test
    void deleteInAVersionedBucketAddsAMarkerThatHidesTheKey() {
        createBucket(Versioning.ENABLED);
        put("k", "e1");
        DeleteResult r = store.delete(bucket, "k", null, WriteCondition.NONE);
        assertTrue(r.deleteMarker());
        VersionRecord marker = store.current(bucket, "k").orElseThrow();
        assertTrue(marker.deleteMarker());
        assertEquals(r.versionId(), marker.versionId());
        assertTrue(listAllKeys(store, null, 10).isEmpty());
        assertEquals(List.of("marker", "e1"), etags("k"));
    }

    @Test
    void deleteOfAMissingKeyInAVersionedBucketStillAddsAMarker() {
        createBucket(Versioning.ENABLED);
        DeleteResult r = store.delete(bucket, "ghost", null, WriteCondition.NONE);
        assertTrue(r.deleteMarker());
        assertEquals(List.of("marker"), etags("ghost"));
    }

    @Test
    void removingTheCurrentVersionMakesThePreviousOneCurrent() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        VersionRecord b = put("k", "e2");
        assertEquals(new DeleteResult(b.versionId(), false),
                store.delete(bucket, "k", b.versionId(), WriteCondition.NONE));
        assertEquals(a, store.current(bucket, "k").orElseThrow());
        assertThrows(MetadataException.NoSuchVersion.class, () -> store.version(bucket, "k", b.versionId()));
    }

    @Test
    void removingADeleteMarkerBringsTheObjectBack() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        DeleteResult marker = store.delete(bucket, "k", null, WriteCondition.NONE);
        assertEquals(new DeleteResult(marker.versionId(), true),
                store.delete(bucket, "k", marker.versionId(), WriteCondition.NONE));
        assertEquals(a, store.current(bucket, "k").orElseThrow());
    }

    @Test
    void removingAnOlderVersionLeavesTheCurrentOne() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        VersionRecord b = put("k", "e2");
        put("k", "e3");
        store.delete(bucket, "k", b.versionId(), WriteCondition.NONE);
        assertEquals(List.of("e3", "e1"), etags("k"));
        assertEquals(a, store.version(bucket, "k", a.versionId()));
    }

    @Test
    void removingTheLastVersionRemovesTheKey() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        store.delete(bucket, "k", a.versionId(), WriteCondition.NONE);
        assertTrue(store.current(bucket, "k").isEmpty());
        assertTrue(versions("k").isEmpty());
        store.deleteBucket(bucket);
    }

    @Test
    void aRecreatedKeyNeverAnswersToAnOldVersionId() {
        createBucket(Versioning.ENABLED);
        VersionRecord old = put("k", "e1");
        store.delete(bucket, "k", old.versionId(), WriteCondition.NONE);
        VersionRecord fresh = put("k", "e2");
        assertNotEquals(old.versionId(), fresh.versionId());
        assertThrows(MetadataException.NoSuchVersion.class, () -> store.version(bucket, "k", old.versionId()));
        assertEquals(new DeleteResult(old.versionId(), false),
                store.delete(bucket, "k", old.versionId(), WriteCondition.NONE));
        assertEquals(fresh, store.current(bucket, "k").orElseThrow());
    }

    @Test
    void deletingAWellFormedVersionTheKeyLacksSucceedsAndChangesNothing() {
        createBucket(Versioning.ENABLED);
        VersionRecord a = put("k", "e1");
        String missing = VersionIds.create(1, 5);
        assertEquals(new DeleteResult(missing, false), store.delete(bucket, "k", missing, WriteCondition.NONE));
        assertEquals(new DeleteResult(missing, false), store.delete(bucket, "ghost", missing, WriteCondition.NONE));
        assertEquals(a, store.current(bucket, "k").orElseThrow());
    }

    @Test
    void malformedVersionIdsAreInvalidArguments() {
        createBucket(Versioning.ENABLED);
        put("k", "e1");
        assertThrows(MetadataException.InvalidVersionId.class, () -> store.version(bucket, "k", "not-a-version"));
        assertThrows(MetadataException.InvalidVersionId.class,
                () -> store.delete(bucket, "k", "not-a-version", WriteCondition.NONE));
        MetadataException.InvalidVersionId marker = assertThrows(MetadataException.InvalidVersionId.class,
                () -> store.listVersions(bucket, new VersionListQuery(null, null, "k", "not-a-version", 10)));
        assertEquals("version-id-marker", marker.argument());
        assertEquals("not-a-version", marker.versionId());
    }

    @Test
    void enablingVersioningKeepsTheNullVersionAsAnOlderVersion() {
        BucketRecord b = createBucket(Versioning.UNVERSIONED);
        VersionRecord nullVersion = put("k", "e1");
        store.updateBucket(b.withVersioning(Versioning.ENABLED));
        VersionRecord v2 = put("k", "e2");
        assertEquals(List.of("e2", "e1"), etags("k"));
        assertEquals(nullVersion, store.version(bucket, "k", "null"));
        assertEquals(v2, store.current(bucket, "k").orElseThrow());
    }

    @Test
    void suspendedWritesReplaceTheNullVersionAndKeepOthers() {
        BucketRecord b = createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        store.updateBucket(b.withVersioning(Versioning.ENABLED));
        VersionRecord v2 = put("k", "e2");
        store.updateBucket(b.withVersioning(Versioning.SUSPENDED));
        VersionRecord n3 = put("k", "e3");
        assertEquals(VersionRecord.NULL_VERSION, n3.versionId());
        assertEquals(List.of("e3", "e2"), etags("k"));
        put("k", "e4");
        assertEquals(List.of("e4", "e2"), etags("k"));
        assertEquals(v2, store.version(bucket, "k", v2.versionId()));
    }

    @Test
    void suspendedDeleteReplacesTheNullVersionWithANullMarker() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        put("k", "e1");
        store.updateBucket(b.withVersioning(Versioning.SUSPENDED));
        put("k", "e2");
        assertEquals(new DeleteResult("null", true), store.delete(bucket, "k", null, WriteCondition.NONE));
        assertEquals(List.of("marker", "e1"), etags("k"));
        VersionRecord marker = store.version(bucket, "k", "null");
        assertTrue(marker.deleteMarker());
    }

    @Test
    void nullVersionSupersededInAVersionedBucketIsRemovedBySuspendedWrite() {
        BucketRecord b = createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        store.updateBucket(b.withVersioning(Versioning.ENABLED));
        put("k", "e2");
        store.updateBucket(b.withVersioning(Versioning.SUSPENDED));
        put("k", "e3");
        assertEquals(List.of("e3", "e2"), etags("k"));
        assertEquals("e3", store.version(bucket, "k", "null").etag());
    }

    @Test
    void deletingTheNullVersionByIdPromotesThePreviousVersion() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        VersionRecord v1 = put("k", "e1");
        store.updateBucket(b.withVersioning(Versioning.SUSPENDED));
        put("k", "e2");
        assertEquals(new DeleteResult("null", false), store.delete(bucket, "k", "null", WriteCondition.NONE));
        assertEquals(v1, store.current(bucket, "k").orElseThrow());
        assertEquals(new DeleteResult("null", false), store.delete(bucket, "k", "null", WriteCondition.NONE));
    }

    @Test
    void unicodeAndAwkwardKeysWorkEndToEnd() {
        createBucket(Versioning.ENABLED);
        for (String key : List.of(".", "..", "a/b/../c", "100%/x", "日本/ディスク.qcow2", "😀", " lead", "x".repeat(1024),
                "é".repeat(512))) {
            VersionRecord v = put(key, "e-" + key.length());
            assertEquals(v, store.current(bucket, key).orElseThrow(), key);
            assertEquals(v, store.version(bucket, key, v.versionId()));
        }
        assertEquals(9, listAllKeys(store, null, 4).size());
    }

    @Test
    void longKeysSharingAPrefixStayDistinct() {
        createBucket(Versioning.UNVERSIONED);
        String base = "p/".repeat(300);
        put(base + "a", "ea");
        put(base + "b", "eb");
        assertEquals("ea", store.current(bucket, base + "a").orElseThrow().etag());
        assertEquals("eb", store.current(bucket, base + "b").orElseThrow().etag());
        assertEquals(List.of(base + "a", base + "b"), listAllKeys(store, null, 1));
        store.delete(bucket, base + "a", null, WriteCondition.NONE);
        assertEquals(List.of(base + "b"), listAllKeys(store, null, 10));
    }

    @Test
    void manyVersionsOfOneKeySpanSeveralGroups() {
        createBucket(Versioning.ENABLED);
        VersionRecord first = put("k", "e0");
        for (int i = 1; i <= 1100; i++) {
            put("k", "e" + i);
        }
        assertEquals(first, store.version(bucket, "k", first.versionId()));
        List<String> all = new java.util.ArrayList<>();
        String keyMarker = null;
        String versionMarker = null;
        while (true) {
            var page = store.listVersions(bucket, new VersionListQuery(null, null, keyMarker, versionMarker, 300));
            page.versions().forEach(v -> all.add(v.version().etag()));
            if (!page.truncated()) {
                break;
            }
            keyMarker = page.nextKeyMarker();
            versionMarker = page.nextVersionIdMarker();
        }
        assertEquals(1101, all.size());
        assertEquals("e1100", all.get(0));
        assertEquals("e0", all.get(1100));
        store.delete(bucket, "k", first.versionId(), WriteCondition.NONE);
        assertFalse(etags("k").contains("e0"));
        assertNull(null);
    }
}
