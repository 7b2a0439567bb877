package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.Grant;
import io.imagegate.meta.Grant.Permission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.w3c.dom.Element;

/**
 * The explicit grants a request states, parsed and checked as S3 does: an AccessControlPolicy body
 * (PutBucketAcl, PutObjectAcl) or the {@code x-amz-grant-*} headers (those and every write that
 * creates a bucket or an object). Grants are kept exactly as given, in order. A grantee is a user by
 * canonical id (which must be a user's: 400 InvalidArgument "Invalid id"), by e-mail address
 * (resolved, as AWS does, to the one user with that address, and stored as that user's id; 400
 * UnresolvableGrantByEmailAddress when no user, or more than one, has it) or one of S3's groups by
 * URI (400 InvalidArgument for any other URI).
 */
public final class AclRequest {

    /** The users grants may name. */
    public interface Users {
        /** Whether a canonical id is a user's. */
        boolean exists(String canonicalId);

        /** The canonical id of the one user with this e-mail address, if there is one. */
        Optional<String> idByEmail(String email);
    }

    /** The grant headers in the order their grants are stored, with the permission each gives. */
    static final List<String> HEADERS = List.of("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
            "x-amz-grant-write-acp", "x-amz-grant-full-control");
    private static final List<Permission> HEADER_PERMISSIONS = List.of(Permission.READ, Permission.WRITE,
            Permission.READ_ACP, Permission.WRITE_ACP, Permission.FULL_CONTROL);
    private static final List<String> GROUPS = List.of(Grant.ALL_USERS, Grant.AUTHENTICATED_USERS, Grant.LOG_DELIVERY);

    private AclRequest() {}

    /** Whether the request carries any {@code x-amz-grant-*} header. */
    static boolean hasGrantHeaders(Function<String, String> header) {
        return HEADERS.stream().anyMatch(h -> header.apply(h) != null);
    }

    /**
     * The grants of the {@code x-amz-grant-*} headers: {@code id="..."}, {@code emailAddress="..."}
     * or {@code uri="..."}, comma-separated, quotes optional (aws-cli sends {@code id=...}).
     *
     * @param header the request's header by name, null when absent
     * @param userExists whether a canonical id is a user's
     * @return null when the request has none of these headers
     */
    public static List<Grant> fromHeaders(Function<String, String> header, Users users) {
        List<Grant> grants = null;
        for (int i = 0; i < HEADERS.size(); i++) {
            String value = header.apply(HEADERS.get(i));
            if (value == null) {
                continue;
            }
            if (grants == null) {
                grants = new ArrayList<>();
            }
            for (String[] grantee : grantees(HEADERS.get(i), value)) {
                grants.add(grant(grantee[0], grantee[1], HEADER_PERMISSIONS.get(i), users));
                if (grants.size() > AccessControlList.MAX_GRANTS) {
                    throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "An ACL may have at most "
                            + AccessControlList.MAX_GRANTS + " grants.").detail("ArgumentName", HEADERS.get(i));
                }
            }
        }
        return grants;
    }

    /** One header's {@code key=value} pairs; 400 InvalidArgument "Argument format not recognized" if it has none or is malformed. */
    private static List<String[]> grantees(String name, String value) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (true) {
            while (i < n && isSpace(value.charAt(i))) i++;
            int eq = value.indexOf('=', i);
            if (eq < 0) {
                throw badFormat(name, value);
            }
            String key = value.substring(i, eq).trim();
            i = eq + 1;
            while (i < n && isSpace(value.charAt(i))) i++;
            String v;
            if (i < n && value.charAt(i) == '"') {
                int close = value.indexOf('"', i + 1);
                if (close < 0) {
                    throw badFormat(name, value);
                }
                v = value.substring(i + 1, close);
                i = close + 1;
            } else {
                int comma = value.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                v = value.substring(i, end).trim();
                i = end;
            }
            if (key.isEmpty() || v.isEmpty()) {
                throw badFormat(name, value);
            }
            out.add(new String[] {key, v});
            while (i < n && isSpace(value.charAt(i))) i++;
            if (i == n) {
                return out;
            }
            if (value.charAt(i) != ',') {
                throw badFormat(name, value);
            }
            i++;
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static S3Exception badFormat(String name, String value) {
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Argument format not recognized")
                .detail("ArgumentName", name).detail("ArgumentValue", value);
    }

    private static Grant grant(String type, String value, Permission permission, Users users) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "id" -> user(value, permission, users);
            case "emailaddress" -> byEmail(value, permission, users);
            case "uri" -> group(value, permission);
            default -> throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Argument format not recognized")
                    .detail("ArgumentName", type).detail("ArgumentValue", value);
        };
    }

    /**
     * The grants of an AccessControlPolicy body. Its {@code Owner} is not checked: the owner of a
     * bucket or an object is who created it, and no ACL changes that.
     *
     * @throws S3Exception 400 MalformedACLError for a body that is not such a policy (not XML, another
     *         root, a grant without a grantee or with an unknown permission, more than 100 grants)
     */
    public static List<Grant> fromPolicy(byte[] body, Users users) {
        XmlDocument doc;
        try {
            doc = XmlDocument.parse(body);
        } catch (S3Exception e) {
            throw malformed();
        }
        if (!doc.rootName().equals("AccessControlPolicy")) {
            throw malformed();
        }
        List<Element> lists = XmlDocument.children(doc.root(), "AccessControlList");
        if (lists.size() > 1) {
            throw malformed();
        }
        List<Grant> grants = new ArrayList<>();
        for (Element list : lists) {
            for (Element g : XmlDocument.children(list, "Grant")) {
                if (grants.size() == AccessControlList.MAX_GRANTS) {
                    throw malformed();
                }
                Permission permission = permission(XmlDocument.childText(g, "Permission").orElse(""));
                List<Element> grantees = XmlDocument.children(g, "Grantee");
                if (grantees.size() != 1) {
                    throw malformed();
                }
                grants.add(grantee(grantees.get(0), permission, users));
            }
        }
        return grants;
    }

    private static Permission permission(String text) {
        try {
            return Permission.valueOf(text.trim());
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
    }

    private static Grant grantee(Element g, Permission permission, Users users) {
        Optional<String> uri = XmlDocument.childText(g, "URI").map(String::trim);
        if (uri.isPresent()) {
            return group(uri.get(), permission);
        }
        Optional<String> email = XmlDocument.childText(g, "EmailAddress").map(String::trim);
        if (email.isPresent()) {
            return byEmail(email.get(), permission, users);
        }
        Optional<String> id = XmlDocument.childText(g, "ID").map(String::trim);
        if (id.isPresent()) {
            return user(id.get(), permission, users);
        }
        throw malformed();
    }

    private static Grant user(String id, Permission permission, Users users) {
        if (id.isEmpty() || id.length() > 128 || !users.exists(id)) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid id").detail("ArgumentName", "CanonicalUser/ID")
                    .detail("ArgumentValue", id);
        }
        return Grant.user(id, permission);
    }

    private static Grant byEmail(String email, Permission permission, Users users) {
        if (email.isEmpty() || email.length() > 254) {
            throw unresolvable(email);
        }
        return Grant.user(users.idByEmail(email).orElseThrow(() -> unresolvable(email)), permission);
    }

    private static Grant group(String uri, Permission permission) {
        if (!GROUPS.contains(uri)) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT).detail("ArgumentName", "uri")
                    .detail("ArgumentValue", uri);
        }
        return Grant.group(uri, permission);
    }

    private static S3Exception unresolvable(String email) {
        return new S3Exception(S3ErrorCode.UNRESOLVABLE_GRANT_BY_EMAIL_ADDRESS).detail("EmailAddress", email);
    }

    private static S3Exception malformed() {
        return new S3Exception(S3ErrorCode.MALFORMED_ACL);
    }
}
