package io.imagegate.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Policy documents AWS refuses are refused with AWS's message; the forms it accepts are accepted. */
class PolicyParserTest {

    static final String ANN_ID = "a".repeat(64);
    static final PolicyParser.Users USERS = new PolicyParser.Users() {
        @Override
        public Optional<String> idOf(String arn, String userName) {
            return userName.equals("ann") ? Optional.of(ANN_ID) : Optional.empty();
        }

        @Override
        public boolean exists(String canonicalId) {
            return canonicalId.equals(ANN_ID);
        }
    };

    static PolicyParser.Parsed bucket(String json) {
        return PolicyParser.bucketPolicy(json.getBytes(StandardCharsets.UTF_8), "images", USERS);
    }

    static String refusedAsBucketPolicy(String json) {
        return assertThrows(MalformedPolicyException.class, () -> bucket(json)).getMessage();
    }

    static String refusedAsUserPolicy(String json) {
        return assertThrows(MalformedPolicyException.class,
                () -> PolicyParser.userPolicy(json.getBytes(StandardCharsets.UTF_8))).getMessage();
    }

    static String statement(String body) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{" + body + "}]}";
    }

    @Test
    void aDocumentThatDoesNotStartWithABraceIsRefusedAsAwsDoes() {
        assertEquals("Policies must be valid JSON and the first byte must be '{'", refusedAsBucketPolicy(" {}"));
        assertEquals("Policies must be valid JSON and the first byte must be '{'", refusedAsBucketPolicy("[]"));
        assertEquals("Policies must be valid JSON and the first byte must be '{'", refusedAsBucketPolicy(""));
    }

    @Test
    void brokenJsonTrailingTokensAndDuplicateFieldsAreInvalidJson() {
        assertEquals("This policy contains invalid Json", refusedAsBucketPolicy("{\"Version\":"));
        assertEquals("This policy contains invalid Json", refusedAsBucketPolicy("{} {}"));
        assertEquals("This policy contains invalid Json",
                refusedAsBucketPolicy("{\"Version\":\"2012-10-17\",\"Version\":\"2012-10-17\"}"));
    }

    @Test
    void theTopLevelNeedsAStatementAndAKnownVersion() {
        assertEquals("Missing required field Statement", refusedAsBucketPolicy("{\"Version\":\"2012-10-17\"}"));
        assertEquals("Could not parse the policy: Statement is empty!",
                refusedAsBucketPolicy("{\"Version\":\"2012-10-17\",\"Statement\":[]}"));
        assertEquals("The policy must contain a valid version string",
                refusedAsBucketPolicy("{\"Version\":\"2020-01-01\",\"Statement\":[]}"));
        assertEquals("Invalid policy syntax.", refusedAsBucketPolicy("{\"Statements\":[]}"));
    }

    @Test
    void everyStatementNeedsEffectPrincipalActionAndResource() {
        String p = "\"Principal\":\"*\",";
        String a = "\"Action\":\"s3:GetObject\",";
        String r = "\"Resource\":\"arn:aws:s3:::images/*\"";
        assertEquals("Missing required field Effect", refusedAsBucketPolicy(statement(p + a + r)));
        assertEquals("Invalid effect: allow", refusedAsBucketPolicy(statement("\"Effect\":\"allow\"," + p + a + r)));
        assertEquals("Missing required field Principal", refusedAsBucketPolicy(statement("\"Effect\":\"Allow\"," + a + r)));
        assertEquals("Missing required field Action",
                refusedAsBucketPolicy(statement("\"Effect\":\"Allow\"," + p + r)));
        assertEquals("Missing required field Resource", refusedAsBucketPolicy(statement("\"Effect\":\"Allow\"," + p
                + "\"Action\":\"s3:GetObject\"")));
        assertEquals("Invalid policy syntax.", refusedAsBucketPolicy(statement("\"Effect\":\"Allow\"," + p + a + r
                + ",\"Extra\":1")));
    }

    @Test
    void principalsAreEveryoneUsersByArnOrCanonicalIds() {
        String rest = "\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::images/*\"";
        assertEquals(Map.of("arn:aws:iam::123456789012:user/ann", ANN_ID),
                bucket(statement(rest + ",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/ann\"}")).users());
        assertEquals(Map.of("arn:aws:iam:::user/ann", ANN_ID),
                bucket(statement(rest + ",\"Principal\":{\"AWS\":[\"arn:aws:iam:::user/ann\",\"*\"]}")).users());
        bucket(statement(rest + ",\"Principal\":{\"CanonicalUser\":\"" + ANN_ID + "\"}"));
        bucket(statement(rest + ",\"Principal\":{\"AWS\":\"*\"}"));
        for (String bad : List.of("\"bob\"", "{\"AWS\":\"arn:aws:iam::123456789012:user/nobody\"}",
                "{\"AWS\":\"arn:aws:iam::123456789012:root\"}", "{\"AWS\":\"123456789012\"}",
                "{\"CanonicalUser\":\"" + "b".repeat(64) + "\"}", "{\"Service\":\"s3.amazonaws.com\"}", "{}",
                "{\"AWS\":[]}")) {
            assertEquals("Invalid principal in policy", refusedAsBucketPolicy(statement(rest + ",\"Principal\":" + bad)), bad);
        }
        assertEquals("Invalid principal in policy", refusedAsBucketPolicy(statement(rest + ",\"NotPrincipal\":\"*\"")),
                "NotPrincipal with Allow");
        bucket(statement(rest.replace("Allow", "Deny") + ",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam:::user/ann\"}"));
    }

    @Test
    void actionsMustNameSomeActionAndApplyToTheResources() {
        String head = "\"Effect\":\"Allow\",\"Principal\":\"*\",";
        assertEquals("Policy has invalid action", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"s3:GetNothing\",\"Resource\":\"arn:aws:s3:::images/*\"")));
        assertEquals("Policy has invalid action", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"ec2:RunInstances\",\"Resource\":\"arn:aws:s3:::images/*\"")));
        assertEquals("Policy has invalid action", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"GetObject\",\"Resource\":\"arn:aws:s3:::images/*\"")));
        assertEquals("Action does not apply to any resource(s) in statement", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::images\"")));
        assertEquals("Action does not apply to any resource(s) in statement", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::images/x\"")));
        assertEquals("Action does not apply to any resource(s) in statement", refusedAsBucketPolicy(statement(head
                + "\"Action\":\"imagegate:CommitVersion\",\"Resource\":\"arn:aws:s3:::images\"")));
        // case-insensitive names, wildcards, and a statement whose actions reach both kinds
        bucket(statement(head + "\"Action\":[\"S3:getobject\",\"s3:List*\",\"imagegate:*\"],"
                + "\"Resource\":[\"arn:aws:s3:::images\",\"arn:aws:s3:::images/*\"]"));
        bucket(statement(head + "\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::images*\""));
    }

    @Test
    void aBucketPolicyNamesResourcesOfItsOwnBucketOnly() {
        String head = "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",";
        for (String bad : List.of("\"*\"", "\"arn:aws:s3:::other/*\"", "\"images/*\"", "\"arn:aws:s3:::\"",
                "\"arn:aws:iam::123456789012:user/ann\"", "[]")) {
            assertEquals("Policy has invalid resource", refusedAsBucketPolicy(statement(head + "\"Resource\":" + bad)), bad);
        }
        bucket(statement(head + "\"Resource\":\"arn:aws:s3:::im?ges/vm-*\""));
        bucket(statement(head + "\"Resource\":\"arn:aws:s3:::*/*\""));
    }

    @Test
    void conditionsNeedKnownOperatorsKnownKeysAndFittingValues() {
        String head = "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\","
                + "\"Resource\":\"arn:aws:s3:::images\",\"Condition\":";
        bucket(statement(head + "{\"StringLike\":{\"s3:prefix\":[\"images/*\",\"\"]},"
                + "\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"2001:db8::/32\",\"127.0.0.1\"]},"
                + "\"NumericLessThanEquals\":{\"s3:max-keys\":100},\"Bool\":{\"aws:SecureTransport\":false},"
                + "\"StringEqualsIfExists\":{\"s3:delimiter\":\"/\"},\"Null\":{\"aws:username\":\"false\"}}"));
        assertEquals("Invalid Condition type : StringSorta", refusedAsBucketPolicy(statement(head
                + "{\"StringSorta\":{\"s3:prefix\":\"a\"}}")));
        assertEquals("Invalid Condition type : NullIfExists", refusedAsBucketPolicy(statement(head
                + "{\"NullIfExists\":{\"s3:prefix\":\"true\"}}")));
        assertEquals("Policy has an invalid condition key", refusedAsBucketPolicy(statement(head
                + "{\"StringEquals\":{\"s3:no-such-key\":\"a\"}}")));
        assertEquals("Policy has an invalid condition key", refusedAsBucketPolicy(statement(head
                + "{\"StringEquals\":{\"aws:PrincipalTag/team\":\"a\"}}")));
        assertEquals("Invalid IP address in Conditions", refusedAsBucketPolicy(statement(head
                + "{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.300/8\"}}")));
        assertEquals("Invalid IP address in Conditions", refusedAsBucketPolicy(statement(head
                + "{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}")));
        assertEquals("Invalid IP address in Conditions", refusedAsBucketPolicy(statement(head
                + "{\"IpAddress\":{\"aws:SourceIp\":\"localhost\"}}")));
        assertEquals("Invalid value in Conditions for operator NumericEquals", refusedAsBucketPolicy(statement(head
                + "{\"NumericEquals\":{\"s3:max-keys\":\"ten\"}}")));
        assertEquals("Conditions do not apply to combination of actions and resources in statement",
                refusedAsBucketPolicy(statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                        + "\"Resource\":\"arn:aws:s3:::images/*\",\"Condition\":{\"StringLike\":{\"s3:prefix\":\"a\"}}")));
        assertEquals("imagegate does not support the condition operator DateLessThan", refusedAsBucketPolicy(statement(
                head + "{\"DateLessThan\":{\"aws:username\":\"2030-01-01T00:00:00Z\"}}")));
    }

    @Test
    void aBucketPolicyAbove20KbWithoutWhitespaceIsRefusedAndWhitespaceDoesNotCount() {
        StringBuilder resources = new StringBuilder();
        int n = 0;
        while (resources.length() < 21 * 1024) {
            resources.append(n == 0 ? "" : ",").append("\"arn:aws:s3:::images/prefix-").append(n++).append("/*\"");
        }
        String big = statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":["
                + resources + "]");
        assertEquals("Normalized policy document exceeds the maximum allowed size of 20480 bytes",
                refusedAsBucketPolicy(big));
        String small = statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Resource\":\"arn:aws:s3:::images/*\"");
        bucket(small.replace(",", ",\n" + " ".repeat(30 * 1024)));
    }

    @Test
    void aUserPolicyNamesNoPrincipalAndMayNameAnyBucket() {
        assertEquals("Policy document should not specify a principal.", refusedAsUserPolicy(statement(
                "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"")));
        PolicyParser.userPolicy(statement("\"Effect\":\"Allow\",\"Action\":[\"s3:ListAllMyBuckets\"],"
                + "\"Resource\":\"arn:aws:s3:::*\"").getBytes(StandardCharsets.UTF_8));
        PolicyParser.userPolicy(statement("\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\"")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("Action does not apply to any resource(s) in statement", refusedAsUserPolicy(statement(
                "\"Effect\":\"Allow\",\"Action\":\"s3:ListAllMyBuckets\",\"Resource\":\"arn:aws:s3:::images\"")));
        assertEquals("Policy has invalid resource", refusedAsUserPolicy(statement(
                "\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"images/*\"")));
        assertEquals("Cannot exceed quota for PolicySize: 6144", refusedAsUserPolicy(statement(
                "\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::" + "x".repeat(7000) + "\"")));
    }

    @Test
    void policyVariablesAreTakenInVersion2012OnlyAndMustBeKnownKeys() {
        String head = "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",";
        bucket(statement(head + "\"Resource\":\"arn:aws:s3:::images/home/${aws:username}/*\""));
        assertEquals("Invalid policy variable ${aws:nothing}", refusedAsBucketPolicy(statement(head
                + "\"Resource\":\"arn:aws:s3:::images/${aws:nothing}/*\"")));
        // in 2008-10-17 documents ${...} is text
        bucket("{\"Version\":\"2008-10-17\",\"Statement\":{" + head + "\"Resource\":\"arn:aws:s3:::images/${x}\"}}");
    }
}
