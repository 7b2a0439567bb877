package io.imagegate.gateway.cors;

import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.CorsConfiguration.Rule;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How S3 evaluates a CORS configuration: the first rule whose AllowedOrigin matches the Origin
 * (case-sensitively, a {@code *} standing for any characters), whose AllowedMethod names the method,
 * and whose AllowedHeader patterns match every requested header (case-insensitively) is the one
 * applied; none, and the request is not allowed.
 */
public final class CorsRules {

    private CorsRules() {}

    public static Optional<Rule> match(CorsConfiguration config, String origin, String method, List<String> headers) {
        for (Rule r : config.rules()) {
            if (r.allowedMethods().contains(method)
                    && r.allowedOrigins().stream().anyMatch(p -> wildcardMatch(p, origin, false))
                    && headers.stream().allMatch(h -> r.allowedHeaders().stream()
                            .anyMatch(p -> wildcardMatch(p, h, true)))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The value of Access-Control-Allow-Origin: {@code *} when the rule allows any origin as exactly {@code *}. */
    public static String allowOrigin(Rule r, String origin) {
        return r.allowedOrigins().contains("*") ? "*" : origin;
    }

    /** The headers of Access-Control-Request-Headers, trimmed, lower-cased, empty ones dropped. */
    public static List<String> requestedHeaders(String value) {
        if (value == null) {
            return List.of();
        }
        return java.util.Arrays.stream(value.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
    }

    /** A pattern with at most one {@code *} (CorsXml checks that) against a value. */
    static boolean wildcardMatch(String pattern, String value, boolean ignoreCase) {
        if (ignoreCase) {
            pattern = pattern.toLowerCase(Locale.ROOT);
            value = value.toLowerCase(Locale.ROOT);
        }
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(value);
        }
        String prefix = pattern.substring(0, star);
        String suffix = pattern.substring(star + 1);
        return value.length() >= prefix.length() + suffix.length() && value.startsWith(prefix) && value.endsWith(suffix);
    }
}
