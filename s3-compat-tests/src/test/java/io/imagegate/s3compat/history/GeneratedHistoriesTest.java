package io.imagegate.s3compat.history;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Histories made by applying concurrent operations to a sequential S3 ({@link LinearizableS3}) at
 * points inside their windows, some with unknown outcomes (applied or not, possibly after the
 * client gave up): valid by construction, so the checker must find nothing in them; and the same
 * histories with one acknowledged write dropped or one acknowledged delete undone at the end,
 * which it must find.
 */
class GeneratedHistoriesTest {

    static final String VER = "ver";
    static final String PLAIN = "plain";
    static final List<String> KEYS = List.of("k0", "k1", "k2");
    static final List<String> PLAIN_KEYS = List.of("p0", "p1");

    @Test
    void validHistoriesWithConcurrencyAndUnknownOutcomesPass() {
        int ops = 0;
        for (long seed = 0; seed < 300; seed++) {
            History h = generate(seed);
            ops += h.ops().size();
            CheckReport r = HistoryChecker.check(h);
            assertTrue(r.valid(), "seed " + seed + ": " + r.summary(10));
        }
        assertTrue(ops > 300 * 40, "histories of some size: " + ops);
    }

    @Test
    void anAcknowledgedVersionDroppedFromTheFinalListingIsALostWrite() {
        int mutated = 0;
        for (long seed = 0; seed < 100; seed++) {
            History h = generate(seed);
            Set<String> targeted = deleteTargets(h);
            Op listing = finalListing(h);
            Response.VersionListing l = (Response.VersionListing) listing.response();
            List<Response.ListedVersion> entries = new ArrayList<>(l.pages().getFirst().entries());
            Response.ListedVersion drop = entries.stream()
                    .filter(e -> !e.deleteMarker() && !targeted.contains(e.versionId()) && acknowledged(h, e.versionId()))
                    .findFirst().orElse(null);
            if (drop == null) {
                continue;
            }
            entries.remove(drop);
            History broken = replace(h, listing, new Response.VersionListing(List.of(
                    new Response.VersionPage(entries, false, null, null))));
            CheckReport r = HistoryChecker.check(broken);
            assertTrue(r.count(Violation.Kind.LOST_WRITE) >= 1, "seed " + seed + " dropped " + drop + ": " + r.summary(10));
            mutated++;
        }
        assertTrue(mutated > 50, "mutated " + mutated);
    }

    @Test
    void aVersionDeletedWithAcknowledgementListedAtTheEndIsAnUndoneDelete() {
        int mutated = 0;
        for (long seed = 0; seed < 100; seed++) {
            History h = generate(seed);
            Op delete = h.ops().stream().filter(op -> op.request() instanceof Request.Delete d && d.versionId() != null
                    && d.bucket().equals(VER) && op.response() instanceof Response.Deleted
                    && acknowledged(h, d.versionId())).findFirst().orElse(null);
            if (delete == null) {
                continue;
            }
            Request.Delete d = (Request.Delete) delete.request();
            Op listing = finalListing(h);
            List<Response.ListedVersion> entries = new ArrayList<>(
                    ((Response.VersionListing) listing.response()).pages().getFirst().entries());
            boolean keyListed = entries.stream().anyMatch(e -> e.key().equals(d.key()));
            entries.add(new Response.ListedVersion(d.key(), d.versionId(), null, !keyListed, false));
            entries.sort(Comparator.comparing(Response.ListedVersion::key));
            History broken = replace(h, listing, new Response.VersionListing(List.of(
                    new Response.VersionPage(entries, false, null, null))));
            CheckReport r = HistoryChecker.check(broken);
            assertTrue(r.count(Violation.Kind.DELETE_UNDONE) >= 1, "seed " + seed + ": " + r.summary(10));
            mutated++;
        }
        assertTrue(mutated > 50, "mutated " + mutated);
    }

    // ---- generation

    /** One operation's timing: when it was invoked and answered, and the point at which it took effect. */
    private record Planned(int process, long invoked, long completed, long point, boolean unknown, boolean applied) {}

    static History generate(long seed) {
        Random rnd = new Random(seed);
        int processes = 3 + rnd.nextInt(5);
        List<Planned> plan = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            long t = 0;
            int count = 10 + rnd.nextInt(30);
            for (int i = 0; i < count; i++) {
                long inv = t + 10 * rnd.nextInt(5) + 1;
                long cmp = inv + 10 * (1 + rnd.nextInt(25));
                boolean unknown = rnd.nextInt(10) == 0;
                boolean applied = !unknown || rnd.nextBoolean();
                long span = unknown ? cmp - inv + 400 : cmp - inv;
                long point = inv + 1 + (long) (rnd.nextDouble() * (span - 2));
                plan.add(new Planned(p, inv, cmp, point, unknown, applied));
                t = cmp;
            }
        }
        plan.sort(Comparator.comparingLong(Planned::point));
        LinearizableS3 s3 = new LinearizableS3(VER);
        LinearizableS3.Ids ids = new LinearizableS3.Ids();
        List<Op> ops = new ArrayList<>();
        long end = 0;
        for (Planned p : plan) {
            Request request = choose(rnd, s3, ids, "s" + seed + "-" + ops.size());
            Response response = p.applied() ? s3.apply(request) : null;
            remember(ids, request, response);
            if (p.unknown()) {
                response = new Response.Unknown(503, "ServiceUnavailable");
            }
            ops.add(new Op(ops.size(), p.process(), 0, p.invoked(), p.completed(), request, response));
            end = Math.max(end, Math.max(p.completed(), p.point()));
        }
        // the end state, read once everything is done
        List<Request> finals = new ArrayList<>();
        finals.add(new Request.ListVersions(VER, "", 1000));
        finals.add(new Request.ListObjects(VER, "", 1000));
        finals.add(new Request.ListObjects(PLAIN, "", 1000));
        KEYS.forEach(k -> finals.add(new Request.Get(VER, k, null, false)));
        PLAIN_KEYS.forEach(k -> finals.add(new Request.Get(PLAIN, k, null, false)));
        s3.versioned.forEach((k, h) -> h.forEach(v -> finals.add(new Request.Get(VER, k, v.id(), false))));
        for (Request r : finals) {
            end += 10;
            ops.add(new Op(ops.size(), processes, 0, end, end + 5, r, s3.apply(r)));
        }
        return new History(Set.of(VER), ops);
    }

    private static Request choose(Random rnd, LinearizableS3 s3, LinearizableS3.Ids ids, String tag) {
        String key = KEYS.get(rnd.nextInt(KEYS.size()));
        String plainKey = PLAIN_KEYS.get(rnd.nextInt(PLAIN_KEYS.size()));
        Body body = Body.of(tag, 64, false);
        int dice = rnd.nextInt(100);
        if (dice < 18) {
            return Request.Put.plain(VER, key, body);
        } else if (dice < 22) {
            return new Request.Put(VER, key, body, true, null);
        } else if (dice < 27) {
            return new Request.Put(VER, key, body, false, etagToMatch(rnd, s3, true, key));
        } else if (dice < 30) {
            return new Request.Multipart(VER, key, Body.of(tag, 64, true));
        } else if (dice < 35) {
            String source = KEYS.get(rnd.nextInt(KEYS.size()));
            return new Request.Copy(rnd.nextBoolean() ? VER : PLAIN, rnd.nextBoolean() ? key : plainKey, VER, source,
                    rnd.nextBoolean() ? null : someId(rnd, s3, ids, source), tag);
        } else if (dice < 40) {
            return new Request.Delete(VER, key, null);
        } else if (dice < 52) {
            return new Request.Delete(VER, key, someId(rnd, s3, ids, key));
        } else if (dice < 57) {
            List<Request.Target> targets = new ArrayList<>();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                String k = KEYS.get(rnd.nextInt(KEYS.size()));
                if (targets.stream().noneMatch(t -> t.key().equals(k))) {
                    targets.add(new Request.Target(k, rnd.nextInt(4) == 0 ? null : someId(rnd, s3, ids, k)));
                }
            }
            return new Request.DeleteBatch(VER, targets);
        } else if (dice < 67) {
            return new Request.Get(VER, key, null, rnd.nextInt(4) == 0);
        } else if (dice < 74) {
            return new Request.Get(VER, key, someId(rnd, s3, ids, key), rnd.nextInt(4) == 0);
        } else if (dice < 80) {
            return new Request.ListVersions(VER, rnd.nextBoolean() ? "" : key, 1 + rnd.nextInt(6));
        } else if (dice < 83) {
            return new Request.ListObjects(VER, "", 1 + rnd.nextInt(3));
        } else if (dice < 89) {
            return Request.Put.plain(PLAIN, plainKey, body);
        } else if (dice < 91) {
            return rnd.nextBoolean() ? new Request.Put(PLAIN, plainKey, body, true, null)
                    : new Request.Put(PLAIN, plainKey, body, false, etagToMatch(rnd, s3, false, plainKey));
        } else if (dice < 94) {
            return rnd.nextBoolean() ? new Request.Delete(PLAIN, plainKey, null)
                    : new Request.DeleteBatch(PLAIN, List.of(new Request.Target(plainKey, null)));
        } else if (dice < 98) {
            return new Request.Get(PLAIN, plainKey, null, rnd.nextInt(4) == 0);
        } else {
            return new Request.ListObjects(PLAIN, "", 1 + rnd.nextInt(2));
        }
    }

    private static String etagToMatch(Random rnd, LinearizableS3 s3, boolean versioned, String key) {
        LinearizableS3.Stored cur = s3.current(versioned, key);
        if (cur != null && !cur.marker() && rnd.nextInt(3) > 0) {
            return "\"" + cur.etag() + "\"";
        }
        return "\"" + Body.of("no-such-" + rnd.nextInt(), 64, false).etag() + "\"";
    }

    /** A version id of the key: mostly one that exists now, sometimes one that existed once. */
    private static String someId(Random rnd, LinearizableS3 s3, LinearizableS3.Ids ids, String key) {
        List<LinearizableS3.Stored> now = s3.versioned.getOrDefault(key, List.of());
        if (!now.isEmpty() && rnd.nextInt(10) < 7) {
            return now.get(rnd.nextInt(now.size())).id();
        }
        List<String> ever = ids.byKey.getOrDefault(key, List.of());
        return ever.isEmpty() ? null : ever.get(rnd.nextInt(ever.size()));
    }

    private static void remember(LinearizableS3.Ids ids, Request request, Response response) {
        if (response instanceof Response.Written w && !request.bucket().equals(PLAIN)) {
            ids.add(((Request.Put.class.isInstance(request)) ? ((Request.Put) request).key()
                    : request instanceof Request.Copy c ? c.key() : ((Request.Multipart) request).key()), w.versionId());
        } else if (response instanceof Response.Deleted d && d.deleteMarker() && request instanceof Request.Delete del) {
            ids.add(del.key(), d.versionId());
        }
    }

    // ---- mutations

    private static Op finalListing(History h) {
        return h.ops().stream().filter(op -> op.request() instanceof Request.ListVersions l && l.maxKeys() == 1000)
                .reduce((a, b) -> b).orElseThrow();
    }

    private static Set<String> deleteTargets(History h) {
        Set<String> out = new HashSet<>();
        for (Op op : h.ops()) {
            if (op.request() instanceof Request.Delete d && d.versionId() != null) {
                out.add(d.versionId());
            } else if (op.request() instanceof Request.DeleteBatch b) {
                b.targets().forEach(t -> out.add(t.versionId()));
            }
        }
        return out;
    }

    private static boolean acknowledged(History h, String versionId) {
        return h.ops().stream().anyMatch(op -> op.response() instanceof Response.Written w
                && versionId.equals(w.versionId()) && op.request().bucket().equals(VER));
    }

    private static History replace(History h, Op op, Response response) {
        List<Op> ops = new ArrayList<>(h.ops());
        ops.set(ops.indexOf(op), new Op(op.id(), op.process(), op.gateway(), op.invoked(), op.completed(),
                op.request(), response));
        return new History(h.versionedBuckets(), ops);
    }
}
