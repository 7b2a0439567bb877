package io.imagegate.meta;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Canonical user ids: 64 lower-case hex digits, as S3's canonical user ids look. A user gets a
 * random one when created and keeps it for life; it is never given to anyone else, so an owner
 * recorded by id cannot pass to a later user of the same name. Bucket, version and upload records
 * name their owner by this id (docs/FORMAT-zookeeper.md, "Owners").
 */
public final class CanonicalIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private CanonicalIds() {}

    /** A new id: 256 random bits. */
    public static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    /** True for 64 lower-case hex digits: an id, never a user name (names of that form are refused). */
    public static boolean isId(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The id records written before ids existed stand for: derived from the user name they hold.
     * Users created before ids existed (their records have no {@code id}) have this id too, so they
     * keep what they owned; a user created since has a random id and owns none of it.
     */
    public static String legacy(String userName) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(("imagegate-user:" + userName).getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The id an owner field names: the id it holds, or the legacy id of the user name an old record holds. */
    public static String ofOwner(String stored) {
        if (stored == null) {
            return null;
        }
        return isId(stored) ? stored : legacy(stored);
    }
}
