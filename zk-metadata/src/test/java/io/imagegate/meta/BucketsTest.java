package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.UploadListQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketsTest extends ZkTestSupport {

    @Test
    void createdBucketIsReadBackThroughAnotherStore() {
        BucketRecord created = createBucket(Versioning.UNVERSIONED);
        ZkMetadataStore other = newStore(config());
        assertEquals(created, other.bucket(bucket).orElseThrow());
        assertTrue(created.created() != null);
    }

    @Test
    void creatingAnExistingBucketNamesItsOwner() {
        createBucket(Versioning.UNVERSIONED);
        var e = assertThrows(MetadataException.BucketAlreadyExists.class, () -> store.createBucket(
                new BucketRecord(bucket, "bob", null, CannedAcl.PRIVATE, Versioning.UNVERSIONED, 65536, "r")));
        assertEquals("alice", e.owner());
    }

    @Test
    void bucketsAreListedSortedByName() {
        for (String suffix : List.of("-c", "-a", "-b")) {
            store.createBucket(new BucketRecord(bucket + suffix, "alice", null, CannedAcl.PRIVATE,
                    Versioning.UNVERSIONED, 65536, "r"));
        }
        List<String> names = store.buckets().stream().map(BucketRecord::name).filter(n -> n.startsWith(bucket))
                .toList();
        assertEquals(List.of(bucket + "-a", bucket + "-b", bucket + "-c"), names);
    }

    @Test
    void updateChangesAclAndVersioningOnly() {
        BucketRecord created = createBucket(Versioning.UNVERSIONED);
        BucketRecord updated = store.updateBucket(created.withAcl(CannedAcl.PUBLIC_READ)
                .withVersioning(Versioning.ENABLED));
        assertEquals(created.withAcl(CannedAcl.PUBLIC_READ).withVersioning(Versioning.ENABLED), updated);
        assertEquals(updated, store.bucket(bucket).orElseThrow());
    }

    @Test
    void versioningOnceEnabledCanBeSuspendedButNotTurnedOff() {
        BucketRecord created = createBucket(Versioning.ENABLED);
        assertThrows(MetadataException.InvalidArgument.class,
                () -> store.updateBucket(created.withVersioning(Versioning.UNVERSIONED)));
        assertEquals(Versioning.SUSPENDED,
                store.updateBucket(created.withVersioning(Versioning.SUSPENDED)).versioning());
    }

    @Test
    void updatingAMissingBucketFails() {
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.updateBucket(
                new BucketRecord(bucket, "a", null, CannedAcl.PRIVATE, Versioning.ENABLED, 1, "r")));
    }

    @Test
    void deleteRefusesWhileAKeyRemains() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        assertThrows(MetadataException.BucketNotEmpty.class, () -> store.deleteBucket(bucket));
        store.delete(bucket, "k", null, WriteCondition.NONE);
        store.deleteBucket(bucket);
        assertTrue(store.bucket(bucket).isEmpty());
    }

    @Test
    void deleteRefusesWhileOnlyADeleteMarkerRemains() {
        createBucket(Versioning.ENABLED);
        put("k", "e1");
        var marker = store.delete(bucket, "k", null, WriteCondition.NONE);
        var first = store.listVersions(bucket, new MetadataStore.VersionListQuery(null, null, null, null, 10))
                .versions().get(1).version();
        store.delete(bucket, "k", first.versionId(), WriteCondition.NONE);
        assertThrows(MetadataException.BucketNotEmpty.class, () -> store.deleteBucket(bucket));
        store.delete(bucket, "k", marker.versionId(), WriteCondition.NONE);
        store.deleteBucket(bucket);
    }

    @Test
    void deleteDiscardsUploadsInProgressAsS3Does() throws Exception {
        createBucket(Versioning.UNVERSIONED);
        UploadRecord u = store.createUpload(bucket, MultipartTest.upload("big.raw"));
        store.putPart(bucket, u.uploadId(), MultipartTest.part(1));
        store.deleteBucket(bucket);
        store.awaitMaintenance();
        assertFalse(store.bucket(bucket).isPresent());
        createBucket(Versioning.UNVERSIONED);
        assertTrue(store.listUploads(bucket, new UploadListQuery(null, null, null, null, 10)).uploads().isEmpty());
        assertThrows(MetadataException.NoSuchUpload.class, () -> store.upload(bucket, u.uploadId()));
    }

    @Test
    void deletingAMissingBucketFails() {
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.deleteBucket(bucket));
    }

    @Test
    void keysOfADeletedBucketDoNotReappearWhenItIsCreatedAgain() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "e1");
        store.delete(bucket, "k", null, WriteCondition.NONE);
        store.deleteBucket(bucket);
        createBucket(Versioning.UNVERSIONED);
        assertTrue(store.current(bucket, "k").isEmpty());
        assertTrue(listAllKeys(store, null, 10).isEmpty());
    }
}
