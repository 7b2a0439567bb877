package io.imagegate.s3compat.history;

import static io.imagegate.s3compat.history.HistoryBuilder.PLAIN;
import static io.imagegate.s3compat.history.HistoryBuilder.VER;
import static io.imagegate.s3compat.history.HistoryBuilder.deleteMarker;
import static io.imagegate.s3compat.history.HistoryBuilder.found;
import static io.imagegate.s3compat.history.HistoryBuilder.marker;
import static io.imagegate.s3compat.history.HistoryBuilder.noSuchKey;
import static io.imagegate.s3compat.history.HistoryBuilder.noSuchVersion;
import static io.imagegate.s3compat.history.HistoryBuilder.object;
import static io.imagegate.s3compat.history.HistoryBuilder.objects;
import static io.imagegate.s3compat.history.HistoryBuilder.version;
import static io.imagegate.s3compat.history.HistoryBuilder.versions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.s3compat.history.Violation.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker on hand-written histories: each property caught in a history that breaks exactly
 * it, and valid histories with concurrency and unknown outcomes passing.
 */
class HistoryCheckerTest {

    // ---- one history per property, each with the violation it must find

    @Test
    void anAcknowledgedPutMissingAtTheEndIsALostWrite() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .listVersions("").at(40, 50).answer(versions(version("k", "v2", "B", true)))
                .getVersion("k", "v1").at(60, 70).answer(noSuchVersion())
                .check();
        assertEquals(Set.of(Kind.LOST_WRITE), kinds(r), r.summary(10));
        assertEquals(2, r.count(Kind.LOST_WRITE));
        assertTrue(r.violations().stream().allMatch(v -> "v1".equals(v.versionId())));
    }

    @Test
    void anAcknowledgedVersionThatCannotBeReadBackAtTheEndIsALostWrite() {
        CheckReport lost = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .getVersion("k", "v1").at(20, 30).unknown()
                .getVersion("k", "v1").at(40, 50).unknown()
                .check();
        assertEquals(Set.of(Kind.LOST_WRITE), kinds(lost), lost.summary(10));
        CheckReport retried = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .getVersion("k", "v1").at(20, 30).unknown()
                .getVersion("k", "v1").at(40, 50).answer(found("v1", "A"))
                .check();
        assertTrue(retried.valid(), retried.summary(10));
    }

    @Test
    void aVersionSeenAfterItsDeleteWasAcknowledgedIsAnUndoneDelete() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .deleteVersion("k", "v2").at(40, 50).deleted("v2")
                .getVersion("k", "v2").at(60, 70).answer(found("v2", "B"))
                .listVersions("").at(80, 90).answer(versions(version("k", "v2", "B", true), version("k", "v1", "A", false)))
                .check();
        assertEquals(Set.of(Kind.DELETE_UNDONE), kinds(r), r.summary(10));
        assertEquals(2, r.count(Kind.DELETE_UNDONE));
    }

    @Test
    void anAcknowledgedDeleteMarkerMissingAtTheEndIsAnUndoneDelete() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .deleteKey(VER, "k").at(20, 30).deleted("m1")
                .listVersions("").at(40, 50).answer(versions(version("k", "v1", "A", true)))
                .check();
        assertTrue(r.count(Kind.DELETE_UNDONE) >= 1, r.summary(10));
        assertTrue(r.count(Kind.STALE_READ) >= 1, "v1 listed as latest after the marker: " + r.summary(10));
    }

    @Test
    void aReadOfAVersionSupersededBeforeTheReadBeganIsStale() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .get("k").at(40, 50).answer(found("v1", "A"))
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(r), r.summary(10));
    }

    @Test
    void aReadOfAnObjectAfterAnAcknowledgedDeleteMarkerIsStale() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .deleteKey(VER, "k").at(20, 30).deleted("m1")
                .get("k").at(40, 50).answer(found("v1", "A"))
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(r), r.summary(10));
    }

    @Test
    void notFoundWhileAVersionWasCurrentThroughoutIsStale() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .get("k").at(20, 30).answer(noSuchKey())
                .put("k", "B").at(40, 50).written("v2")
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(r), r.summary(10));
    }

    @Test
    void noSuchVersionForAVersionThatExistedThroughoutIsStale() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .getVersion("k", "v1").at(20, 30).answer(noSuchVersion())
                .put("k", "B").at(40, 50).written("v2")
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(r), r.summary(10));
    }

    @Test
    void aListingThatLeavesOutAVersionThatExistedThroughoutIsIncomplete() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .put("k", "C").at(40, 50).written("v3")
                .listVersions("").at(60, 70).answer(versions(version("k", "v3", "C", true), version("k", "v1", "A", false)))
                .put("k", "D").at(80, 90).written("v4")
                .check();
        assertEquals(Set.of(Kind.LISTING_INCOMPLETE), kinds(r), r.summary(10));
        assertEquals("v2", r.violations().getFirst().versionId());
    }

    @Test
    void aListingThatCutsAKeysVersionsShortIsFalselyComplete() {
        // the third defect: the newest versions, IsTruncated=false, the oldest dropped
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .put("k", "C").at(40, 50).written("v3")
                .put("z", "Z").at(40, 50).written("z1")
                .listVersions("").at(60, 70).answer(versions(version("k", "v3", "C", true), version("k", "v2", "B", false),
                        version("z", "z1", "Z", true)))
                .put("k", "D").at(80, 90).written("v4")
                .check();
        assertEquals(Set.of(Kind.LISTING_FALSELY_COMPLETE), kinds(r), r.summary(10));
        assertEquals("v1", r.violations().getFirst().versionId());
    }

    @Test
    void aListingThatEndsBeforeAKeyWithoutSayingTruncatedIsFalselyComplete() {
        CheckReport r = new HistoryBuilder()
                .put("a", "A").at(0, 10).written("a1")
                .put("b", "B").at(0, 10).written("b1")
                .listVersions("").at(20, 30).answer(versions(version("a", "a1", "A", true)))
                .listObjects(VER, "").at(20, 30).answer(objects(object("a", "A")))
                .put("a", "C").at(40, 50).written("a2")
                .check();
        assertEquals(Set.of(Kind.LISTING_FALSELY_COMPLETE), kinds(r), r.summary(10));
        assertEquals(2, r.count(Kind.LISTING_FALSELY_COMPLETE));
    }

    @Test
    void aListingOutOfPublicationOrderIsCaught() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .deleteVersion("k", "v2").at(35, 100).unknown() // so that v1 may be latest: only the order is wrong
                .listVersions("").at(40, 50).answer(versions(version("k", "v1", "A", true), version("k", "v2", "B", false)))
                .check();
        assertEquals(Set.of(Kind.LISTING_ORDER), kinds(r), r.summary(10));
    }

    @Test
    void malformedListingsAreCaught() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .listVersions("").at(40, 50).answer(versions(version("k", "v2", "B", false), version("k", "v1", "A", true)))
                .check();
        assertTrue(r.count(Kind.LISTING_MALFORMED) >= 1, r.summary(10));
    }

    @Test
    void ifNoneMatchSucceedingOverACurrentObjectBreaksTheCondition() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .putIfNoneMatch(VER, "k", "B").at(20, 30).written("v2")
                .check();
        assertEquals(Set.of(Kind.CONDITION_BROKEN), kinds(r), r.summary(10));
    }

    @Test
    void ifMatchSucceedingOnASupersededEtagBreaksTheCondition() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .putIfMatch(VER, "k", "C", "A").at(40, 50).written("v3")
                .check();
        assertEquals(Set.of(Kind.CONDITION_BROKEN), kinds(r), r.summary(10));
    }

    @Test
    void bytesOfAnotherWriteAreWrongContent() {
        Response.Found swapped = new Response.Found("v1", HistoryBuilder.etag("A"), HistoryBuilder.body("B").sha256(), "A", 64);
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("j", "B").at(0, 10).written("w1")
                .getVersion("k", "v1").at(20, 30).answer(swapped)
                .check();
        assertEquals(Set.of(Kind.WRONG_CONTENT), kinds(r), r.summary(10));
    }

    @Test
    void aVersionNoWriteMadeIsAPhantom() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .get("k").at(20, 30).answer(found("v9", "X"))
                .check();
        assertEquals(Set.of(Kind.PHANTOM), kinds(r), r.summary(10));
    }

    @Test
    void aCopyOfASupersededSourceIsAStaleRead() {
        CheckReport r = new HistoryBuilder()
                .put("s", "A").at(0, 10).written("s1")
                .put("s", "B").at(20, 30).written("s2")
                .copy("k", "s", null, "C").at(40, 50).copied("k1", "s1", "A")
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(r), r.summary(10));
    }

    @Test
    void unversionedStaleReadAndLostWriteAreCaught() {
        CheckReport stale = new HistoryBuilder()
                .putPlain("k", "A").at(0, 10).written("null")
                .putPlain("k", "B").at(20, 30).written("null")
                .getPlain("k").at(40, 50).answer(found("null", "A"))
                .putPlain("k", "C").at(60, 70).written("null")
                .check();
        assertEquals(Set.of(Kind.STALE_READ), kinds(stale), stale.summary(10));
        CheckReport lost = new HistoryBuilder()
                .putPlain("k", "A").at(0, 10).written("null")
                .getPlain("k").at(40, 50).answer(noSuchKey())
                .check();
        assertEquals(Set.of(Kind.LOST_WRITE), kinds(lost), lost.summary(10));
        CheckReport undone = new HistoryBuilder()
                .putPlain("k", "A").at(0, 10).written("null")
                .deleteKey(PLAIN, "k").at(20, 30).deleted(null)
                .getPlain("k").at(40, 50).answer(found("null", "A"))
                .check();
        assertEquals(Set.of(Kind.DELETE_UNDONE), kinds(undone), undone.summary(10));
    }

    // ---- valid histories

    @Test
    void concurrentWritesMayBeReadAndListedInEitherOrder() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").by(1).at(0, 50).written("v1")
                .put("k", "B").by(2).at(10, 40).written("v2")
                .get("k").by(3).at(20, 60).answer(found("v1", "A"))
                .get("k").by(4).at(55, 60).answer(found("v1", "A")) // v1 published last
                .listVersions("").by(3).at(61, 70).answer(versions(version("k", "v1", "A", true), version("k", "v2", "B", false)))
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void deletingTheCurrentVersionMakesThePreviousOneCurrentAgain() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .deleteVersion("k", "v2").by(1).at(40, 60).deleted("v2")
                .get("k").by(2).at(45, 55).answer(found("v1", "A")) // concurrent with the delete
                .get("k").by(2).at(65, 70).answer(found("v1", "A"))
                .listVersions("").at(75, 80).answer(versions(version("k", "v1", "A", true)))
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void aListingDuringADeleteMayOrMayNotHoldTheVersion() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").at(20, 30).written("v2")
                .deleteVersion("k", "v1").by(1).at(40, 60).deleted("v1")
                .listVersions("").by(2).at(45, 55).answer(versions(version("k", "v2", "B", true)))
                .listVersions("").by(3).at(45, 55).answer(versions(version("k", "v2", "B", true), version("k", "v1", "A", false)))
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void unknownOutcomesMayHaveHappenedOrNot() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").by(1).at(20, 30).unknown()       // applied: named later by a listing
                .put("k", "C").by(2).at(20, 30).unknown()       // never applied
                .deleteVersion("k", "v1").by(3).at(25, 35).unknown() // applied
                .deleteKey(VER, "j").by(3).at(36, 40).unknown() // a marker that was made
                .get("k").at(100, 110).answer(found("vB", "B"))
                .listVersions("").at(120, 130).answer(versions(marker("j", "jm", true), version("k", "vB", "B", true)))
                .getVersion("k", "v1").at(140, 150).answer(noSuchVersion())
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void anUnknownWriteMayTakeEffectAfterItsClientGaveUp() {
        CheckReport r = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .put("k", "B").by(1).at(20, 30).unknown()
                .get("k").at(40, 50).answer(found("v1", "A"))
                .get("k").at(60, 70).answer(found("vB", "B"))
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void markersConditionsAndCopiesThatFitTheModelPass() {
        CheckReport r = new HistoryBuilder()
                .putIfNoneMatch(VER, "k", "A").at(0, 10).written("v1")
                .putIfMatch(VER, "k", "B", "A").at(20, 30).written("v2")
                .copy("c", "k", null, "C").at(40, 50).copied("c1", "v2", "B")
                .getVersion("c", "c1").at(51, 52).answer(new Response.Found("c1", HistoryBuilder.etag("B"),
                        HistoryBuilder.body("B").sha256(), "C", 64))
                .deleteKey(VER, "k").at(60, 70).deleted("m1")
                .get("k").at(80, 90).answer(deleteMarker("m1"))
                .putIfNoneMatch(VER, "k", "D").at(100, 110).written("v3")
                .deleteBatch(VER, new Request.Target("k", "v3"), new Request.Target("c", null)).at(120, 130)
                .answer(new Response.BatchDeleted(List.of(
                        new Response.Entry("k", "v3", Response.Outcome.DELETED, false, null, null),
                        new Response.Entry("c", null, Response.Outcome.DELETED, true, "cm", null))))
                .listVersions("").at(140, 150).answer(versions(marker("c", "cm", true), version("c", "c1", "B", false),
                        marker("k", "m1", true), version("k", "v2", "B", false), version("k", "v1", "A", false)))
                .listObjects(VER, "").at(140, 150).answer(objects())
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void unversionedConcurrentWritesAndDeletesPass() {
        CheckReport r = new HistoryBuilder()
                .putPlain("k", "A").by(1).at(0, 10).written("null")
                .putPlain("k", "B").by(1).at(20, 50).written("null")
                .deleteKey(PLAIN, "k").by(2).at(30, 60).deleted(null)
                .getPlain("k").by(3).at(40, 45).answer(found("null", "A"))
                .getPlain("k").by(3).at(70, 80).answer(found("null", "B")) // the delete came first
                .listObjects(PLAIN, "").by(3).at(90, 95).answer(objects(object("k", "B")))
                .check();
        assertTrue(r.valid(), r.summary(10));
    }

    @Test
    void historiesRoundTripThroughJson(@TempDir Path dir) throws Exception {
        History h = new HistoryBuilder()
                .put("k", "A").at(0, 10).written("v1")
                .deleteBatch(VER, new Request.Target("k", "v1")).at(20, 30)
                .answer(new Response.BatchDeleted(List.of(new Response.Entry("k", "v1", Response.Outcome.DELETED, false, null, null))))
                .listVersions("").at(40, 50).answer(versions())
                .get("k").at(60, 70).unknown()
                .build();
        Path file = dir.resolve("h.json");
        h.write(file);
        assertTrue(Files.size(file) > 0);
        assertEquals(h, History.read(file));
    }

    private static Set<Kind> kinds(CheckReport r) {
        return r.violations().stream().map(Violation::kind).collect(Collectors.toSet());
    }
}
