package io.imagegate.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Fuzzes bucket and user access policies (JSON a tenant sends with PutBucketPolicy or an
 * administrator with {@code user policy set}): a document parses, or is refused with the
 * MalformedPolicyException the gateway answers as 400 MalformedPolicy; never another exception.
 * A parsed policy answers every request (any caller, any action of the catalog, any resource,
 * any condition-key values) with a decision, never an exception or a hang (wildcards and
 * conditions are matched in bounded time: each input has libFuzzer's -timeout), and the same
 * decision twice; a bucket policy resolves only the users the lookup knows. Documents are raw
 * bytes, or statements assembled from fuzzed parts so the checks past the JSON are reached.
 */
class PolicyParserFuzzTest {

    private static final String BUCKET = "fuzz-bucket";
    private static final Map<String, String> KNOWN = Map.of("alice", "id-alice", "bob", "id-bob");
    private static final PolicyParser.Users USERS = new PolicyParser.Users() {
        @Override
        public Optional<String> idOf(String arn, String userName) {
            return Optional.ofNullable(KNOWN.get(userName));
        }

        @Override
        public boolean exists(String canonicalId) {
            return KNOWN.containsValue(canonicalId);
        }
    };
    private static final String[] EFFECTS = {"Allow", "Deny", "allow", ""};
    private static final String[] PRINCIPALS = {"\"*\"", "{\"AWS\":\"*\"}", "{\"AWS\":\"arn:aws:iam::000000000000:user/alice\"}",
        "{\"AWS\":[\"arn:aws:iam::000000000000:user/bob\",\"arn:aws:iam::000000000000:user/nobody\"]}",
        "{\"CanonicalUser\":\"id-alice\"}", "{\"Service\":\"s3.amazonaws.com\"}"};
    private static final String[] ACTIONS = {"\"s3:GetObject\"", "\"s3:*\"", "\"s3:Get*\"", "[\"s3:ListBucket\",\"s3:PutObject\"]",
        "\"*\"", "\"s3:DeleteObjectVersion\"", "\"s3:??tObject\"", "\"iam:CreateUser\""};
    private static final String[] RESOURCES = {"\"arn:aws:s3:::fuzz-bucket/*\"", "\"arn:aws:s3:::fuzz-bucket\"",
        "[\"arn:aws:s3:::fuzz-bucket\",\"arn:aws:s3:::fuzz-bucket/base/*\"]", "\"arn:aws:s3:::fuzz-bucket/${aws:username}/*\"",
        "\"arn:aws:s3:::other/*\"", "\"*\"", "\"arn:aws:s3:::fuzz-*\""};
    private static final String[] OPERATORS = {"StringEquals", "StringLike", "StringNotLike", "IpAddress", "NotIpAddress",
        "Bool", "NumericLessThan", "StringEqualsIgnoreCase", "ArnLike", "Null", "ForAnyValue:StringLike",
        "StringLikeIfExists", "DateLessThan"};
    private static final String[] KEYS = {ConditionKeys.SOURCE_IP, ConditionKeys.SECURE_TRANSPORT, ConditionKeys.USERNAME,
        ConditionKeys.PREFIX, ConditionKeys.MAX_KEYS, ConditionKeys.VERSION_ID, ConditionKeys.ACL, ConditionKeys.USER_AGENT};
    private static final List<ActionCatalog.Entry> CATALOG = new ArrayList<>(ActionCatalog.all());

    @FuzzTest
    @DictionaryEntries({"{\"Version\":\"2012-10-17\",\"Statement\":[", "\"Effect\":\"Allow\"", "\"Principal\":",
        "\"Action\":", "\"NotAction\":", "\"Resource\":", "\"NotResource\":", "\"Condition\":", "arn:aws:s3:::fuzz-bucket/",
        "${aws:username}", "${*}", "10.0.0.0/8", "::1/128", "s3:prefix", "aws:SourceIp", "*", "?"})
    void policiesParseAndDecideOrAreMalformed(FuzzedDataProvider data) {
        boolean userPolicy = data.consumeInt(0, 3) == 0;
        byte[] document = data.consumeBoolean() ? assembled(data, userPolicy).getBytes(StandardCharsets.UTF_8)
                : data.consumeBytes(8192);
        Policy policy;
        try {
            if (userPolicy) {
                policy = PolicyParser.userPolicy(document);
            } else {
                PolicyParser.Parsed parsed = PolicyParser.bucketPolicy(document, BUCKET, USERS);
                policy = parsed.policy();
                assertTrue(KNOWN.values().containsAll(parsed.users().values()), "only known users are resolved");
            }
        } catch (MalformedPolicyException e) {
            assertNotNull(e.getMessage(), "a refusal says why, as S3's MalformedPolicy message");
            return;
        }
        assertNotNull(policy);
        int requests = data.consumeInt(1, 6);
        for (int i = 0; i < requests; i++) {
            String principal = data.pickValue(new String[] {"id-alice", "id-bob", "id-carol"});
            if (data.consumeInt(0, 4) == 0) {
                principal = null; // anonymous
            }
            ActionCatalog.Entry action = CATALOG.get(data.consumeInt(0, CATALOG.size() - 1));
            String key = data.consumeString(60);
            String resource = switch (action.kind()) {
                case SERVICE -> Policy.SERVICE_RESOURCE;
                case BUCKET -> Policy.bucketArn(data.consumeBoolean() ? BUCKET : "other-bucket");
                case OBJECT -> Policy.objectArn(data.consumeBoolean() ? BUCKET : "other-bucket", key);
            };
            Map<String, String> values = new HashMap<>();
            int n = data.consumeInt(0, 3);
            for (int k = 0; k < n; k++) {
                values.put(data.pickValue(KEYS), data.consumeString(40));
            }
            Function<String, String> keys = values::get;
            Decision first = policy.evaluate(principal, action.name(), resource, keys);
            assertNotNull(first);
            assertEquals(first, policy.evaluate(principal, action.name(), resource, keys), "one request, one decision");
            policy.mayAllowIn(principal, action.name(), BUCKET, keys);
        }
    }

    /** A policy document with 1-3 statements from fuzzed parts (each part a known form or fuzzed text). */
    private static String assembled(FuzzedDataProvider data, boolean userPolicy) {
        StringBuilder json = new StringBuilder("{\"Version\":\"")
                .append(data.consumeBoolean() ? "2012-10-17" : "2008-10-17").append("\",\"Statement\":[");
        int statements = data.consumeInt(1, 3);
        for (int i = 0; i < statements; i++) {
            json.append(i == 0 ? "" : ",").append("{\"Sid\":\"s").append(i).append("\",\"Effect\":\"")
                    .append(data.pickValue(EFFECTS)).append('"');
            if (!userPolicy || data.consumeInt(0, 5) == 0) {
                json.append(",\"Principal\":").append(part(data, PRINCIPALS));
            }
            json.append(data.consumeInt(0, 5) == 0 ? ",\"NotAction\":" : ",\"Action\":").append(part(data, ACTIONS));
            json.append(data.consumeInt(0, 5) == 0 ? ",\"NotResource\":" : ",\"Resource\":").append(part(data, RESOURCES));
            if (data.consumeBoolean()) {
                json.append(",\"Condition\":{\"").append(data.pickValue(OPERATORS)).append("\":{\"")
                        .append(data.pickValue(KEYS)).append("\":").append(data.consumeBoolean()
                                ? "\"" + escape(data.consumeString(40)) + "\""
                                : "[\"" + escape(data.consumeString(20)) + "\",\"" + escape(data.consumeString(20)) + "\"]")
                        .append("}}");
            }
            json.append('}');
        }
        return json.append("]}").toString();
    }

    private static String part(FuzzedDataProvider data, String[] known) {
        return data.consumeInt(0, 4) == 0 ? "\"" + escape(data.consumeString(60)) + "\"" : data.pickValue(known);
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
