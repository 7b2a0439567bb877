package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a history says about one key of an unversioned bucket, which holds at most one
 * value: the writes (a removal is a write of nothing, {@link Write#marker()}), each named by the
 * tag of its content. A value overwritten or removed never comes back.
 */
final class PlainKey {

    final String bucket;
    final String key;
    final List<Write> writes = new ArrayList<>();

    PlainKey(String bucket, String key) {
        this.bucket = bucket;
        this.key = key;
    }

    Write byTag(String tag) {
        for (Write w : writes) {
            if (!w.marker() && tag.equals(w.tag())) {
                return w;
            }
        }
        return null;
    }

    /** Writes that may have stored a value with this ETag (a copy of unknown outcome has no known ETag). */
    List<Write> byEtag(String etag) {
        List<Write> out = new ArrayList<>();
        for (Write w : writes) {
            if (!w.marker() && (w.etag() == null || w.etag().equals(etag))) {
                out.add(w);
            }
        }
        return out;
    }

    /** An acknowledged write or removal, definitely after {@code w}, that completed before {@code from}. */
    Write supersededBy(Write w, long from) {
        for (Write x : writes) {
            if (x != w && x.acknowledged() && x.effectEnd() < from && x.invoked() > w.effectEnd()) {
                return x;
            }
        }
        return null;
    }

    /**
     * A value stored throughout {@code [from, to]}: acknowledged before it, and every other write that
     * may fall before {@code to} (but those of {@code exclude}, the observing operation) older.
     */
    Write currentThroughout(long from, long to, Op exclude) {
        for (Write u : writes) {
            if (u.marker() || !u.acknowledged() || u.effectEnd() >= from) {
                continue;
            }
            boolean newest = true;
            for (Write x : writes) {
                if (x != u && x.op() != exclude && x.invoked() < to && x.effectEnd() >= u.invoked()) {
                    newest = false;
                    break;
                }
            }
            if (newest) {
                return u;
            }
        }
        return null;
    }
}
