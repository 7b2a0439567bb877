package io.imagegate.gateway.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The decoded query parameters of a request; a parameter without '=' has the value "". */
public final class Query {

    private final Map<String, String> params;

    private Query(Map<String, String> params) {
        this.params = params;
    }

    public static Query parse(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = UriCodec.decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : UriCodec.decode(pair.substring(eq + 1), true);
                params.putIfAbsent(name, value);
            }
        }
        return new Query(Collections.unmodifiableMap(params));
    }

    public boolean has(String name) {
        return params.containsKey(name);
    }

    /** The value, or null when absent. */
    public String get(String name) {
        return params.get(name);
    }

    public Optional<String> find(String name) {
        return Optional.ofNullable(params.get(name));
    }

    public Map<String, String> all() {
        return params;
    }
}
