package io.imagegate.s3compat.history;

import static io.imagegate.s3compat.history.Violation.Kind.CONDITION_BROKEN;
import static io.imagegate.s3compat.history.Violation.Kind.DELETE_UNDONE;
import static io.imagegate.s3compat.history.Violation.Kind.LOST_WRITE;
import static io.imagegate.s3compat.history.Violation.Kind.PHANTOM;
import static io.imagegate.s3compat.history.Violation.Kind.STALE_READ;
import static io.imagegate.s3compat.history.Violation.Kind.WRONG_CONTENT;

/**
 * Reads of a versioned bucket against the model: GET and HEAD of the current version or of one
 * version, what a copy read of its source, and what a conditional PUT's success says it saw.
 */
final class VersionedChecks {

    private final Index index;

    VersionedChecks(Index index) {
        this.index = index;
    }

    void get(Op op, Request.Get g) {
        VersionedKey k = index.versioned(g.bucket(), g.key());
        if (g.versionId() == null) {
            getCurrent(op, k);
        } else {
            getVersion(op, k, g.versionId());
        }
    }

    private void getCurrent(Op op, VersionedKey k) {
        switch (op.response()) {
            case Response.Found f -> {
                Version v = k.resolve(f.versionId(), new VersionedKey.Hint(false, Etags.normal(f.etag()), f.tag()));
                if (v == null) {
                    index.report(PHANTOM, k.bucket, k.key, f.versionId(), op, "served a version no write can have made");
                } else if (content(op, v, f)) {
                    current(op, v, STALE_READ, "read");
                }
            }
            case Response.Missing m when m.deleteMarker() && m.versionId() != null -> {
                Version marker = k.resolve(m.versionId(), new VersionedKey.Hint(true, null, null));
                if (marker == null) {
                    index.report(PHANTOM, k.bucket, k.key, m.versionId(), op, "a delete marker no delete can have made");
                } else if (!marker.marker()) {
                    index.report(WRONG_CONTENT, k.bucket, k.key, m.versionId(), op, "an object version answered as a delete marker");
                } else {
                    current(op, marker, STALE_READ, "read");
                }
            }
            case Response.Missing m -> absent(op, k, STALE_READ, "answered " + m.status() + " " + m.code());
            default -> { }
        }
    }

    private void getVersion(Op op, VersionedKey k, String versionId) {
        switch (op.response()) {
            case Response.Found f -> {
                if (!versionId.equals(f.versionId())) {
                    index.report(WRONG_CONTENT, k.bucket, k.key, versionId, op, "served version " + f.versionId());
                    return;
                }
                Version v = k.resolve(versionId, new VersionedKey.Hint(false, Etags.normal(f.etag()), f.tag()));
                if (v == null) {
                    index.report(PHANTOM, k.bucket, k.key, versionId, op, "served a version no write can have made");
                } else if (content(op, v, f)) {
                    notDeleted(op, v, "read by id");
                }
            }
            case Response.Missing m when m.status() == 405 -> {
                Version v = k.resolve(versionId, new VersionedKey.Hint(true, null, null));
                if (v != null && !v.marker()) {
                    index.report(WRONG_CONTENT, k.bucket, k.key, versionId, op, "an object version answered 405 as a delete marker");
                } else if (v != null) {
                    notDeleted(op, v, "answered as a delete marker");
                }
            }
            case Response.Missing m -> {
                Version v = k.find(versionId);
                if (v != null && v.existsThroughout(op.invoked(), op.completed())) {
                    boolean end = index.settled(op) && v.deleteInvoked == Long.MAX_VALUE;
                    index.report(end ? LOST_WRITE : STALE_READ, k.bucket, k.key, versionId, op, "answered " + m.code()
                            + " for " + v + ", acknowledged before the read and not deleted");
                }
            }
            default -> { }
        }
    }

    /** A copy read its source: the version it names must have been current (or existing) then. */
    void copySource(Op op, Request.Copy c) {
        if (!index.history.versioned(c.sourceBucket())) {
            return;
        }
        VersionedKey k = index.versioned(c.sourceBucket(), c.sourceKey());
        switch (op.response()) {
            case Response.Written w -> {
                String id = w.sourceVersionId() != null ? w.sourceVersionId() : c.sourceVersionId();
                Version v = k.resolve(id, new VersionedKey.Hint(false, null, null));
                if (v == null) {
                    index.report(PHANTOM, k.bucket, k.key, id, op, "copied from a version no write can have made");
                } else if (v.marker()) {
                    index.report(WRONG_CONTENT, k.bucket, k.key, id, op, "copied from a delete marker");
                } else if (c.sourceVersionId() == null) {
                    current(op, v, STALE_READ, "copied as the current version");
                } else {
                    notDeleted(op, v, "copied by id");
                }
            }
            case Response.Rejected r when r.status() == 404 && c.sourceVersionId() == null ->
                    absent(op, k, STALE_READ, "copy source answered " + r.code());
            case Response.Rejected r when r.status() == 404 -> {
                Version v = k.find(c.sourceVersionId());
                if (v != null && !v.marker() && v.existsThroughout(op.invoked(), op.completed())) {
                    index.report(STALE_READ, k.bucket, k.key, v.versionId, op, "copy source answered " + r.code()
                            + " for " + v + ", acknowledged before and not deleted");
                }
            }
            default -> { }
        }
    }

    /** A conditional PUT that succeeded saw its condition hold at some point of its window. */
    void condition(Op op, Request.Put p) {
        if (!(op.response() instanceof Response.Written)) {
            return;
        }
        VersionedKey k = index.versioned(p.bucket(), p.key());
        if (p.ifNoneMatch()) {
            absent(op, k, CONDITION_BROKEN, "If-None-Match: * succeeded");
            return;
        }
        String etag = Etags.normal(p.ifMatch());
        Version witness = null;
        for (Version v : k.versions()) {
            if (v.write.op() == op || v.marker() || v.etag != null && !v.etag.equals(etag)) {
                continue;
            }
            if (!v.deletedBefore(op.invoked()) && v.invoked() <= op.completed()
                    && k.supersededBy(v, op.invoked(), op.completed()) == null) {
                return; // v may have been current
            }
            witness = v;
        }
        if (k.mayBeUnbound(etag)) {
            return;
        }
        index.report(CONDITION_BROKEN, k.bucket, k.key, witness == null ? null : witness.versionId, op,
                "If-Match " + etag + " succeeded, but no version with that ETag can have been current"
                        + (witness == null ? "" : " (" + witness + " was superseded or deleted)"));
    }

    /** Bytes, ETag and tag served match the write; false (after reporting) when they do not. */
    boolean content(Op op, Version v, Response.Found f) {
        if (v.loose) {
            return true;
        }
        String sha = index.sha256(v.write);
        String detail = null;
        if (v.marker()) {
            detail = "a delete marker served as an object";
        } else if (f.sha256() != null && sha != null && !sha.equals(f.sha256())) {
            detail = "bytes are not those written by op #" + v.write.op().id();
        } else if (v.etag != null && f.etag() != null && !v.etag.equals(Etags.normal(f.etag()))) {
            detail = "ETag " + f.etag() + " is not " + v.etag;
        } else if (v.write.tag() != null && f.tag() != null && !v.write.tag().equals(f.tag())) {
            detail = "tag " + f.tag() + " is not " + v.write.tag();
        }
        if (detail != null) {
            index.report(WRONG_CONTENT, v.bucket, v.key, v.versionId, op, detail);
        }
        return detail == null;
    }

    /** {@code v} was seen as the key's current version (or marker) during {@code op}. */
    void current(Op op, Version v, Violation.Kind kind, String what) {
        if (!notDeleted(op, v, what)) {
            return;
        }
        Version u = index.versioned(v.bucket, v.key).supersededBy(v, op.invoked(), op.completed());
        if (u != null) {
            index.report(kind, v.bucket, v.key, v.versionId, op, what + " " + v + ", but " + u
                    + " is newer, was acknowledged before and not deleted until after");
        }
    }

    /** {@code v} was seen during {@code op}: its delete was not acknowledged before, its write was invoked before. */
    boolean notDeleted(Op op, Version v, String what) {
        if (v.deletedBefore(op.invoked())) {
            index.report(DELETE_UNDONE, v.bucket, v.key, v.versionId, op, what + " " + v
                    + " after its delete (op #" + v.acknowledgedDeleteOp + ") was acknowledged");
            return false;
        }
        if (v.invoked() > op.completed()) {
            index.report(PHANTOM, v.bucket, v.key, v.versionId, op, what + " " + v + " before its write was invoked");
            return false;
        }
        return true;
    }

    /** The key was seen without a current object during {@code op}. */
    void absent(Op op, VersionedKey k, Violation.Kind kind, String what) {
        Version u = k.currentThroughout(op.invoked(), op.completed(), op);
        if (u != null) {
            index.report(kind, k.bucket, k.key, u.versionId, op, what + ", but " + u
                    + " was the current version throughout");
        }
    }
}
