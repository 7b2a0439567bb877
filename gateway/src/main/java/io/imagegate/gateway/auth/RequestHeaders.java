package io.imagegate.gateway.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The headers of a request as the verifier sees them: case-insensitive names, ordered values. */
public interface RequestHeaders {

    /** Every value of the header, in the order received; empty when absent. */
    List<String> all(String name);

    /** The name of every header present, in any case. */
    Iterable<String> names();

    /** The first value of the header, or null when absent. */
    default String first(String name) {
        List<String> values = all(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Headers copied from a map whose keys may be in any case. */
    static RequestHeaders of(Map<String, ? extends List<String>> headers) {
        Builder b = builder();
        headers.forEach((name, values) -> values.forEach(v -> b.add(name, v)));
        return b.build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Collects headers in arrival order; repeated names accumulate values. */
    final class Builder {
        private final Map<String, List<String>> byLowerName = new LinkedHashMap<>();

        private Builder() {}

        public Builder add(String name, String value) {
            byLowerName.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
            return this;
        }

        public Builder set(String name, String value) {
            byLowerName.remove(name.toLowerCase(Locale.ROOT));
            return add(name, value);
        }

        public Builder remove(String name) {
            byLowerName.remove(name.toLowerCase(Locale.ROOT));
            return this;
        }

        public RequestHeaders build() {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            byLowerName.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return new MapHeaders(copy);
        }
    }

    /** The immutable map behind {@link Builder}. */
    record MapHeaders(Map<String, List<String>> byLowerName) implements RequestHeaders {
        @Override
        public List<String> all(String name) {
            List<String> v = byLowerName.get(name.toLowerCase(Locale.ROOT));
            return v == null ? List.of() : v;
        }

        @Override
        public Iterable<String> names() {
            return byLowerName.keySet();
        }
    }
}
