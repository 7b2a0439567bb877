package io.imagegate.gateway.policy;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The condition keys imagegate knows, and which actions each may be used with, as AWS documents
 * them. A key outside this list is "Policy has an invalid condition key": a condition on a key
 * imagegate never sets would silently never hold, so a Deny written with it would never deny.
 *
 * <ul>
 *   <li>{@code aws:SourceIp}: the address the request came from (the TCP peer of the gateway);
 *   <li>{@code aws:SecureTransport}: {@code true} over HTTPS;
 *   <li>{@code aws:username}, {@code aws:userid}: the signing user's name and canonical id (absent
 *       for anonymous requests);
 *   <li>{@code aws:UserAgent}, {@code aws:Referer}: the request headers;
 *   <li>{@code s3:prefix}, {@code s3:delimiter}, {@code s3:max-keys}: the listing's parameters, when
 *       sent (ListBucket, ListBucketVersions);
 *   <li>{@code s3:VersionId}: the version a request names ({@code *Version} actions);
 *   <li>{@code s3:x-amz-acl}: the canned ACL header of a write.
 * </ul>
 */
public final class ConditionKeys {

    public static final String SOURCE_IP = "aws:sourceip";
    public static final String SECURE_TRANSPORT = "aws:securetransport";
    public static final String USERNAME = "aws:username";
    public static final String USERID = "aws:userid";
    public static final String USER_AGENT = "aws:useragent";
    public static final String REFERER = "aws:referer";
    public static final String PREFIX = "s3:prefix";
    public static final String DELIMITER = "s3:delimiter";
    public static final String MAX_KEYS = "s3:max-keys";
    public static final String VERSION_ID = "s3:versionid";
    public static final String ACL = "s3:x-amz-acl";

    private static final Set<String> LISTING = Set.of("s3:listbucket", "s3:listbucketversions");

    /** Keys that apply to some actions only (lower-case action names); the others apply to every action. */
    private static final Map<String, Set<String>> ACTIONS = Map.of(
            PREFIX, LISTING,
            DELIMITER, LISTING,
            MAX_KEYS, LISTING,
            VERSION_ID, Set.of("s3:getobjectversion", "s3:deleteobjectversion", "s3:getobjectversionacl",
                    "s3:putobjectversionacl"),
            ACL, Set.of("s3:putobject", "s3:putobjectacl", "s3:putobjectversionacl", "s3:putbucketacl",
                    "s3:createbucket"));

    private static final Set<String> ALL = Set.of(SOURCE_IP, SECURE_TRANSPORT, USERNAME, USERID, USER_AGENT, REFERER,
            PREFIX, DELIMITER, MAX_KEYS, VERSION_ID, ACL);

    private ConditionKeys() {}

    /** Whether imagegate knows the key (names are compared without regard to case, as AWS does). */
    public static boolean known(String key) {
        return ALL.contains(key.toLowerCase(Locale.ROOT));
    }

    /** Whether the key may be used with the action (a canonical action name). */
    static boolean appliesTo(String key, String action) {
        Set<String> only = ACTIONS.get(key.toLowerCase(Locale.ROOT));
        return only == null || only.contains(action.toLowerCase(Locale.ROOT));
    }
}
