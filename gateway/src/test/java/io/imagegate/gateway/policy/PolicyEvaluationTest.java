package io.imagegate.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** How a parsed policy decides: deny over allow over nothing, patterns, Not-elements and conditions. */
class PolicyEvaluationTest {

    static final String ANN = PolicyParserTest.ANN_ID;
    static final String BOB = "b".repeat(64);

    static Policy bucketPolicy(String statements) {
        return PolicyParser.bucketPolicy(("{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + "]}")
                .getBytes(StandardCharsets.UTF_8), "images", PolicyParserTest.USERS).policy();
    }

    static Policy userPolicy(String statements) {
        return PolicyParser.userPolicy(("{\"Version\":\"2012-10-17\",\"Statement\":[" + statements + "]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    static Function<String, String> keys(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m::get;
    }

    static Decision get(Policy p, String who, String key, Function<String, String> keys) {
        return p.evaluate(who, "s3:GetObject", Policy.objectArn("images", key), keys);
    }

    @Test
    void anExplicitDenyWinsOverAnyAllowAndNothingSaidIsNone() {
        Policy p = bucketPolicy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::images/*\"},"
                + "{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"arn:aws:iam:::user/ann\"},\"Action\":\"s3:GetObject\","
                + "\"Resource\":\"arn:aws:s3:::images/secret/*\"}");
        assertEquals(Decision.ALLOW, get(p, ANN, "public/a", keys()));
        assertEquals(Decision.DENY, get(p, ANN, "secret/a", keys()));
        assertEquals(Decision.ALLOW, get(p, BOB, "secret/a", keys()));
        assertEquals(Decision.ALLOW, get(p, null, "secret/a", keys()), "anonymous callers are everyone too");
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:ListBucket", Policy.bucketArn("images"), keys()));
        assertEquals(Decision.DENY, Decision.ALLOW.and(Decision.DENY));
        assertEquals(Decision.ALLOW, Decision.NONE.and(Decision.ALLOW));
        assertEquals(Decision.NONE, Decision.NONE.and(Decision.NONE));
    }

    @Test
    void actionsMatchWithoutRegardToCaseAndResourcesWithWildcards() {
        Policy p = userPolicy("{\"Effect\":\"Allow\",\"Action\":[\"S3:GET*\",\"imagegate:GetManifest\"],"
                + "\"Resource\":\"arn:aws:s3:::images/vm-?/*\"}");
        assertEquals(Decision.ALLOW, get(p, ANN, "vm-1/disk.raw", keys()));
        assertEquals(Decision.ALLOW, p.evaluate(ANN, "s3:GetObjectVersion", Policy.objectArn("images", "vm-2/x/y"), keys()));
        assertEquals(Decision.NONE, get(p, ANN, "vm-10/disk.raw", keys()), "? is one character");
        assertEquals(Decision.NONE, get(p, ANN, "VM-1/disk.raw", keys()), "resources are case-sensitive");
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:PutObject", Policy.objectArn("images", "vm-1/a"), keys()));
        assertEquals(Decision.ALLOW, p.evaluate(ANN, "imagegate:GetManifest", Policy.objectArn("images", "vm-1/a"), keys()));
    }

    @Test
    void notActionNotResourceAndNotPrincipalInvertTheirElement() {
        Policy p = bucketPolicy("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam:::user/ann\"},"
                + "\"NotAction\":[\"s3:GetObject\",\"s3:ListBucket\"],\"NotResource\":\"arn:aws:s3:::images/public/*\"}");
        assertEquals(Decision.DENY, p.evaluate(BOB, "s3:PutObject", Policy.objectArn("images", "a"), keys()));
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:PutObject", Policy.objectArn("images", "a"), keys()));
        assertEquals(Decision.NONE, p.evaluate(BOB, "s3:GetObject", Policy.objectArn("images", "a"), keys()));
        assertEquals(Decision.NONE, p.evaluate(BOB, "s3:PutObject", Policy.objectArn("images", "public/a"), keys()));
        assertEquals(Decision.DENY, p.evaluate(null, "s3:DeleteObject", Policy.objectArn("images", "a"), keys()));
    }

    @Test
    void prefixConditionsHoldOnlyForTheListingsTheyName() {
        Policy p = bucketPolicy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\","
                + "\"Resource\":\"arn:aws:s3:::images\",\"Condition\":{\"StringLike\":{\"s3:prefix\":\"images/*\"}}}");
        String bucket = Policy.bucketArn("images");
        assertEquals(Decision.ALLOW, p.evaluate(ANN, "s3:ListBucket", bucket, keys("s3:prefix", "images/vm-1")));
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:ListBucket", bucket, keys("s3:prefix", "other/")));
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:ListBucket", bucket, keys()), "no prefix sent: the key is absent");
        Policy not = bucketPolicy("{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\","
                + "\"Resource\":\"arn:aws:s3:::images\",\"Condition\":{\"StringNotLike\":{\"s3:prefix\":\"images/*\"}}}");
        assertEquals(Decision.DENY, not.evaluate(ANN, "s3:ListBucket", bucket, keys()), "negated: an absent key holds");
        assertEquals(Decision.DENY, not.evaluate(ANN, "s3:ListBucket", bucket, keys("s3:prefix", "x")));
        assertEquals(Decision.NONE, not.evaluate(ANN, "s3:ListBucket", bucket, keys("s3:prefix", "images/a")));
    }

    @Test
    void sourceAddressesAreMatchedByCidrInBothFamilies() {
        Policy p = bucketPolicy("{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::images/*\","
                + "\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":[\"192.0.2.0/24\",\"2001:db8::/32\",\"127.0.0.1\"]}}}");
        assertEquals(Decision.NONE, get(p, ANN, "a", keys("aws:sourceip", "192.0.2.77")));
        assertEquals(Decision.NONE, get(p, ANN, "a", keys("aws:sourceip", "127.0.0.1")));
        assertEquals(Decision.NONE, get(p, ANN, "a", keys("aws:sourceip", "2001:db8:0:0:0:0:0:5")));
        assertEquals(Decision.NONE, get(p, ANN, "a", keys("aws:sourceip", "::ffff:192.0.2.8")));
        assertEquals(Decision.DENY, get(p, ANN, "a", keys("aws:sourceip", "192.0.3.1")));
        assertEquals(Decision.DENY, get(p, ANN, "a", keys("aws:sourceip", "127.0.0.2")));
        assertEquals(Decision.DENY, get(p, ANN, "a", keys("aws:sourceip", "2001:db9::1")));
    }

    @Test
    void ifExistsNullBoolAndNumericOperators() {
        Policy p = bucketPolicy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:ListBucket\","
                + "\"Resource\":\"arn:aws:s3:::images\",\"Condition\":{\"NumericLessThanEqualsIfExists\":{\"s3:max-keys\":\"100\"},"
                + "\"Bool\":{\"aws:SecureTransport\":\"true\"},\"Null\":{\"aws:userid\":\"false\"}}}");
        String bucket = Policy.bucketArn("images");
        assertEquals(Decision.ALLOW, p.evaluate(ANN, "s3:ListBucket", bucket,
                keys("aws:securetransport", "true", "aws:userid", ANN)));
        assertEquals(Decision.ALLOW, p.evaluate(ANN, "s3:ListBucket", bucket,
                keys("aws:securetransport", "true", "aws:userid", ANN, "s3:max-keys", "100")));
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:ListBucket", bucket,
                keys("aws:securetransport", "true", "aws:userid", ANN, "s3:max-keys", "1000")));
        assertEquals(Decision.NONE, p.evaluate(ANN, "s3:ListBucket", bucket,
                keys("aws:securetransport", "false", "aws:userid", ANN)));
        assertEquals(Decision.NONE, p.evaluate(null, "s3:ListBucket", bucket, keys("aws:securetransport", "true")),
                "Null false: anonymous callers have no user id");
    }

    @Test
    void variablesTakeTheCallersValuesAndAnAbsentOneMatchesNothing() {
        Policy p = userPolicy("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                + "\"Resource\":\"arn:aws:s3:::images/home/${aws:username}/*\"}");
        assertEquals(Decision.ALLOW, get(p, ANN, "home/ann/a", keys("aws:username", "ann")));
        assertEquals(Decision.NONE, get(p, ANN, "home/bob/a", keys("aws:username", "ann")));
        assertEquals(Decision.NONE, get(p, ANN, "home/bob/a", keys("aws:username", "*")), "a value is never a wildcard");
        assertEquals(Decision.NONE, get(p, null, "home/ann/a", keys()));
    }

    @Test
    void deletingCanBeAllowedSomewhereInABucketOnlyByAStatementThatReachesIt() {
        Policy p = userPolicy("{\"Effect\":\"Allow\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"arn:aws:s3:::scratch/tmp/*\"}");
        assertEquals(true, p.mayAllowIn(ANN, "s3:DeleteObject", "scratch", keys()));
        assertEquals(false, p.mayAllowIn(ANN, "s3:DeleteObject", "images", keys()));
        assertEquals(false, p.mayAllowIn(ANN, "s3:DeleteObjectVersion", "scratch", keys()));
    }

    @Test
    void anUnreadablePolicyDeniesEverything() {
        assertEquals(Decision.DENY, Policy.denyAll().evaluate(null, "s3:GetObject", Policy.objectArn("b", "k"), keys()));
        assertEquals(Decision.DENY, Policy.denyAll().evaluate(ANN, "s3:ListAllMyBuckets", Policy.SERVICE_RESOURCE, keys()));
    }
}
