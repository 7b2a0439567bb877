package io.imagegate.meta;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * A ZooKeeper digest identity ({@code user:password}). A store that connects with one creates every
 * znode with the ACL "all rights to the creating identity, none to anyone else", so other clients
 * of the ensemble can neither read the metadata (users' secret keys among it) nor change it.
 * Every gateway and every administration command of one deployment uses the same identity.
 */
public record ZkAuth(String user, String password) {

    /** The environment variable that holds {@code user:password}. */
    public static final String ENV = "IMAGEGATE_ZOOKEEPER_AUTH";

    public ZkAuth {
        if (user == null || user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("a ZooKeeper auth user is non-empty and has no ':'");
        }
        if (password == null || password.length() < 8) {
            throw new IllegalArgumentException("a ZooKeeper auth password has at least 8 characters");
        }
    }

    /** Parses {@code user:password} (the password may contain ':'). */
    public static ZkAuth parse(String userColonPassword) {
        int colon = userColonPassword.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(ENV + " must be USER:PASSWORD");
        }
        return new ZkAuth(userColonPassword.substring(0, colon), userColonPassword.substring(colon + 1));
    }

    /** The identity {@link #ENV} names, or null when it is unset or empty. */
    public static ZkAuth fromEnvironment(Map<String, String> env) {
        String v = env.get(ENV);
        return v == null || v.isBlank() ? null : parse(v.strip());
    }

    /** What the client sends with {@code addAuthInfo("digest", ...)}. */
    byte[] digestBytes() {
        return (user + ":" + password).getBytes(StandardCharsets.UTF_8);
    }

    /** The ACL of every znode a store with this identity creates. */
    static List<ACL> acl(ZkAuth auth) {
        return auth == null ? ZooDefs.Ids.OPEN_ACL_UNSAFE : ZooDefs.Ids.CREATOR_ALL_ACL;
    }

    @Override
    public String toString() {
        return "ZkAuth[user=" + user + ", password=****]";
    }
}
