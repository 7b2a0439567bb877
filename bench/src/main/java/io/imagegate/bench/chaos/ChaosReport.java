package io.imagegate.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.Machine;
import io.imagegate.s3compat.history.CheckReport;
import io.imagegate.s3compat.history.History;
import io.imagegate.s3compat.history.Op;
import io.imagegate.s3compat.history.Response;
import io.imagegate.s3compat.history.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run found: the checker's counts (lost writes, undone deletes, stale reads and the
 * rest), how operations were answered, and per fault how long until every gateway answered again.
 */
record ChaosReport(String started, Machine machine, BuildInfo build, Map<String, Object> settings, int operations,
                   int ok, int refused, int unknown, int serverErrors, int unanswered, int acknowledgedWrites,
                   int acknowledgedDeletes, long lost, long undone, long staleReads, Map<Violation.Kind, Long> violations,
                   List<String> firstViolations, List<FaultResult> faults, Gateways gateways, String history) {

    /**
     * What the gateways saw: injected chunk-store failures that reached a request or the collector
     * (lines of their logs), collections run since each last started, and the most missing
     * references any last collection found.
     */
    record Gateways(long chunkReadFailuresLogged, long chunkSealFailuresLogged, double collections, double gcAnomalies) {}

    /**
     * One fault: when it was injected and repaired (seconds from the start of the history), when the
     * repaired part served again (all ZooKeeper servers leader or follower; the gateway ready), and
     * the recovery: from the repair until every gateway had answered (2xx, 3xx or 4xx) an operation
     * invoked after it. Operations invoked between injection and recovery, and how many of them got
     * 5xx or no answer.
     */
    record FaultResult(String fault, String target, double injectedAt, double repairedAt, double servingAfterSeconds,
                       double recoverySeconds, int operations, int serverErrors, int unanswered) {}

    static ChaosReport of(String started, Machine machine, BuildInfo build, Map<String, Object> settings, History h,
                          CheckReport check, List<FaultSchedule.Event> events, int gateways, Gateways observed,
                          Path historyFile) {
        List<FaultResult> faults = new ArrayList<>();
        for (FaultSchedule.Event e : events) {
            long recovered = e.repaired();
            for (int g = 0; g < gateways; g++) {
                long first = firstAnswer(h, g, e.repaired());
                recovered = Math.max(recovered, first);
            }
            int ops = 0;
            int errors = 0;
            int none = 0;
            for (Op op : h.ops()) {
                if (op.invoked() >= e.injected() && op.invoked() <= recovered) {
                    ops++;
                    if (op.response() instanceof Response.Unknown u) {
                        if (u.status() >= 500) {
                            errors++;
                        } else {
                            none++;
                        }
                    }
                }
            }
            faults.add(new FaultResult(e.name(), e.target(), seconds(e.injected()), seconds(e.repaired()),
                    e.serving() < 0 ? -1 : seconds(e.serving() - e.repaired()),
                    recovered == Long.MAX_VALUE ? -1 : seconds(recovered - e.repaired()), ops, errors, none));
        }
        CheckReport.Stats s = check.stats();
        return new ChaosReport(started, machine, build, settings, s.operations(), s.ok(), s.rejected(), s.unknown(),
                s.serverErrors(), s.noAnswer(), s.acknowledgedWrites(), s.acknowledgedDeletes(),
                check.count(Violation.Kind.LOST_WRITE), check.count(Violation.Kind.DELETE_UNDONE),
                check.count(Violation.Kind.STALE_READ), check.counts(),
                check.violations().stream().limit(50).map(Violation::toString).toList(), faults, observed,
                historyFile.toString());
    }

    /**
     * Completion of the first operation through gateway {@code g} invoked at or after {@code from}
     * that the gateway answered (a multipart upload refused before completion because the gateway
     * could not be reached was not answered).
     */
    private static long firstAnswer(History h, int g, long from) {
        long best = Long.MAX_VALUE;
        for (Op op : h.ops()) {
            boolean answered = !op.unknown() && !(op.response() instanceof Response.Rejected r && r.status() == 0);
            if (op.gateway() == g && op.invoked() >= from && answered && op.completed() < best) {
                best = op.completed();
            }
        }
        return best;
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    boolean clean() {
        return violations.isEmpty() && gateways.gcAnomalies() == 0;
    }

    void write(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(name + ".json").toFile(), this);
        StringBuilder csv = new StringBuilder(
                "fault,target,injected_s,repaired_s,serving_after_s,recovery_s,operations,5xx,unanswered\n");
        for (FaultResult f : faults) {
            csv.append("%s,%s,%.2f,%.2f,%.2f,%.2f,%d,%d,%d%n".formatted(f.fault(), f.target(), f.injectedAt(),
                    f.repairedAt(), f.servingAfterSeconds(), f.recoverySeconds(), f.operations(), f.serverErrors(),
                    f.unanswered()));
        }
        Files.writeString(dir.resolve(name + ".csv"), csv);
        Files.writeString(dir.resolve(name + ".md"), markdown());
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# chaos " + started + "\n\n");
        b.append("Machine: ").append(machine.summary()).append("  \nBuild: ").append(build.summary())
                .append("  \nSettings: ").append(settings).append("\n\n");
        b.append("| operations | ok | refused (4xx) | unknown | of which 5xx | no answer | acknowledged writes | "
                + "acknowledged version deletes | lost | undone | stale reads | other violations |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        long other = violations.values().stream().mapToLong(Long::longValue).sum() - lost - undone - staleReads;
        b.append("| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n\n".formatted(operations, ok, refused,
                unknown, serverErrors, unanswered, acknowledgedWrites, acknowledgedDeletes, lost, undone, staleReads, other));
        b.append("Gateways: %d injected chunk-store read failures and %d seal failures reached a request or the collector; "
                .formatted(gateways.chunkReadFailuresLogged(), gateways.chunkSealFailuresLogged()))
                .append("%.0f collections since each gateway last started; largest count of missing references a last "
                        .formatted(gateways.collections()))
                .append("collection found: %.0f.%n%n".formatted(gateways.gcAnomalies()));
        b.append("| fault | target | injected (s) | repaired (s) | part serving after (s) | clients answered after (s) "
                + "| operations | 5xx | no answer |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (FaultResult f : faults) {
            b.append("| %s | %s | %.1f | %.1f | %.2f | %.2f | %d | %d | %d |\n".formatted(f.fault(), f.target(),
                    f.injectedAt(), f.repairedAt(), f.servingAfterSeconds(), f.recoverySeconds(), f.operations(),
                    f.serverErrors(), f.unanswered()));
        }
        if (!firstViolations.isEmpty()) {
            b.append("\nViolations ").append(violations).append(":\n\n");
            firstViolations.forEach(v -> b.append("- ").append(v).append('\n'));
        }
        b.append("\nHistory: ").append(history).append('\n');
        return b.toString();
    }
}
