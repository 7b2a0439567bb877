package io.imagegate.gateway.auth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** A raw query string split into parameters, for presigned-URL fields and the canonical query. */
final class QueryParameters {

    private static final QueryParameters EMPTY = new QueryParameters("", List.of());

    /** One parameter as offsets into the raw query; valueStart is -1 when there was no '='. */
    private record Param(int nameStart, int nameEnd, int valueStart, int valueEnd) {}

    private record Encoded(String name, String value) {}

    private final String raw;
    private final List<Param> params;

    private QueryParameters(String raw, List<Param> params) {
        this.raw = raw;
        this.params = params;
    }

    static QueryParameters parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return EMPTY;
        }
        List<Param> params = new ArrayList<>();
        int start = 0;
        while (start <= rawQuery.length()) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? rawQuery.length() : amp;
            if (end > start) {
                int eq = rawQuery.indexOf('=', start);
                if (eq < 0 || eq > end) {
                    params.add(new Param(start, end, -1, -1));
                } else {
                    params.add(new Param(start, eq, eq + 1, end));
                }
            }
            start = end + 1;
        }
        return new QueryParameters(rawQuery, params);
    }

    boolean has(String name) {
        return find(name) != null;
    }

    /** The decoded value of the first parameter with this (decoded, case-sensitive) name, or null. */
    String first(String name) {
        Param p = find(name);
        if (p == null) {
            return null;
        }
        return p.valueStart() < 0 ? "" : decode(p.valueStart(), p.valueEnd());
    }

    /**
     * The canonical query string: every parameter but {@code excluded} (the signature of a
     * presigned URL), each name and value AWS-encoded, sorted by name then value, joined by '&'.
     */
    String canonical(String excluded) {
        if (params.isEmpty()) {
            return "";
        }
        List<Encoded> encoded = new ArrayList<>(params.size());
        for (Param p : params) {
            if (excluded != null && matches(p, excluded)) {
                continue;
            }
            String value = p.valueStart() < 0 ? "" : encode(p.valueStart(), p.valueEnd());
            encoded.add(new Encoded(encode(p.nameStart(), p.nameEnd()), value));
        }
        Encoded[] sorted = encoded.toArray(Encoded[]::new);
        Arrays.sort(sorted, Comparator.comparing(Encoded::name).thenComparing(Encoded::value));
        StringBuilder out = new StringBuilder(raw.length() + 16);
        for (Encoded e : sorted) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(e.name()).append('=').append(e.value());
        }
        return out.toString();
    }

    private Param find(String name) {
        for (Param p : params) {
            if (matches(p, name)) {
                return p;
            }
        }
        return null;
    }

    private boolean matches(Param p, String name) {
        int len = p.nameEnd() - p.nameStart();
        if (len == name.length() && raw.regionMatches(p.nameStart(), name, 0, len)) {
            return true;
        }
        // Rarely a client escapes a name that needs no escaping.
        int percent = raw.indexOf('%', p.nameStart());
        return percent >= 0 && percent < p.nameEnd() && decode(p.nameStart(), p.nameEnd()).equals(name);
    }

    private String encode(int from, int to) {
        if (Canonical.isCanonical(raw, from, to, true)) {
            return raw.substring(from, to);
        }
        StringBuilder out = new StringBuilder(to - from + 8);
        Canonical.appendEncoded(raw, from, to, true, out);
        return out.toString();
    }

    private String decode(int from, int to) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < to && Canonical.hex(raw.charAt(i + 1)) >= 0
                    && Canonical.hex(raw.charAt(i + 2)) >= 0) {
                bytes.write(Canonical.hex(raw.charAt(i + 1)) << 4 | Canonical.hex(raw.charAt(i + 2)));
                i += 2;
            } else if (c == '+') {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                int cp = raw.codePointAt(i);
                bytes.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
