package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ties version ids that no acknowledged write returned to the writes of unknown outcome that made
 * them. Every answer naming such an id is gathered first (a GET gives the write's tag, a listing
 * its ETag and kind, a copy only the id), so each id is tied with everything known about it, the
 * best-described first.
 */
final class Naming {

    private record Name(String bucket, String key, String versionId) {}

    private Naming() {}

    static void bind(Index index) {
        Map<Name, VersionedKey.Hint> hints = new LinkedHashMap<>();
        for (Op op : index.history.ops()) {
            String bucket = op.request().bucket();
            switch (op.response()) {
                case Response.Found f when op.request() instanceof Request.Get g && index.history.versioned(bucket) ->
                        add(hints, new Name(bucket, g.key(), f.versionId()),
                                new VersionedKey.Hint(false, Etags.normal(f.etag()), f.tag()));
                case Response.Missing m when m.deleteMarker() && op.request() instanceof Request.Get g
                        && index.history.versioned(bucket) ->
                        add(hints, new Name(bucket, g.key(), m.versionId() != null ? m.versionId() : g.versionId()),
                                new VersionedKey.Hint(true, null, null));
                case Response.VersionListing l when index.history.versioned(bucket) -> {
                    for (Response.VersionPage page : l.pages()) {
                        for (Response.ListedVersion e : page.entries()) {
                            add(hints, new Name(bucket, e.key(), e.versionId()), new VersionedKey.Hint(e.deleteMarker(),
                                    e.deleteMarker() ? null : Etags.normal(e.etag()), null));
                        }
                    }
                }
                case Response.Written w when op.request() instanceof Request.Copy c && w.sourceVersionId() != null
                        && index.history.versioned(c.sourceBucket()) ->
                        add(hints, new Name(c.sourceBucket(), c.sourceKey(), w.sourceVersionId()),
                                new VersionedKey.Hint(false, null, null));
                default -> { }
            }
        }
        List<Map.Entry<Name, VersionedKey.Hint>> order = new ArrayList<>(hints.entrySet());
        order.sort(Comparator.comparingInt(e -> -detail(e.getValue())));
        for (Map.Entry<Name, VersionedKey.Hint> e : order) {
            Name n = e.getKey();
            index.versioned(n.bucket(), n.key()).resolve(n.versionId(), e.getValue());
        }
    }

    private static void add(Map<Name, VersionedKey.Hint> hints, Name name, VersionedKey.Hint hint) {
        if (name.versionId() == null) {
            return;
        }
        hints.merge(name, hint, (a, b) -> new VersionedKey.Hint(a.marker() != null ? a.marker() : b.marker(),
                a.etag() != null ? a.etag() : b.etag(), a.tag() != null ? a.tag() : b.tag()));
    }

    private static int detail(VersionedKey.Hint h) {
        return (h.tag() != null ? 4 : 0) + (h.etag() != null ? 2 : 0) + (h.marker() != null ? 1 : 0);
    }
}
