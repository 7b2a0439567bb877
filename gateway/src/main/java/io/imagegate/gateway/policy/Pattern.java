package io.imagegate.gateway.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A value of a policy that may hold wildcards: {@code *} (any run of characters, {@code /} included)
 * and {@code ?} (one character), as in Action, Resource and StringLike values, and, in policies of
 * version 2012-10-17, variables such as {@code ${aws:username}} (and {@code ${*}}, {@code ${?}},
 * {@code ${$}} for the characters themselves). A variable whose key the request lacks matches nothing.
 */
final class Pattern {

    private static final int STAR = -1;
    private static final int ONE = -2;

    /** Literal text, a wildcard, or a variable. */
    private sealed interface Part {}

    private record Text(String text) implements Part {}

    private record Star() implements Part {}

    private record One() implements Part {}

    private record Variable(String key) implements Part {}

    private final String written;
    private final List<Part> parts;
    private final boolean ignoreCase;
    /** The code points to match against when the pattern has no variables (STAR and ONE for wildcards). */
    private final int[] fixed;

    private Pattern(String written, List<Part> parts, boolean ignoreCase) {
        this.written = written;
        this.parts = parts;
        this.ignoreCase = ignoreCase;
        this.fixed = parts.stream().anyMatch(p -> p instanceof Variable) ? null : compile(parts, k -> null);
    }

    /**
     * @param variables whether {@code ${...}} is a variable (version 2012-10-17) or literal text
     * @param ignoreCase true for action names, which AWS compares without regard to case
     */
    static Pattern of(String written, boolean variables, boolean ignoreCase) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < written.length()) {
            char c = written.charAt(i);
            if (variables && c == '$' && i + 1 < written.length() && written.charAt(i + 1) == '{') {
                int end = written.indexOf('}', i + 2);
                if (end < 0) {
                    throw new MalformedPolicyException("Invalid policy variable in " + written);
                }
                String key = written.substring(i + 2, end).trim();
                flush(text, parts);
                switch (key) {
                    case "*" -> text.append('*'); // the character itself, matched literally
                    case "?" -> text.append('?');
                    case "$" -> text.append('$');
                    default -> {
                        if (!ConditionKeys.known(key)) {
                            throw new MalformedPolicyException("Invalid policy variable ${" + key + "}");
                        }
                        parts.add(new Variable(key.toLowerCase(Locale.ROOT)));
                    }
                }
                if (key.equals("*") || key.equals("?") || key.equals("$")) {
                    parts.add(new Text(text.toString()));
                    text.setLength(0);
                }
                i = end + 1;
                continue;
            }
            if (c == '*' || c == '?') {
                flush(text, parts);
                parts.add(c == '*' ? new Star() : new One());
            } else {
                text.append(c);
            }
            i++;
        }
        flush(text, parts);
        return new Pattern(written, List.copyOf(parts), ignoreCase);
    }

    private static void flush(StringBuilder text, List<Part> parts) {
        if (!text.isEmpty()) {
            parts.add(new Text(text.toString()));
            text.setLength(0);
        }
    }

    String written() {
        return written;
    }

    boolean hasWildcard() {
        return parts.stream().anyMatch(p -> p instanceof Star || p instanceof One);
    }

    /** Whether {@code value} matches, variables taken from {@code keys} (lower-case key to value, null when absent). */
    boolean matches(String value, Function<String, String> keys) {
        int[] p = fixed != null ? fixed : compile(parts, keys);
        if (p == null) {
            return false;
        }
        return glob(p, (ignoreCase ? value.toLowerCase(Locale.ROOT) : value).codePoints().toArray());
    }

    /** Whether the pattern, variables left out, matches {@code value} exactly (no wildcard, no variable). */
    boolean isLiteral() {
        return parts.stream().allMatch(p -> p instanceof Text);
    }

    private int[] compile(List<Part> parts, Function<String, String> keys) {
        List<Integer> out = new ArrayList<>();
        for (Part part : parts) {
            switch (part) {
                case Text t -> (ignoreCase ? t.text().toLowerCase(Locale.ROOT) : t.text()).codePoints().forEach(out::add);
                case Star s -> out.add(STAR);
                case One o -> out.add(ONE);
                case Variable v -> {
                    String value = keys.apply(v.key());
                    if (value == null) {
                        return null;
                    }
                    (ignoreCase ? value.toLowerCase(Locale.ROOT) : value).codePoints().forEach(out::add);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Glob matching with backtracking to the last star: linear in practice, never exponential. */
    private static boolean glob(int[] p, int[] s) {
        int pi = 0;
        int si = 0;
        int star = -1;
        int mark = 0;
        while (si < s.length) {
            if (pi < p.length && (p[pi] == ONE || p[pi] == s[si])) {
                pi++;
                si++;
            } else if (pi < p.length && p[pi] == STAR) {
                star = pi++;
                mark = si;
            } else if (star >= 0) {
                pi = star + 1;
                si = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length && p[pi] == STAR) {
            pi++;
        }
        return pi == p.length;
    }

    @Override
    public String toString() {
        return written;
    }
}
