package io.imagegate.s3compat.history;

/** ETags compared as S3 means them: without the quotes HTTP puts around them. */
final class Etags {

    private Etags() {}

    static String normal(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
