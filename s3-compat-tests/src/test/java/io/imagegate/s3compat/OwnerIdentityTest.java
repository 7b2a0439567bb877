package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.Versioning;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Owners are recorded by canonical id, never by name: a user deleted and a later user created with
 * the same name are two people, and the second owns nothing of the first's (issue 12, finding 5).
 * Records written before ids existed name their owner by user name and keep meaning the user who
 * had that name then.
 */
class OwnerIdentityTest {

    static GatewayFixture gw;
    static S3Client root;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        root = gw.rootClient();
    }

    @AfterAll
    static void stop() throws Exception {
        root.close();
        gw.close();
    }

    @Test
    void aUserCreatedWithTheNameOfADeletedUserOwnsNothingOfIt() {
        String b = GatewayFixture.uniqueBucket("carols");
        String oldId;
        gw.gateway().meta().createUser(new UserRecord("carol", "AKIACAROLFIRST000001", "first-carol-secret", null, false));
        try (S3Client first = gw.client("AKIACAROLFIRST000001", "first-carol-secret")) {
            first.createBucket(r -> r.bucket(b));
            first.putObject(r -> r.bucket(b).key("diary"), RequestBody.fromString("private"));
            oldId = first.listBuckets().owner().id();
        }
        gw.gateway().meta().deleteUser("carol");
        gw.gateway().meta().createUser(new UserRecord("carol", "AKIACAROLSECOND00001", "second-carol-secret", null, false));
        try (S3Client second = gw.client("AKIACAROLSECOND00001", "second-carol-secret")) {
            assertNotEquals(oldId, second.listBuckets().owner().id(), "a new user gets a new canonical id");
            assertTrue(second.listBuckets().buckets().stream().noneMatch(x -> x.name().equals(b)));
            for (Runnable attempt : java.util.List.<Runnable>of(
                    () -> second.getObjectAsBytes(r -> r.bucket(b).key("diary")),
                    () -> second.listObjectsV2(r -> r.bucket(b)),
                    () -> second.putObject(r -> r.bucket(b).key("x"), RequestBody.fromString("x")),
                    () -> second.getBucketAcl(r -> r.bucket(b)),
                    () -> second.deleteBucket(r -> r.bucket(b)))) {
                assertEquals(403, assertThrows(S3Exception.class, attempt::run).statusCode());
            }
        }
        // the object still names the first carol, by id; her name is no longer shown: it is someone else's now
        var owner = root.listObjectsV2(r -> r.bucket(b).fetchOwner(true)).contents().get(0).owner();
        assertEquals(oldId, owner.id());
        assertNull(owner.displayName());
        var acl = root.getBucketAcl(r -> r.bucket(b));
        assertEquals(oldId, acl.owner().id());
    }

    @Test
    void recordsFromBeforeIdsKeepMeaningTheUserWhoHadTheNameThen() {
        // a bucket record of the old format names its owner "dave"; dave's user record of that time had no id,
        // which reads as the id derived from his name
        String b = GatewayFixture.uniqueBucket("legacy");
        gw.gateway().meta().createBucket(new BucketRecord(b, "dave", Instant.now(), CannedAcl.PRIVATE,
                Versioning.UNVERSIONED, 65536, "us-east-1"));
        gw.gateway().meta().createUser(new UserRecord("dave", "AKIADAVEFIRST0000001", "first-dave-secret", null, false,
                CanonicalIds.legacy("dave")));
        try (S3Client dave = gw.client("AKIADAVEFIRST0000001", "first-dave-secret")) {
            dave.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("v"));
            assertEquals("v", dave.getObjectAsBytes(r -> r.bucket(b).key("k")).asUtf8String());
            assertTrue(dave.listBuckets().buckets().stream().anyMatch(x -> x.name().equals(b)));
            assertEquals(CanonicalIds.legacy("dave"), dave.getBucketAcl(r -> r.bucket(b)).owner().id());
            assertEquals("dave", dave.getBucketAcl(r -> r.bucket(b)).owner().displayName());
        }
        gw.gateway().meta().deleteUser("dave");
        gw.gateway().meta().createUser(new UserRecord("dave", "AKIADAVESECOND000001", "second-dave-secret", null, false));
        try (S3Client dave = gw.client("AKIADAVESECOND000001", "second-dave-secret")) {
            assertEquals(403, assertThrows(S3Exception.class,
                    () -> dave.getObjectAsBytes(r -> r.bucket(b).key("k"))).statusCode());
        }
    }

    @Test
    void theRootUserKeepsItsIdWhenItsKeysChange() throws Exception {
        try (GatewayFixture own = GatewayFixture.start(); S3Client oldRoot = own.rootClient()) {
            String before = oldRoot.listBuckets().owner().id();
            // a gateway started with other root keys replaces the root user's record: same user, new keys
            try (var peer = io.imagegate.gateway.Gateway.start(io.imagegate.gateway.Gateway.Options.defaults(own.dataDir())
                    .withZooKeeper(own.zookeeperConnect()).withPort(0)
                    .withRootCredentials("IGROOTROTATEDKEY0001", "rotated/root/secret/key/for/tests/01"));
                 S3Client rotated = own.client("IGROOTROTATEDKEY0001", "rotated/root/secret/key/for/tests/01")) {
                assertEquals(before, rotated.listBuckets().owner().id());
            }
        }
    }
}
