package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Hand-written histories: {@code h.put("k", "A").at(0, 10).written("v1")}. Bucket "ver" is versioned, "plain" is not. */
final class HistoryBuilder {

    static final String VER = "ver";
    static final String PLAIN = "plain";

    private final List<Op> ops = new ArrayList<>();

    static Body body(String tag) {
        return Body.of(tag, 64, false);
    }

    static String etag(String tag) {
        return "\"" + body(tag).etag() + "\"";
    }

    Step put(String key, String tag) {
        return new Step(Request.Put.plain(VER, key, body(tag)));
    }

    Step putPlain(String key, String tag) {
        return new Step(Request.Put.plain(PLAIN, key, body(tag)));
    }

    Step putIfNoneMatch(String bucket, String key, String tag) {
        return new Step(new Request.Put(bucket, key, body(tag), true, null));
    }

    Step putIfMatch(String bucket, String key, String tag, String matchTag) {
        return new Step(new Request.Put(bucket, key, body(tag), false, etag(matchTag)));
    }

    Step copy(String key, String sourceKey, String sourceVersionId, String tag) {
        return new Step(new Request.Copy(VER, key, VER, sourceKey, sourceVersionId, tag));
    }

    Step deleteKey(String bucket, String key) {
        return new Step(new Request.Delete(bucket, key, null));
    }

    Step deleteVersion(String key, String versionId) {
        return new Step(new Request.Delete(VER, key, versionId));
    }

    Step deleteBatch(String bucket, Request.Target... targets) {
        return new Step(new Request.DeleteBatch(bucket, Arrays.asList(targets)));
    }

    Step get(String key) {
        return new Step(new Request.Get(VER, key, null, false));
    }

    Step getPlain(String key) {
        return new Step(new Request.Get(PLAIN, key, null, false));
    }

    Step getVersion(String key, String versionId) {
        return new Step(new Request.Get(VER, key, versionId, false));
    }

    Step listVersions(String prefix) {
        return new Step(new Request.ListVersions(VER, prefix, 1000));
    }

    Step listObjects(String bucket, String prefix) {
        return new Step(new Request.ListObjects(bucket, prefix, 1000));
    }

    History build() {
        return new History(Set.of(VER), ops);
    }

    CheckReport check() {
        return HistoryChecker.check(build());
    }

    // ---- answers

    static Response.Found found(String versionId, String tag) {
        Body b = body(tag);
        return new Response.Found(versionId, "\"" + b.etag() + "\"", b.sha256(), tag, b.length());
    }

    static Response.Missing noSuchKey() {
        return new Response.Missing(404, "NoSuchKey", null, false);
    }

    static Response.Missing deleteMarker(String versionId) {
        return new Response.Missing(404, "NoSuchKey", versionId, true);
    }

    static Response.Missing noSuchVersion() {
        return new Response.Missing(404, "NoSuchVersion", null, false);
    }

    static Response.Unknown unavailable() {
        return new Response.Unknown(503, "ServiceUnavailable");
    }

    static Response.ListedVersion version(String key, String versionId, String tag, boolean latest) {
        return new Response.ListedVersion(key, versionId, etag(tag), latest, false);
    }

    static Response.ListedVersion marker(String key, String versionId, boolean latest) {
        return new Response.ListedVersion(key, versionId, null, latest, true);
    }

    static Response.VersionListing versions(Response.ListedVersion... entries) {
        return new Response.VersionListing(List.of(new Response.VersionPage(Arrays.asList(entries), false, null, null)));
    }

    static Response.ObjectListing objects(Response.ListedObject... entries) {
        return new Response.ObjectListing(List.of(new Response.ObjectPage(Arrays.asList(entries), false, null)));
    }

    static Response.ListedObject object(String key, String tag) {
        return new Response.ListedObject(key, etag(tag));
    }

    /** One operation being written: its request, then when it ran, then its answer. */
    final class Step {
        private final Request request;
        private int process;
        private long invoked;
        private long completed;

        Step(Request request) {
            this.request = request;
        }

        Step by(int p) {
            process = p;
            return this;
        }

        Step at(long from, long to) {
            invoked = from;
            completed = to;
            return this;
        }

        HistoryBuilder answer(Response response) {
            ops.add(new Op(ops.size(), process, 0, invoked, completed, request, response));
            return HistoryBuilder.this;
        }

        /** A write acknowledged with this version id (and the ETag of its body). */
        HistoryBuilder written(String versionId) {
            String etag = switch (request) {
                case Request.Put p -> p.body().etag();
                case Request.Multipart m -> m.body().etag();
                default -> null;
            };
            return answer(new Response.Written(versionId, etag == null ? null : "\"" + etag + "\"", null));
        }

        HistoryBuilder copied(String versionId, String sourceVersionId, String sourceTag) {
            return answer(new Response.Written(versionId, etag(sourceTag), sourceVersionId));
        }

        /** DeleteObject acknowledged: of the named version, or making marker {@code versionId}. */
        HistoryBuilder deleted(String versionId) {
            boolean marker = request instanceof Request.Delete d && d.versionId() == null;
            return answer(new Response.Deleted(versionId, marker));
        }

        HistoryBuilder unknown() {
            return answer(unavailable());
        }
    }
}
