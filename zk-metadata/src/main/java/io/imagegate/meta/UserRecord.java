package io.imagegate.meta;

import java.time.Instant;

/**
 * A user and its key pair. The root user is an admin and may act on every bucket.
 *
 * @param id the user's canonical id ({@link CanonicalIds}): what owner fields record. Null in a
 *           record to be created (the store gives it a new one) and in records written before ids
 *           existed; {@link #canonicalId()} interprets both.
 * @param email the user's e-mail address, or null: what an ACL grant by e-mail address
 *              ({@code AmazonCustomerByEmail}) resolves to this user
 */
public record UserRecord(String name, String accessKey, String secretKey, Instant created, boolean admin, String id,
        String email) {

    /** A user without an e-mail address. */
    public UserRecord(String name, String accessKey, String secretKey, Instant created, boolean admin, String id) {
        this(name, accessKey, secretKey, created, admin, id, null);
    }

    /** A user to create, whose canonical id the store chooses. */
    public UserRecord(String name, String accessKey, String secretKey, Instant created, boolean admin) {
        this(name, accessKey, secretKey, created, admin, null);
    }

    /** The same user with an e-mail address. */
    public UserRecord withEmail(String address) {
        return new UserRecord(name, accessKey, secretKey, created, admin, id, address);
    }

    /** The id owner fields name this user by; for a record from before ids, the legacy one of its name. */
    public String canonicalId() {
        return id != null ? id : CanonicalIds.legacy(name);
    }

    /** The same user with other keys (and the same id): what rotating keys stores. */
    public UserRecord withKeys(String newAccessKey, String newSecretKey, Instant when) {
        return new UserRecord(name, newAccessKey, newSecretKey, when, admin, canonicalId(), email);
    }
}
