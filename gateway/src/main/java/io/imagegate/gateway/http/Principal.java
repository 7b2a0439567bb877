package io.imagegate.gateway.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Who is calling: a user (by name) or nobody. Admins act on every bucket. */
public record Principal(String name, boolean admin) {

    public static final Principal ANONYMOUS = new Principal(null, false);

    public boolean anonymous() {
        return name == null;
    }

    /** The 64-hex canonical user id S3 clients expect in Owner elements, derived from the name. */
    public static String canonicalId(String userName) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(("imagegate-user:" + userName).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
