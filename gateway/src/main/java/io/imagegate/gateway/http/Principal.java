package io.imagegate.gateway.http;

/**
 * Who is calling: a user or nobody. Admins act on every bucket. {@code id} is the user's canonical
 * id ({@link io.imagegate.meta.CanonicalIds}), by which owners are recorded and compared: never the
 * name, which a later user may be given.
 */
public record Principal(String name, boolean admin, String id) {

    public static final Principal ANONYMOUS = new Principal(null, false, null);

    public boolean anonymous() {
        return id == null;
    }
}
