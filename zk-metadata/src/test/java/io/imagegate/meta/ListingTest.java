package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import io.imagegate.meta.ReferenceModel.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ListingTest extends ZkTestSupport {

    private static final String[] PREFIXES = {null, "", "a", "/", "x/", "ab/", "日", "%", ".", "😀"};
    private static final String[] DELIMITERS = {null, "/", "a", "/y", "%", "😀"};

    @Override
    protected ZkStoreConfig config() {
        return super.config().withPartitionSplitThreshold(8).withPageMaxPartitions(4);
    }

    @Test
    void listingMatchesTheReferenceModelForRandomKeysAndQueries() throws Exception {
        createBucket(Versioning.ENABLED);
        ReferenceModel model = fill(new Random(11), 250, 500);
        store.awaitMaintenance();
        ZkMetadataStore reader = newStore(config());
        Random r = new Random(5);
        List<String> allKeys = model.keys.keySet().stream().map(ByteKeys::text).toList();
        for (int i = 0; i < 150; i++) {
            String prefix = PREFIXES[r.nextInt(PREFIXES.length)];
            String delimiter = DELIMITERS[r.nextInt(DELIMITERS.length)];
            String marker = r.nextInt(3) == 0 ? null : r.nextBoolean() && !allKeys.isEmpty()
                    ? allKeys.get(r.nextInt(allKeys.size())) : TestKeys.random(r, 1 + r.nextInt(3));
            int max = 1 + r.nextInt(r.nextBoolean() ? 5 : 60);
            checkListPages(reader, model, prefix, delimiter, marker, max);
        }
    }

    @Test
    void versionListingMatchesTheReferenceModelPageByPage() throws Exception {
        createBucket(Versioning.ENABLED);
        ReferenceModel model = fill(new Random(21), 120, 400);
        store.awaitMaintenance();
        Random r = new Random(8);
        for (int i = 0; i < 60; i++) {
            String prefix = PREFIXES[r.nextInt(PREFIXES.length)];
            String delimiter = DELIMITERS[r.nextInt(DELIMITERS.length)];
            checkVersionPages(model, prefix, delimiter, 1 + r.nextInt(r.nextBoolean() ? 4 : 40));
        }
    }

    @Test
    void commonPrefixMarkerSkipsEverythingUnderIt() {
        createBucket(Versioning.UNVERSIONED);
        for (String k : List.of("a/1", "a/2", "a/3", "b", "c/1")) {
            put(k, "e");
        }
        ListPage first = store.list(bucket, new ListQuery(null, "/", null, 1));
        assertEquals(List.of("a/"), first.commonPrefixes());
        assertTrue(first.truncated());
        assertEquals("a/", first.nextMarker());
        ListPage next = store.list(bucket, new ListQuery(null, "/", first.nextMarker(), 1));
        assertEquals("b", next.contents().get(0).key());
        ListPage fromKeyUnderPrefix = store.list(bucket, new ListQuery(null, "/", "a/1", 10));
        assertEquals(List.of("b"), fromKeyUnderPrefix.contents().stream().map(VersionRecord::key).toList());
        assertEquals(List.of("c/"), fromKeyUnderPrefix.commonPrefixes());
    }

    @Test
    void prefixWhoseKeysAreAllDeletedIsNotListed() {
        createBucket(Versioning.ENABLED);
        put("gone/1", "e");
        put("gone/2", "e");
        put("here/1", "e");
        store.delete(bucket, "gone/1", null, WriteCondition.NONE);
        store.delete(bucket, "gone/2", null, WriteCondition.NONE);
        ListPage page = store.list(bucket, new ListQuery(null, "/", null, 10));
        assertEquals(List.of("here/"), page.commonPrefixes());
        assertFalse(page.truncated());
        VersionListPage versions = store.listVersions(bucket, new VersionListQuery(null, "/", null, null, 10));
        assertEquals(List.of("gone/", "here/"), versions.commonPrefixes());
    }

    @Test
    void truncationIsExactWhenOnlyDeleteMarkersFollow() {
        createBucket(Versioning.ENABLED);
        put("a", "e");
        put("b", "e");
        store.delete(bucket, "b", null, WriteCondition.NONE);
        ListPage page = store.list(bucket, new ListQuery(null, null, null, 1));
        assertEquals(1, page.contents().size());
        assertFalse(page.truncated());
        assertEquals(0, store.list(bucket, new ListQuery(null, null, null, 0)).contents().size());
    }

    // Random puts, delete markers and version removals, mirrored in the model.
    private ReferenceModel fill(Random r, int keyCount, int ops) {
        ReferenceModel model = new ReferenceModel();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < keyCount; i++) {
            keys.add(TestKeys.random(r, 1 + r.nextInt(6)));
        }
        for (int i = 0; i < ops; i++) {
            String key = keys.get(r.nextInt(keys.size()));
            int op = r.nextInt(10);
            if (op < 7) {
                VersionRecord v = put(key, "e" + i);
                model.put(key, v.versionId(), v.etag());
            } else if (op < 9) {
                var res = store.delete(bucket, key, null, WriteCondition.NONE);
                model.put(key, res.versionId(), null);
            } else {
                List<String[]> versions = model.keys.get(ReferenceModel.bytes(key));
                if (versions != null) {
                    String id = versions.get(r.nextInt(versions.size()))[0];
                    store.delete(bucket, key, id, WriteCondition.NONE);
                    model.remove(key, id);
                }
            }
        }
        return model;
    }

    private void checkListPages(MetadataStore s, ReferenceModel model, String prefix, String delimiter,
            String marker, int max) {
        List<Item> expected = model.list(new ListQuery(prefix, delimiter, marker, max));
        List<Item> got = new ArrayList<>();
        String m = marker;
        for (int pages = 0; ; pages++) {
            ListPage page = s.list(bucket, new ListQuery(prefix, delimiter, m, max));
            assertTrue(page.contents().size() + page.commonPrefixes().size() <= max);
            List<Item> items = new ArrayList<>();
            page.contents().forEach(v -> items.add(new Item(v.key(), false, null)));
            page.commonPrefixes().forEach(p -> items.add(new Item(p, true, null)));
            items.sort((a, b) -> ByteKeys.compare(ReferenceModel.bytes(a.value()), ReferenceModel.bytes(b.value())));
            got.addAll(items);
            String context = "prefix=" + prefix + " delimiter=" + delimiter + " marker=" + marker + " max=" + max;
            if (!page.truncated()) {
                break;
            }
            assertEquals(items.get(items.size() - 1).value(), page.nextMarker(), context);
            m = page.nextMarker();
            assertTrue(pages < 1000, context);
        }
        assertEquals(expected, got, "prefix=" + prefix + " delimiter=" + delimiter + " marker=" + marker);
    }

    private void checkVersionPages(ReferenceModel model, String prefix, String delimiter, int max) {
        List<Item> expected = model.listVersions(new VersionListQuery(prefix, delimiter, null, null, max));
        List<Item> got = new ArrayList<>();
        String keyMarker = null;
        String versionMarker = null;
        while (true) {
            VersionListPage page = store.listVersions(bucket,
                    new VersionListQuery(prefix, delimiter, keyMarker, versionMarker, max));
            List<Item> items = new ArrayList<>();
            page.versions().forEach(v -> items.add(new Item(v.version().key(), false, v.version().versionId())));
            page.commonPrefixes().forEach(p -> items.add(new Item(p, true, null)));
            items.sort((a, b) -> ByteKeys.compare(ReferenceModel.bytes(a.value()), ReferenceModel.bytes(b.value())));
            got.addAll(items);
            if (!page.truncated()) {
                break;
            }
            keyMarker = page.nextKeyMarker();
            versionMarker = page.nextVersionIdMarker();
        }
        assertEquals(expected, got, "prefix=" + prefix + " delimiter=" + delimiter + " max=" + max);
    }
}
