package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Bucket and user policies in ZooKeeper: where they live, what replaces and removes them, and whom they follow. */
class PoliciesTest extends ZkTestSupport {

    static final PolicyDocument ONE = new PolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[]}",
            Map.of("arn:aws:iam:::user/ann", "a".repeat(64)));
    static final PolicyDocument TWO = new PolicyDocument("{ \"Id\": \"two\" }");

    private UserRecord user(String n, String key) {
        return new UserRecord(bucket + "-" + n, bucket + key, "secret-" + n, null, false);
    }

    @Test
    void aBucketPolicyIsStoredAsGivenReplacedWholeAndRemoved() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.bucketPolicy(bucket));
        store.putBucketPolicy(b, ONE);
        assertEquals(Optional.of(ONE), store.bucketPolicy(bucket), "text and resolved users as given");
        store.putBucketPolicy(b, TWO);
        assertEquals(Optional.of(TWO), store.bucketPolicy(bucket));
        store.deleteBucketPolicy(b);
        assertEquals(Optional.empty(), store.bucketPolicy(bucket));
        store.deleteBucketPolicy(b); // nothing to remove is no error, as S3's 204
        assertEquals(Optional.empty(), store.bucketPolicy(bucket));
    }

    @Test
    void aBucketPolicyNeedsItsBucketAndGoesWithIt() throws Exception {
        BucketRecord never = new BucketRecord(bucket, "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536,
                "us-east-1");
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.putBucketPolicy(never, ONE));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.bucketPolicy(bucket));
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.deleteBucketPolicy(never));
        BucketRecord b = createBucket(Versioning.ENABLED);
        store.putBucketPolicy(b, ONE);
        store.deleteBucket(bucket);
        assertThrows(MetadataException.NoSuchBucket.class, () -> store.bucketPolicy(bucket));
        assertEquals(null, raw().checkExists().forPath("/imagegate/buckets/" + bucket + "/policy"));
        createBucket(Versioning.ENABLED);
        assertEquals(Optional.empty(), store.bucketPolicy(bucket), "a bucket created again under the name has none");
    }

    @Test
    void aBucketPolicySetThroughOneStoreIsReadThroughAnother() {
        BucketRecord b = createBucket(Versioning.ENABLED);
        ZkMetadataStore other = newStore(config());
        store.putBucketPolicy(b, ONE);
        assertEquals(Optional.of(ONE), other.bucketPolicy(bucket));
        other.deleteBucketPolicy(b);
        assertEquals(Optional.empty(), store.bucketPolicy(bucket));
    }

    @Test
    void aUserPolicyIsKeptByCanonicalIdAndAUserCreatedAgainUnderTheNameHasNone() throws Exception {
        UserRecord ann = store.createUser(user("ann", "AK1"));
        assertEquals(Optional.empty(), store.userPolicy(ann.canonicalId()));
        store.putUserPolicy(ann.name(), ONE);
        assertEquals(Optional.of(ONE), store.userPolicy(ann.canonicalId()));
        store.putUserPolicy(ann.name(), TWO);
        assertEquals(Optional.of(TWO), store.userPolicy(ann.canonicalId()));
        assertTrue(store.deleteUserPolicy(ann.name()));
        assertFalse(store.deleteUserPolicy(ann.name()));
        assertEquals(Optional.empty(), store.userPolicy(ann.canonicalId()));

        store.putUserPolicy(ann.name(), ONE);
        store.deleteUser(ann.name());
        assertEquals(null, raw().checkExists().forPath("/imagegate/userpolicies/" + ann.canonicalId()),
                "deleted with its user");
        // (the id is nobody's any more; this store's mirror drops it when the watch fires)
        assertEquals(Optional.empty(), eventually(() -> store.userPolicy(ann.canonicalId()), Optional.empty()));
        UserRecord again = store.createUser(user("ann", "AK2"));
        assertNotEquals(ann.canonicalId(), again.canonicalId());
        assertEquals(Optional.empty(), store.userPolicy(again.canonicalId()));
        assertThrows(MetadataException.NoSuchUser.class, () -> store.putUserPolicy(bucket + "-nobody", ONE));
        assertThrows(MetadataException.NoSuchUser.class, () -> store.deleteUserPolicy(bucket + "-nobody"));
    }

    @Test
    void aUserPolicySetThroughAnotherStoreAppliesHereOnceItsWatchFires() throws Exception {
        ZkMetadataStore other = newStore(config());
        UserRecord ann = store.createUser(user("ann", "AK1"));
        assertEquals(Optional.empty(), store.userPolicy(ann.canonicalId()));
        other.putUserPolicy(ann.name(), ONE);
        assertEquals(Optional.of(ONE), other.userPolicy(ann.canonicalId()), "the writer sees its own change at once");
        assertEquals(Optional.of(ONE), eventually(() -> store.userPolicy(ann.canonicalId()), Optional.of(ONE)));
        other.deleteUserPolicy(ann.name());
        assertEquals(Optional.empty(), eventually(() -> store.userPolicy(ann.canonicalId()), Optional.empty()));
    }

    @Test
    void anUnreadableUserPolicyRecordIsKeptAsADocumentNoParserAccepts() throws Exception {
        UserRecord ann = store.createUser(user("ann", "AK1"));
        raw().create().forPath("/imagegate/userpolicies/" + ann.canonicalId(), "not json".getBytes());
        Optional<PolicyDocument> seen = eventually(() -> store.userPolicy(ann.canonicalId()),
                Optional.of(new PolicyDocument("")));
        assertEquals(Optional.of(new PolicyDocument("")), seen, "never silently no policy: its denies would be lost");
        raw().delete().forPath("/imagegate/userpolicies/" + ann.canonicalId());
    }

    private org.apache.curator.framework.CuratorFramework raw() {
        org.apache.curator.framework.CuratorFramework c = org.apache.curator.framework.CuratorFrameworkFactory
                .newClient(server.getConnectString(), new org.apache.curator.retry.RetryOneTime(100));
        c.start();
        closeables.add(c);
        return c;
    }

    private static <T> T eventually(java.util.function.Supplier<T> read, T wanted) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        T last = read.get();
        while (!wanted.equals(last) && System.nanoTime() < end) {
            Thread.sleep(5);
            last = read.get();
        }
        return last;
    }
}
