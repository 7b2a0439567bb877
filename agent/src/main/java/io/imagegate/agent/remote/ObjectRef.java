package io.imagegate.agent.remote;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One object, and optionally one version of it: {@code s3://BUCKET/KEY[?versionId=V]}.
 * A null version id means "the current version", resolved and pinned at attach time.
 */
public record ObjectRef(String bucket, String key, String versionId) {

    public ObjectRef {
        if (bucket == null || bucket.isEmpty() || key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an image is named s3://BUCKET/KEY");
        }
    }

    public static ObjectRef parse(String s3Url) {
        if (!s3Url.startsWith("s3://")) {
            throw new IllegalArgumentException("an image is named s3://BUCKET/KEY[?versionId=V], not " + s3Url);
        }
        String rest = s3Url.substring(5);
        String version = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            String query = rest.substring(q + 1);
            rest = rest.substring(0, q);
            for (String p : query.split("&")) {
                if (p.startsWith("versionId=")) {
                    version = URLDecoder.decode(p.substring("versionId=".length()), StandardCharsets.UTF_8);
                } else if (!p.isEmpty()) {
                    throw new IllegalArgumentException("unknown parameter '" + p + "' in " + s3Url);
                }
            }
        }
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("an image is named s3://BUCKET/KEY, not " + s3Url);
        }
        return new ObjectRef(rest.substring(0, slash), rest.substring(slash + 1), version);
    }

    public ObjectRef withVersion(String v) {
        return new ObjectRef(bucket, key, v);
    }

    /** Whether the version id names a version (S3 says "null" for objects written while versioning was off). */
    public boolean pinnedByVersion() {
        return versionId != null && !versionId.isEmpty() && !versionId.equals("null");
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key + (versionId == null ? "" : "?versionId=" + versionId);
    }

    /** The key percent-encoded for a path-style URI (slashes kept), as SigV4 canonicalizes it for S3. */
    public static String encodePath(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            int u = c & 0xff;
            if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '.'
                    || u == '_' || u == '~' || u == '/') {
                b.append((char) u);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(u >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(u & 15, 16)));
            }
        }
        return b.toString();
    }

    /** A query value percent-encoded the SigV4 way (slashes too). */
    public static String encodeQuery(String s) {
        return encodePath(s).replace("/", "%2F");
    }

    URI uri(URI endpoint, String query) {
        String base = endpoint.toString().replaceAll("/+$", "");
        return URI.create(base + "/" + encodePath(bucket) + "/" + encodePath(key) + (query.isEmpty() ? "" : "?" + query));
    }
}
