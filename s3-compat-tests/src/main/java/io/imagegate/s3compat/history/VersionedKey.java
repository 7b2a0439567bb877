package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a history says about one key of a versioned bucket: its versions and delete markers
 * (by id), every write that may have made one, the writes whose outcome is unknown and whose
 * version nobody has named yet, and the deletes of versions by id.
 */
final class VersionedKey {

    /** What an observation says about a version it names but the history does not (yet) know. */
    record Hint(Boolean marker, String etag, String tag) {
        static final Hint NONE = new Hint(null, null, null);
    }

    final String bucket;
    final String key;
    private final Map<String, Version> versions = new LinkedHashMap<>();
    /** Every write that was not refused, in order of invocation. */
    final List<Write> writes = new ArrayList<>();
    private final List<Write> unbound = new ArrayList<>();
    private final Map<String, List<Effects.VersionDelete>> deletes = new HashMap<>();

    VersionedKey(String bucket, String key) {
        this.bucket = bucket;
        this.key = key;
    }

    void add(Write w) {
        writes.add(w);
        if (w.versionId() != null) {
            Version v = new Version(bucket, key, w.versionId(), w);
            versions.put(w.versionId(), v);
            applyDeletes(v);
        } else {
            unbound.add(w);
        }
    }

    void delete(Effects.VersionDelete d) {
        deletes.computeIfAbsent(d.versionId(), id -> new ArrayList<>()).add(d);
        Version v = versions.get(d.versionId());
        if (v != null) {
            apply(v, d);
        }
    }

    private void applyDeletes(Version v) {
        for (Effects.VersionDelete d : deletes.getOrDefault(v.versionId, List.of())) {
            apply(v, d);
        }
    }

    private static void apply(Version v, Effects.VersionDelete d) {
        v.deleteInvoked = Math.min(v.deleteInvoked, d.invoked());
        if (d.acknowledged() && d.completed() < v.deleteAcknowledged) {
            v.deleteAcknowledged = d.completed();
            v.acknowledgedDeleteOp = d.op().id();
        }
    }

    Collection<Version> versions() {
        return versions.values();
    }

    /** A version the history knows by id, without tying unknown writes to it. */
    Version find(String versionId) {
        return versionId == null ? null : versions.get(versionId);
    }

    /**
     * A version named by an answer; one the history does not know is tied to the writes of unknown
     * outcome that fit the hint: the one with its tag (which then makes no other version), else all
     * of its kind and ETag. When several fit, the version is only loosely known: its write is taken
     * to have begun with the earliest of them, and its content is not checked.
     */
    Version resolve(String versionId, Hint hint) {
        Version v = versions.get(versionId);
        if (v != null || versionId == null) {
            return v;
        }
        List<Write> fits = fits(hint);
        if (fits.isEmpty()) {
            return null;
        }
        Write w = fits.stream().filter(f -> hint.etag() != null && hint.etag().equals(f.etag())).findFirst()
                .orElse(fits.getFirst());
        if (hint.tag() != null) {
            unbound.remove(w);
        }
        v = new Version(bucket, key, versionId, w.withVersionId(versionId));
        if (fits.size() > 1) {
            v.loose = true;
            v.invoked = fits.stream().mapToLong(Write::invoked).min().orElseThrow();
            v.etag = hint.etag();
        } else if (v.etag == null) {
            v.etag = hint.etag(); // a copy of unknown outcome: its ETag is its source's, first seen here
        }
        versions.put(versionId, v);
        applyDeletes(v);
        return v;
    }

    /** The unbound writes that can have made a version: the one with its tag, else all of its kind and ETag. */
    private List<Write> fits(Hint hint) {
        List<Write> out = new ArrayList<>();
        for (Write w : unbound) {
            if (hint.tag() != null && hint.tag().equals(w.tag())) {
                return List.of(w);
            }
            if (hint.tag() == null && (hint.marker() == null || hint.marker() == w.marker())
                    && (hint.etag() == null || w.etag() == null || hint.etag().equals(w.etag()))) {
                out.add(w);
            }
        }
        return out;
    }

    /** A version other than {@code v}, definitely newer than it, that existed throughout {@code [from, to]}. */
    Version supersededBy(Version v, long from, long to) {
        for (Version u : versions.values()) {
            if (u != v && u.existsThroughout(from, to) && u.invoked() > v.effectEnd()) {
                return u;
            }
        }
        return null;
    }

    /**
     * An object version that was the key's current version throughout {@code [from, to]}: it existed
     * throughout, and every other write that may have taken effect before {@code to} (but those of
     * {@code exclude}, the observing operation itself) is older.
     */
    Version currentThroughout(long from, long to, Op exclude) {
        Write first = null;
        long max = Long.MIN_VALUE;
        long second = Long.MIN_VALUE;
        for (Write w : writes) {
            if (w.invoked() >= to || w.op() == exclude) {
                continue;
            }
            if (w.effectEnd() > max) {
                second = max;
                max = w.effectEnd();
                first = w;
            } else if (w.effectEnd() > second) {
                second = w.effectEnd();
            }
        }
        for (Version u : versions.values()) {
            if (u.marker() || !u.existsThroughout(from, to)) {
                continue;
            }
            long newestOther = u.write == first ? second : max;
            if (newestOther < u.invoked()) {
                return u;
            }
        }
        return null;
    }

    /** Writes of unknown outcome, not tied to a version by tag, that could be an object version with this ETag. */
    boolean mayBeUnbound(String etag) {
        for (Write w : unbound) {
            if (!w.marker() && (w.etag() == null || Objects.equals(w.etag(), etag))) {
                return true;
            }
        }
        return false;
    }
}
