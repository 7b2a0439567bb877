package io.imagegate.gateway.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.imagegate.meta.CanonicalIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a policy document in IAM's grammar (JSON, with Jackson) and checks it as AWS does, refusing
 * what AWS refuses with AWS's message ({@link MalformedPolicyException}). Two kinds: a bucket
 * policy, whose statements name principals and whose resources lie in its bucket, and a user
 * policy, whose statements name no principal (they apply to their user) and may name any bucket.
 */
public final class PolicyParser {

    /** AWS's limit on a bucket policy, counted on the document without whitespace. */
    public static final int MAX_BUCKET_POLICY_BYTES = 20 * 1024;
    /** IAM's limit on a (managed) policy, counted the same way: user policies are held to it. */
    public static final int MAX_USER_POLICY_BYTES = 6144;

    private static final String V2012 = "2012-10-17";
    private static final String V2008 = "2008-10-17";
    private static final String SYNTAX = "Invalid policy syntax.";

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
                            .maxStringLength(64 * 1024).maxNumberLength(64).maxNameLength(1024).build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Condition operators AWS defines that imagegate does not evaluate: refused, never ignored. */
    private static final Set<String> UNSUPPORTED_OPERATORS = Set.of("DateEquals", "DateNotEquals", "DateLessThan",
            "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "BinaryEquals", "ArnEquals", "ArnLike",
            "ArnNotEquals", "ArnNotLike");

    /**
     * Finds the users a bucket policy's principals name: by user name (from an ARN) or by canonical
     * id. When a policy is stored, the store's users answer; when a stored policy is read back, the
     * ids recorded with it do.
     */
    public interface Users {
        /** The canonical id of the user an ARN in the policy names (as written there, and its user name). */
        Optional<String> idOf(String arn, String userName);

        /** Whether a user has this canonical id. */
        boolean exists(String canonicalId);
    }

    /** A bucket policy as read: the policy, and the canonical id each user ARN in it named. */
    public record Parsed(Policy policy, Map<String, String> users) {}

    private final boolean bucketPolicy;
    private final String bucket;
    private final Users users;
    private final Map<String, String> resolved = new LinkedHashMap<>();
    private boolean variables;

    private PolicyParser(boolean bucketPolicy, String bucket, Users users) {
        this.bucketPolicy = bucketPolicy;
        this.bucket = bucket;
        this.users = users;
    }

    /** A bucket policy of {@code bucket}. */
    public static Parsed bucketPolicy(byte[] document, String bucket, Users users) {
        PolicyParser p = new PolicyParser(true, bucket, users);
        Policy policy = p.document(document, MAX_BUCKET_POLICY_BYTES);
        return new Parsed(policy, Map.copyOf(p.resolved));
    }

    /** A user's policy. */
    public static Policy userPolicy(byte[] document) {
        return new PolicyParser(false, null, null).document(document, MAX_USER_POLICY_BYTES);
    }

    private Policy document(byte[] document, int maxNormalizedBytes) {
        if (document.length == 0 || document[0] != '{') {
            throw new MalformedPolicyException("Policies must be valid JSON and the first byte must be '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(document);
        } catch (IOException e) {
            throw new MalformedPolicyException("This policy contains invalid Json");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedPolicyException("Policies must be valid JSON and the first byte must be '{'");
        }
        int normalized;
        try {
            normalized = JSON.writeValueAsBytes(root).length;
        } catch (IOException e) {
            throw new MalformedPolicyException("This policy contains invalid Json");
        }
        if (normalized > maxNormalizedBytes) {
            throw new MalformedPolicyException(bucketPolicy
                    ? "Normalized policy document exceeds the maximum allowed size of " + maxNormalizedBytes + " bytes"
                    : "Cannot exceed quota for PolicySize: " + maxNormalizedBytes);
        }
        JsonNode statement = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "Version" -> {
                    String v = e.getValue().isTextual() ? e.getValue().asText() : null;
                    if (!V2012.equals(v) && !V2008.equals(v)) {
                        throw new MalformedPolicyException("The policy must contain a valid version string");
                    }
                    variables = V2012.equals(v);
                }
                case "Id" -> {
                    if (!e.getValue().isTextual()) {
                        throw new MalformedPolicyException(SYNTAX);
                    }
                }
                case "Statement" -> statement = e.getValue();
                default -> throw new MalformedPolicyException(SYNTAX);
            }
        }
        if (statement == null) {
            throw new MalformedPolicyException("Missing required field Statement");
        }
        List<Statement> statements = new ArrayList<>();
        if (statement.isObject()) {
            statements.add(statement(statement));
        } else if (statement.isArray()) {
            if (statement.isEmpty()) {
                throw new MalformedPolicyException("Could not parse the policy: Statement is empty!");
            }
            for (JsonNode s : statement) {
                statements.add(statement(s));
            }
        } else {
            throw new MalformedPolicyException(SYNTAX);
        }
        return new Policy(statements);
    }

    private Statement statement(JsonNode node) {
        if (!node.isObject()) {
            throw new MalformedPolicyException(SYNTAX);
        }
        String sid = null;
        JsonNode effect = null;
        JsonNode principal = null;
        JsonNode action = null;
        JsonNode resource = null;
        JsonNode condition = null;
        boolean notPrincipal = false;
        boolean notAction = false;
        boolean notResource = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "Sid" -> {
                    if (!v.isTextual()) {
                        throw new MalformedPolicyException(SYNTAX);
                    }
                    sid = v.asText();
                }
                case "Effect" -> effect = v;
                case "Principal", "NotPrincipal" -> {
                    if (principal != null) {
                        throw new MalformedPolicyException(SYNTAX);
                    }
                    principal = v;
                    notPrincipal = e.getKey().equals("NotPrincipal");
                }
                case "Action", "NotAction" -> {
                    if (action != null) {
                        throw new MalformedPolicyException(SYNTAX);
                    }
                    action = v;
                    notAction = e.getKey().equals("NotAction");
                }
                case "Resource", "NotResource" -> {
                    if (resource != null) {
                        throw new MalformedPolicyException(SYNTAX);
                    }
                    resource = v;
                    notResource = e.getKey().equals("NotResource");
                }
                case "Condition" -> condition = v;
                default -> throw new MalformedPolicyException(SYNTAX);
            }
        }
        if (effect == null) {
            throw new MalformedPolicyException("Missing required field Effect");
        }
        if (!effect.isTextual()) {
            throw new MalformedPolicyException(SYNTAX);
        }
        boolean allow = switch (effect.asText()) {
            case "Allow" -> true;
            case "Deny" -> false;
            default -> throw new MalformedPolicyException("Invalid effect: " + effect.asText());
        };
        Statement.Principals principals;
        if (bucketPolicy) {
            if (principal == null) {
                throw new MalformedPolicyException("Missing required field Principal");
            }
            if (notPrincipal && allow) {
                throw new MalformedPolicyException("Invalid principal in policy");
            }
            principals = principals(principal);
        } else {
            if (principal != null) {
                throw new MalformedPolicyException("Policy document should not specify a principal.");
            }
            principals = Statement.Principals.SELF;
        }
        if (action == null) {
            throw new MalformedPolicyException("Missing required field Action");
        }
        List<Pattern> actions = new ArrayList<>();
        List<ActionCatalog.Entry> named = new ArrayList<>();
        for (String a : strings(action, "Policy has invalid action")) {
            Pattern p = actionPattern(a);
            actions.add(p);
            for (ActionCatalog.Entry entry : ActionCatalog.all()) {
                if (p.matches(entry.name(), k -> null)) {
                    named.add(entry);
                }
            }
        }
        if (resource == null) {
            throw new MalformedPolicyException("Missing required field Resource");
        }
        List<Pattern> resources = new ArrayList<>();
        for (String r : strings(resource, "Policy has invalid resource")) {
            resources.add(resource(r));
        }
        if (!notAction && !notResource) {
            for (Pattern a : actions) {
                boolean applies = false;
                for (ActionCatalog.Entry entry : ActionCatalog.all()) {
                    if (a.matches(entry.name(), k -> null) && resources.stream().anyMatch(r -> reaches(r, entry.kind()))) {
                        applies = true;
                        break;
                    }
                }
                if (!applies) {
                    throw new MalformedPolicyException("Action does not apply to any resource(s) in statement");
                }
            }
        }
        List<Condition> conditions = condition == null ? List.of()
                : conditions(condition, notAction ? List.of() : actions);
        return new Statement(sid, allow, principals, notPrincipal, List.copyOf(actions), notAction,
                List.copyOf(resources), notResource, conditions);
    }

    // ---- principals

    private Statement.Principals principals(JsonNode node) {
        if (node.isTextual()) {
            if (node.asText().equals("*")) {
                return new Statement.Principals(true, Set.of());
            }
            throw new MalformedPolicyException("Invalid principal in policy");
        }
        if (!node.isObject() || node.isEmpty()) {
            throw new MalformedPolicyException("Invalid principal in policy");
        }
        boolean everyone = false;
        Set<String> ids = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> listed = strings(e.getValue(), "Invalid principal in policy");
            switch (e.getKey()) {
                case "AWS" -> {
                    for (String arn : listed) {
                        if (arn.equals("*")) {
                            everyone = true;
                        } else {
                            ids.add(user(arn));
                        }
                    }
                }
                case "CanonicalUser" -> {
                    for (String id : listed) {
                        if (!CanonicalIds.isId(id) || !users.exists(id)) {
                            throw new MalformedPolicyException("Invalid principal in policy");
                        }
                        ids.add(id);
                    }
                }
                default -> throw new MalformedPolicyException("Invalid principal in policy");
            }
        }
        return new Statement.Principals(everyone, Set.copyOf(ids));
    }

    /** {@code arn:aws:iam::ACCOUNT:user/NAME}: a user of imagegate by name (imagegate is one account: ACCOUNT is not checked). */
    private String user(String arn) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("arn:aws:iam::(\\d{12})?:user/([^/]+)").matcher(arn);
        if (!m.matches()) {
            throw new MalformedPolicyException("Invalid principal in policy");
        }
        String id = users.idOf(arn, m.group(2)).orElseThrow(() -> new MalformedPolicyException("Invalid principal in policy"));
        resolved.put(arn, id);
        return id;
    }

    // ---- actions and resources

    private static Pattern actionPattern(String written) {
        if (!written.equals("*")) {
            int colon = written.indexOf(':');
            if (colon <= 0 || !ActionCatalog.knownService(written.substring(0, colon))) {
                throw new MalformedPolicyException("Policy has invalid action");
            }
        }
        Pattern p = Pattern.of(written, false, true);
        if (ActionCatalog.all().stream().noneMatch(e -> p.matches(e.name(), k -> null))) {
            throw new MalformedPolicyException("Policy has invalid action");
        }
        return p;
    }

    private Pattern resource(String written) {
        if (written.equals("*")) {
            if (bucketPolicy) {
                throw new MalformedPolicyException("Policy has invalid resource");
            }
            return Pattern.of(written, false, false);
        }
        if (!written.startsWith(Policy.ARN_PREFIX) || written.length() == Policy.ARN_PREFIX.length()) {
            throw new MalformedPolicyException("Policy has invalid resource");
        }
        Pattern p = Pattern.of(written, variables, false);
        if (bucketPolicy) {
            String rest = written.substring(Policy.ARN_PREFIX.length());
            int slash = rest.indexOf('/');
            String named = slash < 0 ? rest : rest.substring(0, slash);
            if (!named.contains("${") && !Pattern.of(named, false, false).matches(bucket, k -> null)) {
                throw new MalformedPolicyException("Policy has invalid resource");
            }
        }
        return p;
    }

    /** Whether a resource pattern can name a resource of this kind. */
    private boolean reaches(Pattern resource, ActionCatalog.Kind kind) {
        String w = resource.written();
        if (w.equals("*")) {
            return true;
        }
        String rest = w.substring(Policy.ARN_PREFIX.length());
        return switch (kind) {
            case SERVICE -> !bucketPolicy && rest.equals("*");
            case BUCKET -> !rest.contains("/");
            case OBJECT -> rest.contains("/") || rest.contains("*");
        };
    }

    // ---- conditions

    private List<Condition> conditions(JsonNode node, List<Pattern> actions) {
        if (!node.isObject()) {
            throw new MalformedPolicyException(SYNTAX);
        }
        List<Condition> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String written = e.getKey();
            if (written.startsWith("ForAnyValue:") || written.startsWith("ForAllValues:")) {
                throw new MalformedPolicyException("imagegate does not support the set operator of " + written
                        + ": its condition keys are single-valued");
            }
            boolean ifExists = written.endsWith("IfExists") && !written.equals("IfExists");
            String base = ifExists ? written.substring(0, written.length() - "IfExists".length()) : written;
            Condition.Operator op = Condition.Operator.named(base);
            if (op == null || (ifExists && op == Condition.Operator.NULL)) {
                if (UNSUPPORTED_OPERATORS.contains(base)) {
                    throw new MalformedPolicyException("imagegate does not support the condition operator " + written);
                }
                throw new MalformedPolicyException("Invalid Condition type : " + written);
            }
            if (!e.getValue().isObject() || e.getValue().isEmpty()) {
                throw new MalformedPolicyException(SYNTAX);
            }
            for (Iterator<Map.Entry<String, JsonNode>> keys = e.getValue().fields(); keys.hasNext(); ) {
                Map.Entry<String, JsonNode> k = keys.next();
                out.add(condition(op, ifExists, written, k.getKey(), k.getValue(), actions));
            }
        }
        return List.copyOf(out);
    }

    private Condition condition(Condition.Operator op, boolean ifExists, String written, String key, JsonNode value,
            List<Pattern> actions) {
        if (!ConditionKeys.known(key)) {
            throw new MalformedPolicyException("Policy has an invalid condition key");
        }
        for (Pattern a : actions) {
            if (!a.hasWildcard() && !ConditionKeys.appliesTo(key, ActionCatalog.find(a.written()).name())) {
                throw new MalformedPolicyException(
                        "Conditions do not apply to combination of actions and resources in statement");
            }
        }
        List<String> values = conditionValues(value);
        String lowerKey = key.toLowerCase(Locale.ROOT);
        List<Pattern> patterns = new ArrayList<>();
        List<Condition.Cidr> networks = new ArrayList<>();
        for (String v : values) {
            if (op.ip() || lowerKey.equals(ConditionKeys.SOURCE_IP)) {
                Condition.Cidr c = Condition.Cidr.parse(v);
                if (op.ip()) {
                    networks.add(c);
                }
            }
            if (op.numeric()) {
                try {
                    new java.math.BigDecimal(v.trim());
                } catch (NumberFormatException ex) {
                    throw new MalformedPolicyException("Invalid value in Conditions for operator " + written);
                }
            }
            if ((op == Condition.Operator.BOOL || op == Condition.Operator.NULL)
                    && !v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                throw new MalformedPolicyException("Invalid value in Conditions for operator " + written);
            }
            boolean like = op == Condition.Operator.STRING_LIKE || op == Condition.Operator.STRING_NOT_LIKE;
            if (variables && !like && v.contains("${")) {
                throw new MalformedPolicyException("imagegate takes policy variables in Resource and StringLike "
                        + "values only, not in " + written);
            }
            patterns.add(like ? Pattern.of(v, variables, false) : null);
        }
        return new Condition(op, ifExists, lowerKey, List.copyOf(values),
                java.util.Collections.unmodifiableList(patterns), List.copyOf(networks));
    }

    private static List<String> conditionValues(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value.isArray()) {
            if (value.isEmpty()) {
                throw new MalformedPolicyException(SYNTAX);
            }
            for (JsonNode v : value) {
                out.add(scalar(v));
            }
        } else {
            out.add(scalar(value));
        }
        return out;
    }

    private static String scalar(JsonNode v) {
        if (v.isTextual() || v.isNumber() || v.isBoolean()) {
            return v.asText();
        }
        throw new MalformedPolicyException(SYNTAX);
    }

    /** A string, or a non-empty array of strings; otherwise {@code invalid}. */
    private static List<String> strings(JsonNode node, String invalid) {
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray() && !node.isEmpty()) {
            for (JsonNode n : node) {
                if (!n.isTextual()) {
                    throw new MalformedPolicyException(invalid);
                }
                out.add(n.asText());
            }
        } else {
            throw new MalformedPolicyException(invalid);
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw new MalformedPolicyException(invalid);
            }
        }
        return out;
    }
}
