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
}
