package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A sequential S3 for generated histories: versioned keys as lists of versions and delete markers
 * (oldest first), unversioned keys as one value, answering each request as S3 does. Applying
 * requests at points inside their windows yields histories that are valid by construction.
 */
final class LinearizableS3 {

    /** A stored version or delete marker: the body's digests and the write's tag. */
    record Stored(String id, boolean marker, String tag, String etag, String sha256) {}

    final Map<String, List<Stored>> versioned = new TreeMap<>();
    final Map<String, Stored> plain = new TreeMap<>();
    private final String versionedBucket;
    private int nextId;

    LinearizableS3(String versionedBucket) {
        this.versionedBucket = versionedBucket;
    }

    Response apply(Request request) {
        boolean v = request.bucket().equals(versionedBucket);
        return switch (request) {
            case Request.Put p -> put(v, p.key(), new Stored(null, false, p.body().tag(), p.body().etag(), p.body().sha256()),
                    p.ifNoneMatch(), p.ifMatch());
            case Request.Multipart m -> put(v, m.key(), new Stored(null, false, m.body().tag(), m.body().etag(),
                    m.body().sha256()), false, null);
            case Request.Copy c -> copy(v, c);
            case Request.Delete d -> delete(v, d.key(), d.versionId());
            case Request.DeleteBatch b -> {
                List<Response.Entry> entries = new ArrayList<>();
                for (Request.Target t : b.targets()) {
                    Response.Deleted d = (Response.Deleted) delete(v, t.key(), t.versionId());
                    entries.add(new Response.Entry(t.key(), t.versionId(), Response.Outcome.DELETED, d.deleteMarker(),
                            d.deleteMarker() ? d.versionId() : null, null));
                }
                yield new Response.BatchDeleted(entries);
            }
            case Request.Get g -> get(v, g);
            case Request.ListVersions l -> listVersions(l);
            case Request.ListObjects l -> listObjects(v, l);
        };
    }

    Stored current(boolean v, String key) {
        if (!v) {
            return plain.get(key);
        }
        List<Stored> h = versioned.get(key);
        return h == null || h.isEmpty() ? null : h.getLast();
    }

    private Response put(boolean v, String key, Stored s, boolean ifNoneMatch, String ifMatch) {
        Stored cur = current(v, key);
        boolean object = cur != null && !cur.marker();
        if (ifNoneMatch && object || ifMatch != null && (!object || !cur.etag().equals(Etags.normal(ifMatch)))) {
            return new Response.Rejected(412, "PreconditionFailed");
        }
        return store(v, key, s, null);
    }

    private Response store(boolean v, String key, Stored s, String sourceId) {
        if (!v) {
            plain.put(key, new Stored("null", false, s.tag(), s.etag(), s.sha256()));
            return new Response.Written("null", "\"" + s.etag() + "\"", sourceId);
        }
        Stored named = new Stored("v" + nextId++, s.marker(), s.tag(), s.etag(), s.sha256());
        versioned.computeIfAbsent(key, k -> new ArrayList<>()).add(named);
        return new Response.Written(named.id(), "\"" + s.etag() + "\"", sourceId);
    }

    private Response copy(boolean v, Request.Copy c) {
        Stored source = c.sourceVersionId() == null ? current(true, c.sourceKey())
                : versioned.getOrDefault(c.sourceKey(), List.of()).stream()
                        .filter(s -> s.id().equals(c.sourceVersionId())).findFirst().orElse(null);
        if (source == null || source.marker()) {
            return new Response.Rejected(404, c.sourceVersionId() == null ? "NoSuchKey" : "NoSuchVersion");
        }
        return store(v, c.key(), new Stored(null, false, c.tag(), source.etag(), source.sha256()), source.id());
    }

    private Response delete(boolean v, String key, String versionId) {
        if (!v) {
            plain.remove(key);
            return new Response.Deleted(null, false);
        }
        if (versionId == null) {
            Stored m = new Stored("v" + nextId++, true, null, null, null);
            versioned.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
            return new Response.Deleted(m.id(), true);
        }
        List<Stored> h = versioned.getOrDefault(key, new ArrayList<>());
        h.removeIf(s -> s.id().equals(versionId));
        return new Response.Deleted(versionId, false);
    }

    private Response get(boolean v, Request.Get g) {
        if (g.versionId() == null) {
            Stored cur = current(v, g.key());
            if (cur == null) {
                return new Response.Missing(404, "NoSuchKey", null, false);
            }
            if (cur.marker()) {
                return new Response.Missing(404, "NoSuchKey", cur.id(), true);
            }
            return found(cur, g.head());
        }
        for (Stored s : versioned.getOrDefault(g.key(), List.of())) {
            if (s.id().equals(g.versionId())) {
                return s.marker() ? new Response.Missing(405, "MethodNotAllowed", s.id(), true) : found(s, g.head());
            }
        }
        return new Response.Missing(404, "NoSuchVersion", null, false);
    }

    private static Response found(Stored s, boolean head) {
        return new Response.Found(s.id(), "\"" + s.etag() + "\"", head ? null : s.sha256(), s.tag(), 64);
    }

    private Response listVersions(Request.ListVersions l) {
        List<Response.ListedVersion> all = new ArrayList<>();
        for (Map.Entry<String, List<Stored>> e : versioned.entrySet()) {
            if (!e.getKey().startsWith(l.prefix())) {
                continue;
            }
            List<Stored> h = e.getValue();
            for (int i = h.size() - 1; i >= 0; i--) {
                Stored s = h.get(i);
                all.add(new Response.ListedVersion(e.getKey(), s.id(), s.marker() ? null : "\"" + s.etag() + "\"",
                        i == h.size() - 1, s.marker()));
            }
        }
        List<Response.VersionPage> pages = new ArrayList<>();
        for (int from = 0; from < all.size() || pages.isEmpty(); from += l.maxKeys()) {
            List<Response.ListedVersion> page = all.subList(from, Math.min(all.size(), from + l.maxKeys()));
            boolean truncated = from + l.maxKeys() < all.size();
            pages.add(new Response.VersionPage(page, truncated, truncated ? page.getLast().key() : null,
                    truncated ? page.getLast().versionId() : null));
        }
        return new Response.VersionListing(pages);
    }

    private Response listObjects(boolean v, Request.ListObjects l) {
        List<Response.ListedObject> all = new ArrayList<>();
        Map<String, Stored> currents = new TreeMap<>();
        if (v) {
            versioned.forEach((k, h) -> currents.put(k, h.isEmpty() ? null : h.getLast()));
        } else {
            currents.putAll(plain);
        }
        currents.forEach((k, s) -> {
            if (k.startsWith(l.prefix()) && s != null && !s.marker()) {
                all.add(new Response.ListedObject(k, "\"" + s.etag() + "\""));
            }
        });
        List<Response.ObjectPage> pages = new ArrayList<>();
        for (int from = 0; from < all.size() || pages.isEmpty(); from += l.maxKeys()) {
            boolean truncated = from + l.maxKeys() < all.size();
            pages.add(new Response.ObjectPage(all.subList(from, Math.min(all.size(), from + l.maxKeys())), truncated,
                    truncated ? "token" + from : null));
        }
        return new Response.ObjectListing(pages);
    }

    /** Every version id that ever existed in a key, for requests that name old or deleted versions. */
    static final class Ids {
        final Map<String, List<String>> byKey = new HashMap<>();

        void add(String key, String id) {
            if (id != null && !Objects.equals(id, "null")) {
                byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
            }
        }
    }
}
