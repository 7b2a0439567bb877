package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.Grant;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fuzzes the explicit-grant parser ({@link AclRequest}): an AccessControlPolicy body or the five
 * {@code x-amz-grant-*} headers either give at most 100 grants, each to a user the lookup knows (by
 * id, or by the e-mail address one user has) or to one of S3's groups, the same ones when parsed again and when the grants are written back as a
 * policy (what GetObjectAcl answers) and parsed; or they are refused with the S3 errors AWS answers
 * (MalformedACLError for a body, InvalidArgument, UnresolvableGrantByEmailAddress); never another
 * exception. An input starting with {@code H} is header values, one line per header in the order
 * read, write, read-acp, write-acp, full-control ({@code ~} or a missing line: header absent); any
 * other input is a body after its first byte. Bodies are bounded as the gateway bounds them (64 KiB).
 */
class AclRequestFuzzTest {

    static final String ERIN = "e".repeat(64);
    static final String DAVE = "d0".repeat(32);
    private static final Set<String> KNOWN = Set.of(ERIN, DAVE);
    /** Erin has an address; two users share the other, which so names nobody. */
    private static final AclRequest.Users USERS = new AclRequest.Users() {
        @Override
        public boolean exists(String canonicalId) {
            return KNOWN.contains(canonicalId);
        }

        @Override
        public Optional<String> idByEmail(String email) {
            return email.equalsIgnoreCase("erin@example.com") ? Optional.of(ERIN) : Optional.empty();
        }
    };
    private static final Set<String> GROUPS = Set.of(Grant.ALL_USERS, Grant.AUTHENTICATED_USERS, Grant.LOG_DELIVERY);

    @FuzzTest
    @DictionaryEntries({"<AccessControlPolicy>", "<AccessControlList>", "<Grant>", "<Grantee>", "<ID>", "<URI>",
        "<EmailAddress>", "<Permission>", "FULL_CONTROL", "READ_ACP", "WRITE_ACP", "xsi:type=\"CanonicalUser\"",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"", "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "id=\"", "uri=\"", "emailAddress=\"", ", ",
        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"})
    void grantsParseToKnownGranteesOrAreRefused(FuzzedDataProvider data) {
        byte[] input = data.consumeRemainingAsBytes();
        if (input.length > 0 && input[0] == 'H') {
            headers(new String(input, 1, input.length - 1, StandardCharsets.ISO_8859_1));
        } else {
            body(input.length == 0 ? input : Arrays.copyOfRange(input, 1, Math.min(input.length, 1 + 64 * 1024)));
        }
    }

    private static void headers(String text) {
        String[] lines = text.split("\n", -1);
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < AclRequest.HEADERS.size() && i < lines.length; i++) {
            if (!lines[i].equals("~")) {
                values.put(AclRequest.HEADERS.get(i), lines[i]);
            }
        }
        List<Grant> grants;
        try {
            grants = AclRequest.fromHeaders(values::get, USERS);
        } catch (S3Exception e) {
            assertTrue(e.code() == S3ErrorCode.INVALID_ARGUMENT || e.code() == S3ErrorCode.UNRESOLVABLE_GRANT_BY_EMAIL_ADDRESS,
                    () -> "refused as " + e.code());
            return;
        }
        if (values.isEmpty()) {
            assertEquals(null, grants, "no header, no grants");
            return;
        }
        check(grants);
        assertEquals(grants, AclRequest.fromHeaders(values::get, USERS), "the same grants twice");
        // grouped by header, in the headers' order
        for (int i = 1; i < grants.size(); i++) {
            assertTrue(order(grants.get(i - 1)) <= order(grants.get(i)), "grants in header order: " + grants);
        }
        assertEquals(grants, AclRequest.fromPolicy(policy(grants), USERS), "written back as a policy");
    }

    private static void body(byte[] body) {
        List<Grant> grants;
        try {
            grants = AclRequest.fromPolicy(body, USERS);
        } catch (S3Exception e) {
            assertTrue(e.code() == S3ErrorCode.MALFORMED_ACL || e.code() == S3ErrorCode.INVALID_ARGUMENT
                    || e.code() == S3ErrorCode.UNRESOLVABLE_GRANT_BY_EMAIL_ADDRESS, () -> "refused as " + e.code());
            return;
        }
        check(grants);
        assertEquals(grants, AclRequest.fromPolicy(body, USERS), "the same grants twice");
        assertEquals(grants, AclRequest.fromPolicy(policy(grants), USERS), "written back as a policy");
    }

    private static void check(List<Grant> grants) {
        assertNotNull(grants);
        assertTrue(grants.size() <= AccessControlList.MAX_GRANTS, () -> grants.size() + " grants");
        for (Grant g : grants) {
            assertTrue(g.id() != null ? KNOWN.contains(g.id()) : GROUPS.contains(g.uri()), () -> "grantee of " + g);
        }
        assertEquals(grants, AccessControlList.of(grants).grants(), "storable as they are");
    }

    private static int order(Grant g) {
        return switch (g.permission()) {
            case READ -> 0;
            case WRITE -> 1;
            case READ_ACP -> 2;
            case WRITE_ACP -> 3;
            case FULL_CONTROL -> 4;
        };
    }

    /** The grants as GetObjectAcl writes them. */
    private static byte[] policy(List<Grant> grants) {
        StringBuilder x = new StringBuilder("<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>")
                .append(DAVE).append("</ID></Owner><AccessControlList>");
        for (Grant g : grants) {
            x.append("<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"")
                    .append(g.id() != null ? "CanonicalUser\"><ID>" + g.id() + "</ID>" : "Group\"><URI>" + g.uri() + "</URI>")
                    .append("</Grantee><Permission>").append(g.permission()).append("</Permission></Grant>");
        }
        return x.append("</AccessControlList></AccessControlPolicy>").toString().getBytes(StandardCharsets.UTF_8);
    }
}
