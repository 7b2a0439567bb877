package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The history indexed per key: what every mutation may have done to which key, the time after
 * which nothing changed any more, and the violations found so far.
 */
final class Index {

    final History history;
    private final Map<String, VersionedKey> versioned = new TreeMap<>();
    private final Map<String, PlainKey> plain = new TreeMap<>();
    /** Completion of the last mutation: an operation invoked after it sees the final state. */
    final long settledAt;
    final List<Violation> violations = new ArrayList<>();

    Index(History history) {
        this.history = history;
        long settled = Long.MIN_VALUE;
        for (Op op : history.ops()) {
            if (op.request().mutates()) {
                settled = Math.max(settled, op.completed());
            }
            String bucket = op.request().bucket();
            boolean isVersioned = history.versioned(bucket);
            Effects e = Effects.of(op, isVersioned);
            for (Write w : e.writes()) {
                if (isVersioned) {
                    versioned(bucket, w.key()).add(w);
                } else {
                    plain(bucket, w.key()).writes.add(w);
                }
            }
            for (Effects.VersionDelete d : e.deletes()) {
                if (isVersioned) {
                    versioned(bucket, d.key()).delete(d);
                }
            }
        }
        this.settledAt = settled;
    }

    VersionedKey versioned(String bucket, String key) {
        return versioned.computeIfAbsent(bucket + "\n" + key, k -> new VersionedKey(bucket, key));
    }

    PlainKey plain(String bucket, String key) {
        return plain.computeIfAbsent(bucket + "\n" + key, k -> new PlainKey(bucket, key));
    }

    /** The keys of a versioned bucket under a prefix that the history wrote, in key order. */
    List<VersionedKey> versionedKeys(String bucket, String prefix) {
        return versioned.values().stream().filter(k -> k.bucket.equals(bucket) && k.key.startsWith(prefix)).toList();
    }

    List<PlainKey> plainKeys(String bucket, String prefix) {
        return plain.values().stream().filter(k -> k.bucket.equals(bucket) && k.key.startsWith(prefix)).toList();
    }

    /** Invoked after every mutation completed: what it sees is the end state. */
    boolean settled(Op op) {
        return op.invoked() > settledAt;
    }

    /** SHA-256 of a write's bytes, following copies to their source version; null when not known. */
    String sha256(Write w) {
        for (int hops = 0; w != null && hops < 64; hops++) {
            if (w.sha256() != null || !w.copy() || w.sourceVersionId() == null) {
                return w.sha256();
            }
            if (!history.versioned(w.sourceBucket())) {
                return null;
            }
            Version source = versioned(w.sourceBucket(), w.sourceKey()).find(w.sourceVersionId());
            w = source == null || source.loose ? null : source.write;
        }
        return null;
    }

    void report(Violation.Kind kind, String bucket, String key, String versionId, Op op, String detail) {
        violations.add(new Violation(kind, bucket, key, versionId, op.id(), detail));
    }
}
