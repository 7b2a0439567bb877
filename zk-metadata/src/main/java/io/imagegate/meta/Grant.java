package io.imagegate.meta;

import java.util.Objects;

/**
 * One grant of an explicit ACL (S3's {@code Grant}): a grantee and the permission it is given. The
 * grantee is a user by canonical id ({@code CanonicalUser}; a grant by e-mail address is stored as
 * the user it resolved to) or a group by URI ({@code Group}): exactly one of {@code id} and
 * {@code uri} is set.
 */
public record Grant(String id, String uri, Permission permission) {

    /** S3's five ACL permissions. */
    public enum Permission { FULL_CONTROL, WRITE, WRITE_ACP, READ, READ_ACP }

    public static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
    public static final String AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    public static final String LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";

    public Grant {
        Objects.requireNonNull(permission, "permission");
        if ((id == null) == (uri == null)) {
            throw new IllegalArgumentException("a grant names either a user id or a group uri");
        }
    }

    public static Grant user(String id, Permission permission) {
        return new Grant(id, null, permission);
    }

    public static Grant group(String uri, Permission permission) {
        return new Grant(null, uri, permission);
    }

    /** Whether this grant gives {@code need}: the same permission, or FULL_CONTROL, which is all four. */
    public boolean gives(Permission need) {
        return permission == need || permission == Permission.FULL_CONTROL;
    }
}
