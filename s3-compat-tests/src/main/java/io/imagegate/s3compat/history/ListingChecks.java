package io.imagegate.s3compat.history;

import static io.imagegate.s3compat.history.Violation.Kind.DELETE_UNDONE;
import static io.imagegate.s3compat.history.Violation.Kind.LISTING_FALSELY_COMPLETE;
import static io.imagegate.s3compat.history.Violation.Kind.LISTING_INCOMPLETE;
import static io.imagegate.s3compat.history.Violation.Kind.LISTING_MALFORMED;
import static io.imagegate.s3compat.history.Violation.Kind.LISTING_ORDER;
import static io.imagegate.s3compat.history.Violation.Kind.LOST_WRITE;
import static io.imagegate.s3compat.history.Violation.Kind.PHANTOM;
import static io.imagegate.s3compat.history.Violation.Kind.STALE_READ;
import static io.imagegate.s3compat.history.Violation.Kind.WRONG_CONTENT;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Listings against the model. A ListObjectVersions must hold every version that existed throughout
 * its window, each key's versions newest first with IsLatest on the first, nothing deleted before
 * it began, and must end (IsTruncated=false, or a key's last version) only where nothing that
 * existed throughout follows. A ListObjectsV2 entry is a read of the key's current version, and a
 * key whose object was current throughout must be in it.
 */
final class ListingChecks {

    private final Index index;
    private final VersionedChecks reads;

    ListingChecks(Index index, VersionedChecks reads) {
        this.index = index;
        this.reads = reads;
    }

    void versions(Op op, Request.ListVersions l, Response.VersionListing listing) {
        boolean truncated = !listing.pages().isEmpty() && listing.pages().getLast().truncated();
        if (truncated) {
            malformed(op, l.bucket(), null, "the last page says IsTruncated=true");
        }
        Map<String, List<Version>> byKey = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        String previousKey = null;
        for (Response.VersionPage page : listing.pages()) {
            if (page.truncated() && page.nextKeyMarker() == null) {
                malformed(op, l.bucket(), null, "a truncated page without NextKeyMarker");
            }
            boolean firstOfPage = true;
            for (Response.ListedVersion e : page.entries()) {
                if (previousKey != null && e.key().compareTo(previousKey) < 0) {
                    malformed(op, l.bucket(), e.key(), "key listed after " + previousKey);
                }
                boolean firstOfKey = !e.key().equals(previousKey);
                // a later page is answered later: the version a delete made latest meanwhile may say so
                boolean mayBeLatest = firstOfKey || firstOfPage;
                previousKey = e.key();
                firstOfPage = false;
                if (!seen.add(e.key() + "\n" + e.versionId())) {
                    malformed(op, l.bucket(), e.key(), "version " + e.versionId() + " listed twice");
                    continue;
                }
                if (firstOfKey && !e.latest() || e.latest() && !mayBeLatest) {
                    malformed(op, l.bucket(), e.key(), "IsLatest=" + e.latest() + " on " + (firstOfKey ? "the first"
                            : "a later") + " version of the key (" + e.versionId() + ")");
                }
                Version v = entry(op, l.bucket(), e);
                if (v != null) {
                    byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(v);
                    if (e.latest()) {
                        reads.current(op, v, STALE_READ, "listed as latest");
                    } else {
                        reads.notDeleted(op, v, "listed");
                    }
                }
            }
        }
        for (Map.Entry<String, List<Version>> k : byKey.entrySet()) {
            order(op, l.bucket(), k.getKey(), k.getValue());
        }
        for (VersionedKey k : index.versionedKeys(l.bucket(), l.prefix())) {
            List<Version> listed = byKey.getOrDefault(k.key, List.of());
            Set<Version> present = new HashSet<>(listed);
            for (Version u : k.versions()) {
                if (u.existsThroughout(op.invoked(), op.completed()) && !present.contains(u)) {
                    missingVersion(op, u, listed, previousKey, truncated);
                }
            }
        }
    }

    private Version entry(Op op, String bucket, Response.ListedVersion e) {
        VersionedKey k = index.versioned(bucket, e.key());
        Version v = k.resolve(e.versionId(), new VersionedKey.Hint(e.deleteMarker(),
                e.deleteMarker() ? null : Etags.normal(e.etag()), null));
        if (v == null) {
            index.report(PHANTOM, bucket, e.key(), e.versionId(), op, "listed a version no write can have made");
        } else if (v.marker() != e.deleteMarker()) {
            index.report(WRONG_CONTENT, bucket, e.key(), e.versionId(), op, "listed " + v + " as "
                    + (e.deleteMarker() ? "a delete marker" : "an object"));
        } else if (!v.marker() && !v.loose && v.etag != null && e.etag() != null && !v.etag.equals(Etags.normal(e.etag()))) {
            index.report(WRONG_CONTENT, bucket, e.key(), e.versionId(), op, "listed with ETag " + e.etag() + ", not " + v.etag);
        }
        return v;
    }

    /** Newest first: an entry whose write completed before a later-listed entry's began is out of order. */
    private void order(Op op, String bucket, String key, List<Version> listed) {
        Version oldest = null;
        for (Version v : listed) {
            if (oldest != null && oldest.definitelyBefore(v)) {
                index.report(LISTING_ORDER, bucket, key, v.versionId, op, "listed " + v + " after " + oldest
                        + ", which was acknowledged before " + v.versionId + " was written");
                return;
            }
            if (oldest == null || v.effectEnd() < oldest.effectEnd()) {
                oldest = v;
            }
        }
    }

    private void missingVersion(Op op, Version u, List<Version> listed, String lastKey, boolean truncated) {
        if (index.settled(op)) {
            boolean deleteTried = u.deleteInvoked != Long.MAX_VALUE;
            if (!deleteTried) {
                index.report(u.marker() ? DELETE_UNDONE : LOST_WRITE, u.bucket, u.key, u.versionId, op,
                        "the final listing lacks acknowledged " + u);
                return;
            }
        }
        boolean cutShort = listed.isEmpty()
                ? !truncated && (lastKey == null || u.key.compareTo(lastKey) > 0)
                : listed.stream().allMatch(u::definitelyBefore);
        index.report(cutShort ? LISTING_FALSELY_COMPLETE : LISTING_INCOMPLETE, u.bucket, u.key, u.versionId, op,
                (cutShort ? "ended before " : "left out ") + u + ", which existed throughout ("
                        + listed.size() + " versions of the key listed)");
    }

    void objects(Op op, Request.ListObjects l, Response.ObjectListing listing) {
        List<Response.ListedObject> entries = new ArrayList<>();
        for (Response.ObjectPage page : listing.pages()) {
            if (page.truncated() && page.nextContinuationToken() == null) {
                malformed(op, l.bucket(), null, "a truncated page without NextContinuationToken");
            }
            entries.addAll(page.entries());
        }
        boolean truncated = !listing.pages().isEmpty() && listing.pages().getLast().truncated();
        boolean versioned = index.history.versioned(l.bucket());
        Set<String> listed = new HashSet<>();
        String previous = null;
        for (Response.ListedObject e : entries) {
            if (previous != null && e.key().compareTo(previous) <= 0) {
                malformed(op, l.bucket(), e.key(), "key listed after " + previous);
            }
            previous = e.key();
            listed.add(e.key());
            if (versioned) {
                listedObject(op, index.versioned(l.bucket(), e.key()), Etags.normal(e.etag()));
            } else {
                PlainChecks.listedObject(index, op, index.plain(l.bucket(), e.key()), Etags.normal(e.etag()));
            }
        }
        List<String> keys = versioned
                ? index.versionedKeys(l.bucket(), l.prefix()).stream().map(k -> k.key).toList()
                : index.plainKeys(l.bucket(), l.prefix()).stream().map(k -> k.key).toList();
        for (String key : keys) {
            if (listed.contains(key)) {
                continue;
            }
            String current = versioned
                    ? versionIdOf(index.versioned(l.bucket(), key).currentThroughout(op.invoked(), op.completed(), op))
                    : tagOf(index.plain(l.bucket(), key).currentThroughout(op.invoked(), op.completed(), op));
            if (current != null) {
                boolean cutShort = !truncated && (previous == null || key.compareTo(previous) > 0);
                index.report(cutShort ? LISTING_FALSELY_COMPLETE : LISTING_INCOMPLETE, l.bucket(), key,
                        versioned ? current : null, op, (cutShort ? "ended before the key" : "left out the key")
                                + ", whose object " + current + " was current throughout");
            }
        }
    }

    /** A ListObjectsV2 entry: some object version with its ETag was current during the listing. */
    private void listedObject(Op op, VersionedKey k, String etag) {
        Version stale = null;
        for (Version v : k.versions()) {
            if (v.marker() || v.etag != null && !v.etag.equals(etag)) {
                continue;
            }
            if (!v.deletedBefore(op.invoked()) && v.invoked() <= op.completed()
                    && k.supersededBy(v, op.invoked(), op.completed()) == null) {
                return;
            }
            stale = v;
        }
        if (k.mayBeUnbound(etag)) {
            return;
        }
        if (stale == null) {
            index.report(PHANTOM, k.bucket, k.key, null, op, "listed with ETag " + etag + ", which no write can have made");
        } else if (stale.deletedBefore(op.invoked())) {
            reads.notDeleted(op, stale, "listed as the key's object");
        } else {
            reads.current(op, stale, STALE_READ, "listed as the key's object");
        }
    }

    private static String versionIdOf(Version v) {
        return v == null ? null : v.versionId;
    }

    private static String tagOf(Write w) {
        return w == null ? null : "written by op #" + w.op().id();
    }

    private void malformed(Op op, String bucket, String key, String detail) {
        index.report(LISTING_MALFORMED, bucket, key, null, op, detail);
    }
}
