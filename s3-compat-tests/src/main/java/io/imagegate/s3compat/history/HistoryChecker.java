package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a recorded history of S3 operations against a sequential model of versioned (and
 * unversioned) keys, property by property in the manner of Jepsen's checkers: no acknowledged
 * write lost, no acknowledged delete undone, every read and listing consistent with some state
 * current during its window, listings complete, ordered and truthful about being complete.
 * Operations answered 5xx or not at all may have taken effect at any time after their invocation,
 * or never. Every check is one-sided: it reports only what no order of the operations explains.
 */
public final class HistoryChecker {

    private HistoryChecker() {}

    /**
     * An acknowledged version no delete ever named, read by id once everything settled, answered
     * only with errors: its bytes are gone even if its record is not (a NoSuchVersion answer is
     * reported by the read itself).
     */
    private static void unreadableAtTheEnd(Index index) {
        Map<Version, List<Op>> reads = new LinkedHashMap<>();
        for (Op op : index.history.ops()) {
            if (index.settled(op) && op.request() instanceof Request.Get g && g.versionId() != null
                    && index.history.versioned(g.bucket())) {
                Version v = index.versioned(g.bucket(), g.key()).find(g.versionId());
                if (v != null && !v.marker() && v.write.acknowledged() && v.deleteInvoked == Long.MAX_VALUE) {
                    reads.computeIfAbsent(v, x -> new ArrayList<>()).add(op);
                }
            }
        }
        reads.forEach((v, ops) -> {
            if (ops.stream().allMatch(op -> op.unknown() || op.rejected())) {
                index.report(Violation.Kind.LOST_WRITE, v.bucket, v.key, v.versionId, ops.getLast(),
                        "acknowledged " + v + " could not be read back at the end: " + ops.size() + " reads answered "
                                + ops.getLast().response());
            }
        });
    }

    public static CheckReport check(History history) {
        Index index = new Index(history);
        Naming.bind(index);
        VersionedChecks versioned = new VersionedChecks(index);
        PlainChecks plain = new PlainChecks(index);
        ListingChecks listings = new ListingChecks(index, versioned);
        for (Op op : history.ops()) {
            boolean isVersioned = history.versioned(op.request().bucket());
            switch (op.request()) {
                case Request.Get g -> {
                    if (isVersioned) {
                        versioned.get(op, g);
                    } else {
                        plain.get(op, g);
                    }
                }
                case Request.Put p when p.conditional() -> {
                    if (isVersioned) {
                        versioned.condition(op, p);
                    } else {
                        plain.condition(op, p);
                    }
                }
                case Request.Copy c -> versioned.copySource(op, c);
                case Request.ListVersions l when isVersioned && op.response() instanceof Response.VersionListing v ->
                        listings.versions(op, l, v);
                case Request.ListObjects l when op.response() instanceof Response.ObjectListing o ->
                        listings.objects(op, l, o);
                default -> { }
            }
        }
        unreadableAtTheEnd(index);
        return new CheckReport(CheckReport.Stats.of(history), index.violations);
    }
}
