package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A write whose reply is lost while another store changes the same key: the store settles the
 * outcome when something proves it (its token, its version id, its lease's pin), and otherwise
 * says the outcome is unknown, never that nothing changed. A comment starting "Before:" says how
 * the test failed before.
 */
class UnknownOutcomeTest extends ZkTestSupport {

    private String keyPath(String key) {
        return store.ctxForTests().layout.object(bucket, KeyNames.name(key));
    }

    // Before: 503 Unavailable, "nothing was published", for a write that had committed.
    @Test
    void aLostReplyNothingCanSettleIsReportedAsUnknown() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "x");
        Interleaved a = interleaved();
        AtomicBoolean lost = a.zk().loseReply(InterleavingZk.touching(keyPath("k")), true, () -> put("k", "b"));
        MetadataException e = assertThrows(MetadataException.class,
                () -> a.store().publish(bucket, draft("k", "a"), WriteCondition.NONE));
        assertTrue(lost.get());
        assertFalse(e instanceof MetadataException.Unavailable, "an unknown outcome reported as no change: " + e);
        assertTrue(e.getMessage().contains("may or may not"), e.getMessage());
    }

    // Before: 503 Unavailable, "nothing was published": the write committed, then ZooKeeper went away
    // (quorum lost) before the store could fence it or read the key back.
    @Test
    void aWriteWhoseOutcomeCannotBeReadBackIsReportedAsUnknown() throws Exception {
        createBucket(Versioning.ENABLED);
        put("k", "x");
        Interleaved a = interleaved(config().withSyncReads(false).withOperationTimeout(Duration.ofSeconds(2)));
        AtomicBoolean lost = a.zk().loseReply(InterleavingZk.touching(keyPath("k")), true, () -> {
            try {
                server.stop();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            MetadataException e = assertThrows(MetadataException.class,
                    () -> a.store().publish(bucket, draft("k", "a"), WriteCondition.NONE));
            assertTrue(lost.get());
            assertFalse(e instanceof MetadataException.Unavailable, "an unknown outcome reported as no change: " + e);
            assertTrue(e.getMessage().contains("may or may not"), e.getMessage());
        } finally {
            server.restart();
        }
        assertEquals("a", store.current(bucket, "k").orElseThrow().etag(), "it had committed");
    }

    // Before: Unavailable. The write committed (its reply was lost) and was then overwritten; the
    // release of its lease, in the same transaction, proves it committed.
    @Test
    void aCommittedWriteUnderALeaseIsSettledByItsPin() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "x");
        Interleaved a = interleaved();
        AtomicBoolean lost = a.zk().loseReply(InterleavingZk.touching(keyPath("k")), true, () -> put("k", "b"));
        WriteLease lease = a.store().openLease(List.of());
        VersionRecord mine = a.store().publish(bucketRecord(), draft("k", "a"), WriteCondition.NONE, lease);
        assertTrue(lost.get());
        assertEquals("a", mine.etag());
        assertEquals("b", store.current(bucket, "k").orElseThrow().etag(), "the later write stays");
    }

    // Before: Unavailable. The write never reached ZooKeeper (its request was lost) and the key moved
    // on meanwhile; its lease's pin, still unreleased, proves it never applied, so it is done again.
    @Test
    void aWriteThatNeverAppliedUnderALeaseIsDoneAgain() {
        createBucket(Versioning.UNVERSIONED);
        put("k", "x");
        Interleaved a = interleaved();
        AtomicBoolean lost = a.zk().loseReply(InterleavingZk.touching(keyPath("k")), false, () -> put("k", "b"));
        WriteLease lease = a.store().openLease(List.of());
        VersionRecord mine = a.store().publish(bucketRecord(), draft("k", "a"), WriteCondition.NONE, lease);
        assertTrue(lost.get());
        assertEquals("a", store.current(bucket, "k").orElseThrow().etag(), "the acknowledged write is current");
        assertEquals("a", mine.etag());
    }
}
