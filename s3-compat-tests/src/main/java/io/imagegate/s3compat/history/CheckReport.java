package io.imagegate.s3compat.history;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the checker found: the history's counts and every violation. */
public record CheckReport(Stats stats, List<Violation> violations) {

    public CheckReport {
        violations = List.copyOf(violations);
    }

    /** Counts of a history: operations by request, and how they were answered. */
    public record Stats(int operations, int ok, int rejected, int unknown, int serverErrors, int noAnswer,
                        int acknowledgedWrites, int acknowledgedDeletes, Map<String, Integer> byRequest) {

        static Stats of(History h) {
            int ok = 0;
            int rejected = 0;
            int unknown = 0;
            int serverErrors = 0;
            int noAnswer = 0;
            int writes = 0;
            int deletes = 0;
            Map<String, Integer> byRequest = new TreeMap<>();
            for (Op op : h.ops()) {
                byRequest.merge(op.request().getClass().getSimpleName(), 1, Integer::sum);
                switch (op.response()) {
                    case Response.Unknown u -> {
                        unknown++;
                        if (u.status() >= 500) {
                            serverErrors++;
                        } else {
                            noAnswer++;
                        }
                    }
                    case Response.Rejected r -> rejected++;
                    default -> ok++;
                }
                Effects e = Effects.of(op, h.versioned(op.request().bucket()));
                writes += (int) e.writes().stream().filter(Write::acknowledged).count();
                deletes += (int) e.deletes().stream().filter(Effects.VersionDelete::acknowledged).count();
            }
            return new Stats(h.ops().size(), ok, rejected, unknown, serverErrors, noAnswer, writes, deletes, byRequest);
        }
    }

    public boolean valid() {
        return violations.isEmpty();
    }

    public long count(Violation.Kind kind) {
        return violations.stream().filter(v -> v.kind() == kind).count();
    }

    public Map<Violation.Kind, Long> counts() {
        Map<Violation.Kind, Long> counts = new EnumMap<>(Violation.Kind.class);
        for (Violation v : violations) {
            counts.merge(v.kind(), 1L, Long::sum);
        }
        return counts;
    }

    /** One paragraph: the counts, then up to {@code limit} violations. */
    public String summary(int limit) {
        StringBuilder b = new StringBuilder();
        b.append(stats.operations()).append(" operations: ").append(stats.ok()).append(" ok, ").append(stats.rejected())
                .append(" refused, ").append(stats.unknown()).append(" unknown (").append(stats.serverErrors())
                .append(" 5xx, ").append(stats.noAnswer()).append(" unanswered); ").append(stats.acknowledgedWrites())
                .append(" acknowledged writes, ").append(stats.acknowledgedDeletes()).append(" acknowledged version deletes; ")
                .append(violations.isEmpty() ? "no violations" : violations.size() + " violations " + counts());
        violations.stream().limit(limit).forEach(v -> b.append("\n  ").append(v));
        if (violations.size() > limit) {
            b.append("\n  ...");
        }
        return b.toString();
    }
}
