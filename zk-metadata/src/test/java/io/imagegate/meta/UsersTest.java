package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsersTest extends ZkTestSupport {

    private String name(String n) {
        return bucket + "-" + n;
    }

    private UserRecord user(String n, String key) {
        return new UserRecord(name(n), bucket + key, "secret-" + n, null, false);
    }

    @Test
    void createdUserIsFoundByAccessKey() {
        UserRecord u = store.createUser(user("ann", "AK1"));
        assertTrue(u.created() != null);
        assertEquals(Optional.of(u), store.userByAccessKey(bucket + "AK1"));
        assertTrue(store.userByAccessKey(bucket + "nope").isEmpty());
    }

    /** What ACL grants by e-mail address resolve: the one user with the address, ignoring case; else nobody. */
    @Test
    void aUserIsFoundByItsEmailAddressWhenNoOtherHasIt() {
        UserRecord ann = store.createUser(user("ann", "AK1").withEmail("ann@example.com"));
        assertEquals("ann@example.com", store.user(name("ann")).orElseThrow().email());
        assertEquals(ann.canonicalId(), store.userByEmail("Ann@Example.com").orElseThrow().canonicalId());
        assertTrue(store.userByEmail("bob@example.com").isEmpty());
        store.createUser(user("bob", "AK2").withEmail("ANN@example.com"));
        assertTrue(store.userByEmail("ann@example.com").isEmpty(), "an address two users have names nobody");
        store.deleteUser(name("bob"));
        assertEquals(ann.canonicalId(), store.userByEmail("ann@example.com").orElseThrow().canonicalId());
        assertThrows(IllegalArgumentException.class, () -> store.createUser(user("cid", "AK3").withEmail("not an address")));
    }

    @Test
    void namesAndAccessKeysAreUnique() {
        store.createUser(user("ann", "AK1"));
        assertThrows(MetadataException.UserExists.class, () -> store.createUser(user("ann", "AK2")));
        assertThrows(MetadataException.UserExists.class, () -> store.createUser(user("bob", "AK1")));
        assertTrue(store.userByAccessKey(bucket + "AK2").isEmpty());
    }

    @Test
    void usersAreListedSortedByName() {
        store.createUser(user("cid", "AK3"));
        store.createUser(user("ann", "AK1"));
        store.createUser(user("bob", "AK2"));
        List<String> names = store.users().stream().map(UserRecord::name).filter(n -> n.startsWith(bucket + "-"))
                .toList();
        assertEquals(List.of(name("ann"), name("bob"), name("cid")), names);
    }

    @Test
    void userCreatedThroughAnotherStoreAuthenticatesAtOnce() {
        ZkMetadataStore other = storeOnClient(config());
        assertTrue(store.userByAccessKey(bucket + "AK1").isEmpty());
        UserRecord u = other.createUser(user("ann", "AK1"));
        assertEquals(Optional.of(u), store.userByAccessKey(bucket + "AK1"));
    }

    @Test
    void deletionTakesEffectAtOnceHereAndWhenTheWatchFiresElsewhere() throws Exception {
        ZkMetadataStore other = newStore(config());
        store.createUser(user("ann", "AK1"));
        assertTrue(other.userByAccessKey(bucket + "AK1").isPresent());
        assertTrue(store.userByAccessKey(bucket + "AK1").isPresent());
        store.deleteUser(name("ann"));
        assertTrue(store.userByAccessKey(bucket + "AK1").isEmpty());
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (other.userByAccessKey(bucket + "AK1").isPresent() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertTrue(other.userByAccessKey(bucket + "AK1").isEmpty());
        assertThrows(MetadataException.NoSuchUser.class, () -> store.deleteUser(name("ann")));
    }

    @Test
    void aDeletedAccessKeyCanBeGivenToANewUser() {
        store.createUser(user("ann", "AK1"));
        store.deleteUser(name("ann"));
        UserRecord bob = store.createUser(user("bob", "AK1"));
        assertEquals(Optional.of(bob), store.userByAccessKey(bucket + "AK1"));
    }

    @Test
    void eachUserGetsACanonicalIdOfItsOwnThatNoLaterUserOfTheNameGets() {
        UserRecord first = store.createUser(user("ann", "AK1"));
        assertTrue(CanonicalIds.isId(first.id()), first.id());
        assertEquals(Optional.of(first), store.userById(first.canonicalId()));
        store.deleteUser(name("ann"));
        assertTrue(store.userById(first.canonicalId()).isEmpty(), "a deleted user is no one's id");
        UserRecord second = store.createUser(user("ann", "AK2"));
        assertTrue(!first.id().equals(second.id()), "the same name, another person, another id");
        assertEquals(Optional.of(second), store.userById(second.canonicalId()));
        assertEquals(second.id(), store.userByAccessKey(bucket + "AK2").orElseThrow().canonicalId());
    }

    @Test
    void aUserRecordFromBeforeIdsStandsForTheIdDerivedFromItsName() {
        UserRecord old = new UserRecord("dave", "AKD", "secret", null, false);
        assertEquals(CanonicalIds.legacy("dave"), old.canonicalId());
        assertEquals(CanonicalIds.legacy("dave"), CanonicalIds.ofOwner("dave"), "an old owner field holds the name");
        String id = CanonicalIds.newId();
        assertEquals(id, CanonicalIds.ofOwner(id), "a new owner field holds the id");
        // the id clients were shown for "dave" before ids existed: SHA-256 of "imagegate-user:dave"
        assertEquals(sha256Hex("imagegate-user:dave"), CanonicalIds.legacy("dave"));
        // a record as stored before ids (docs/FORMAT-zookeeper.md), and as stored now
        UserRecord stored = Stored.user(("{\"name\":\"dave\",\"accessKey\":\"AKD\",\"secretKey\":\"secret\","
                + "\"created\":\"2024-11-25T16:00:00Z\",\"admin\":false,\"token\":\"AAAAAAAAAAAAAAAA\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).record();
        assertEquals(null, stored.id());
        assertEquals(CanonicalIds.legacy("dave"), stored.canonicalId());
        String now = new String(Stored.user(new UserRecord("dave", "AKD", "secret", null, false, id), "AAAAAAAAAAAAAAAA"),
                java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(now.contains("\"id\":\"" + id + "\""), now);
    }

    private static String sha256Hex(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aUserNameOfTheFormOfAnIdIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> store.createUser(
                new UserRecord("ab".repeat(32), bucket + "AK9", "secret", null, false)));
    }
}
