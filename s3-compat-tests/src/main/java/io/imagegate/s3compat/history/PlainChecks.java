package io.imagegate.s3compat.history;

import static io.imagegate.s3compat.history.Violation.Kind.CONDITION_BROKEN;
import static io.imagegate.s3compat.history.Violation.Kind.DELETE_UNDONE;
import static io.imagegate.s3compat.history.Violation.Kind.LOST_WRITE;
import static io.imagegate.s3compat.history.Violation.Kind.PHANTOM;
import static io.imagegate.s3compat.history.Violation.Kind.STALE_READ;
import static io.imagegate.s3compat.history.Violation.Kind.WRONG_CONTENT;

import java.util.List;

/**
 * Reads of an unversioned bucket against the model of one value per key: a read returns a value
 * that no acknowledged write or delete had definitely replaced before the read began, and finds
 * the key empty only when no value was certainly stored throughout.
 */
final class PlainChecks {

    private final Index index;

    PlainChecks(Index index) {
        this.index = index;
    }

    void get(Op op, Request.Get g) {
        PlainKey k = index.plain(g.bucket(), g.key());
        switch (op.response()) {
            case Response.Found f -> {
                Write w = f.tag() == null ? null : k.byTag(f.tag());
                if (w == null) {
                    index.report(PHANTOM, k.bucket, k.key, null, op, "served tag " + f.tag() + ", which no write of the key has");
                    return;
                }
                String sha = index.sha256(w);
                if (f.sha256() != null && sha != null && !sha.equals(f.sha256())) {
                    index.report(WRONG_CONTENT, k.bucket, k.key, null, op, "bytes are not those written by op #" + w.op().id());
                    return;
                }
                seen(index, op, k, w, "read");
            }
            case Response.Missing m -> absent(op, k, STALE_READ, "answered " + m.status() + " " + m.code());
            default -> { }
        }
    }

    void condition(Op op, Request.Put p) {
        if (!(op.response() instanceof Response.Written)) {
            return;
        }
        PlainKey k = index.plain(p.bucket(), p.key());
        if (p.ifNoneMatch()) {
            absent(op, k, CONDITION_BROKEN, "If-None-Match: * succeeded");
            return;
        }
        String etag = Etags.normal(p.ifMatch());
        for (Write w : k.byEtag(etag)) {
            if (w.op() != op && w.invoked() <= op.completed() && k.supersededBy(w, op.invoked()) == null) {
                return;
            }
        }
        index.report(CONDITION_BROKEN, k.bucket, k.key, null, op, "If-Match " + etag
                + " succeeded, but no value with that ETag can have been current");
    }

    /** A ListObjectsV2 entry of an unversioned bucket. */
    static void listedObject(Index index, Op op, PlainKey k, String etag) {
        List<Write> candidates = k.byEtag(etag);
        for (Write w : candidates) {
            if (w.invoked() <= op.completed() && k.supersededBy(w, op.invoked()) == null) {
                return;
            }
        }
        if (candidates.isEmpty()) {
            index.report(PHANTOM, k.bucket, k.key, null, op, "listed with ETag " + etag + ", which no write of the key has");
        } else {
            seen(index, op, k, candidates.getFirst(), "listed");
        }
    }

    /** {@code w}'s value was seen during {@code op}: nothing acknowledged had replaced it before. */
    private static void seen(Index index, Op op, PlainKey k, Write w, String what) {
        if (w.invoked() > op.completed()) {
            index.report(PHANTOM, k.bucket, k.key, null, op, what + " the value of op #" + w.op().id()
                    + " before that write was invoked");
            return;
        }
        Write x = k.supersededBy(w, op.invoked());
        if (x != null) {
            Violation.Kind kind = !index.settled(op) ? STALE_READ : x.marker() ? DELETE_UNDONE : LOST_WRITE;
            index.report(kind, k.bucket, k.key, null, op, what + " the value of op #" + w.op().id() + ", but op #"
                    + x.op().id() + (x.marker() ? " deleted it" : " replaced it") + " before the read began");
        }
    }

    private void absent(Op op, PlainKey k, Violation.Kind kind, String what) {
        Write u = k.currentThroughout(op.invoked(), op.completed(), op);
        if (u != null) {
            Violation.Kind k2 = kind == STALE_READ && index.settled(op) ? LOST_WRITE : kind;
            index.report(k2, k.bucket, k.key, null, op, what + ", but the value of op #" + u.op().id()
                    + " was stored throughout");
        }
    }
}
