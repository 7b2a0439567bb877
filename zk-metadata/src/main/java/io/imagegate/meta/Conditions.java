package io.imagegate.meta;

/** Evaluates a {@link WriteCondition} against a key's current version (null when the key has none). */
final class Conditions {

    private Conditions() {}

    static void check(WriteCondition condition, VersionRecord current, String bucket, String key) {
        boolean live = current != null && !current.deleteMarker();
        switch (condition) {
            case WriteCondition.None n -> { }
            case WriteCondition.IfNoneMatch n -> {
                if (live) {
                    throw new MetadataException.PreconditionFailed("If-None-Match: " + key + " exists");
                }
            }
            case WriteCondition.IfMatch m -> {
                if (!live) {
                    throw new MetadataException.NoSuchKey(bucket, key);
                }
                String want = unquote(m.etag());
                if (!"*".equals(want) && !want.equals(unquote(current.etag()))) {
                    throw new MetadataException.PreconditionFailed("If-Match: ETag of " + key + " differs");
                }
            }
            case WriteCondition.IfCurrentVersion v -> {
                if (current == null || !current.versionId().equals(v.versionId())) {
                    throw new MetadataException.PreconditionFailed("current version of " + key + " is not "
                            + v.versionId());
                }
            }
            case WriteCondition.IfCurrentIs v -> {
                if (current == null || !current.versionId().equals(v.versionId())
                        || !current.lastModified().equals(v.lastModified())) {
                    throw new MetadataException.PreconditionFailed("current version of " + key + " is not "
                            + v.versionId() + " of " + v.lastModified());
                }
            }
        }
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        String e = etag.trim();
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }
}
