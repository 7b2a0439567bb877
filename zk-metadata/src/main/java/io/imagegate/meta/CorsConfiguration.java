package io.imagegate.meta;

import java.util.List;
import java.util.Objects;

/**
 * A bucket's CORS configuration as stored (docs/FORMAT-zookeeper.md, "CORS"): the rules of a
 * PutBucketCors, already validated by the gateway, in the order given (the first rule that matches a
 * request is the one applied).
 */
public record CorsConfiguration(List<Rule> rules) {

    public CorsConfiguration {
        rules = List.copyOf(Objects.requireNonNull(rules, "rules"));
    }

    /**
     * One CORSRule.
     *
     * @param id             its ID, or null
     * @param allowedOrigins AllowedOrigin values (each with at most one {@code *})
     * @param allowedMethods AllowedMethod values (GET, PUT, POST, DELETE, HEAD)
     * @param allowedHeaders AllowedHeader values (each with at most one {@code *})
     * @param exposeHeaders  ExposeHeader values
     * @param maxAgeSeconds  MaxAgeSeconds, or null
     */
    public record Rule(String id, List<String> allowedOrigins, List<String> allowedMethods,
                       List<String> allowedHeaders, List<String> exposeHeaders, Integer maxAgeSeconds) {

        public Rule {
            allowedOrigins = List.copyOf(Objects.requireNonNull(allowedOrigins, "allowedOrigins"));
            allowedMethods = List.copyOf(Objects.requireNonNull(allowedMethods, "allowedMethods"));
            allowedHeaders = allowedHeaders == null ? List.of() : List.copyOf(allowedHeaders);
            exposeHeaders = exposeHeaders == null ? List.of() : List.copyOf(exposeHeaders);
        }
    }
}
