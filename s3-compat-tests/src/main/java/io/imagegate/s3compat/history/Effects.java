package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.List;

/**
 * What one operation may have changed, per key: the writes it made (versions, delete markers, and
 * in an unversioned bucket removals, which are writes of "nothing") and the versions it deleted,
 * each with the window in which it may have taken effect. Refused operations (and refused targets
 * of a batch) change nothing and yield nothing.
 */
record Effects(List<Write> writes, List<VersionDelete> deletes) {

    /** A delete of one version by id; {@code acknowledged} when the answer said it was done. */
    record VersionDelete(Op op, String key, String versionId, long invoked, long completed, boolean acknowledged) {}

    static Effects of(Op op, boolean versioned) {
        List<Write> writes = new ArrayList<>();
        List<VersionDelete> deletes = new ArrayList<>();
        if (op.rejected() || !op.request().mutates()) {
            return new Effects(writes, deletes);
        }
        boolean ack = op.ok();
        long end = op.effectEnd();
        switch (op.request()) {
            case Request.Put p -> {
                String id = ack ? ((Response.Written) op.response()).versionId() : null;
                String etag = ack ? Etags.normal(((Response.Written) op.response()).etag()) : p.body().etag();
                writes.add(new Write(op, p.key(), op.invoked(), end, ack, false, versioned ? id : null, etag,
                        p.body().sha256(), p.body().tag(), null, null, null));
            }
            case Request.Multipart m -> {
                String id = ack ? ((Response.Written) op.response()).versionId() : null;
                String etag = ack ? Etags.normal(((Response.Written) op.response()).etag()) : m.body().etag();
                writes.add(new Write(op, m.key(), op.invoked(), end, ack, false, versioned ? id : null, etag,
                        m.body().sha256(), m.body().tag(), null, null, null));
            }
            case Request.Copy c -> {
                Response.Written w = ack ? (Response.Written) op.response() : null;
                String source = w != null && w.sourceVersionId() != null ? w.sourceVersionId() : c.sourceVersionId();
                writes.add(new Write(op, c.key(), op.invoked(), end, ack, false,
                        versioned && w != null ? w.versionId() : null, w != null ? Etags.normal(w.etag()) : null,
                        null, c.tag(), c.sourceBucket(), c.sourceKey(), source));
            }
            case Request.Delete d -> target(op, d.key(), d.versionId(), versioned, ack, end,
                    ack ? ((Response.Deleted) op.response()).versionId() : null, writes, deletes);
            case Request.DeleteBatch b -> {
                for (Request.Target t : b.targets()) {
                    Response.Entry e = ack ? entry((Response.BatchDeleted) op.response(), t) : null;
                    Response.Outcome outcome = !ack ? Response.Outcome.UNKNOWN
                            : e == null ? Response.Outcome.UNKNOWN : e.outcome();
                    if (outcome == Response.Outcome.REFUSED) {
                        continue;
                    }
                    boolean done = outcome == Response.Outcome.DELETED;
                    target(op, t.key(), t.versionId(), versioned, done, done ? op.completed() : Long.MAX_VALUE,
                            done ? e.markerVersionId() : null, writes, deletes);
                }
            }
            default -> throw new IllegalStateException("not a mutation: " + op.request());
        }
        return new Effects(writes, deletes);
    }

    private static void target(Op op, String key, String versionId, boolean versioned, boolean ack, long end,
                               String markerId, List<Write> writes, List<VersionDelete> deletes) {
        if (versionId != null) {
            deletes.add(new VersionDelete(op, key, versionId, op.invoked(), op.completed(), ack));
        } else {
            // versioned: a delete marker; unversioned: the key's removal, a write of nothing
            writes.add(new Write(op, key, op.invoked(), end, ack, true, versioned && ack ? markerId : null, null, null,
                    null, null, null, null));
        }
    }

    private static Response.Entry entry(Response.BatchDeleted batch, Request.Target t) {
        for (Response.Entry e : batch.entries()) {
            if (e.key().equals(t.key()) && java.util.Objects.equals(e.versionId(), t.versionId())) {
                return e;
            }
        }
        return null;
    }
}
