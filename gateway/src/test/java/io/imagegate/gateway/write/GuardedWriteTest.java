package io.imagegate.gateway.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.LocalChunkStore;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.GcCoordination;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GuardedWrite} keeps the order of the garbage-collection protocol for whoever uses it:
 * sources are checked after their pin, composed roots are pinned before the parts are checked,
 * only what the write wrote or verified is published, and nothing is written or published once it
 * has published. Real ZooKeeper and a real chunk store.
 */
class GuardedWriteTest {

    @TempDir
    Path dir;

    private TestingServer zk;
    private ZkMetadataStore meta;
    private DefaultChunkRepository chunks;
    private WritePath writes;
    private BucketRecord bucket;

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        meta = ZkMetadataStore.connect(zk.getConnectString());
        chunks = new DefaultChunkRepository(LocalChunkStore.open(dir));
        writes = new WritePath(meta, chunks);
        bucket = meta.createBucket(new BucketRecord("images", "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED,
                4096, "us-east-1"));
    }

    @AfterEach
    void stop() throws Exception {
        chunks.close();
        meta.close();
        zk.close();
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static VersionDraft draft(String key, long size, String manifest) {
        return VersionDraft.builder(key).owner("alice").bytes(size, "0123456789abcdef0123456789abcdef", manifest)
                .build();
    }

    private VersionRecord put(String key, byte[] data) throws IOException {
        try (GuardedWrite w = writes.open(bucket, Reuse.currentOf(key))) {
            ObjectWriter writer = w.newWriter(bucket.chunkSize());
            writer.write(data, 0, data.length);
            return w.publish(draft(key, data.length, writer.finish().encode()), WriteCondition.NONE);
        }
    }

    /** The manifests the pins of writes in flight protect, as a collector's marking reads them (a dry run). */
    private List<String> pinned() {
        List<String> out = new ArrayList<>();
        try (GcCoordination.CollectorLock lock = meta.gc().tryLock(Duration.ofSeconds(10)).orElseThrow();
             GcCoordination.Marking marking = lock.beginMarking(true)) {
            marking.visitPins(out::add);
        }
        return out;
    }

    @Test
    void aWritePublishesOnlyWhatItWroteOrVerifiedAndOnlyOnce() throws IOException {
        VersionRecord other = put("other", bytes(1, 10_000));
        try (GuardedWrite w = writes.open(bucket, Reuse.nothing())) {
            // a root this write did not write is unprotected by its pin: refused, nothing published
            assertThrows(IllegalStateException.class,
                    () -> w.publish(draft("k", other.size(), other.manifest()), WriteCondition.NONE));
            ObjectWriter writer = w.newWriter(bucket.chunkSize());
            byte[] data = bytes(2, 9_000);
            writer.write(data, 0, data.length);
            ManifestRoot root = writer.finish();
            VersionRecord v = w.publish(draft("k", data.length, root.encode()), WriteCondition.NONE);
            assertEquals(root.encode(), meta.current("images", "k").orElseThrow().manifest());
            assertEquals(v, meta.current("images", "k").orElseThrow());
            assertThrows(IllegalStateException.class, () -> w.newWriter(bucket.chunkSize()));
            assertThrows(IllegalStateException.class, () -> w.publish(draft("k", data.length, root.encode()),
                    WriteCondition.NONE));
        }
        assertEquals(List.of(), pinned(), "the publish released the pin");
    }

    @Test
    void aSourceGoneBeforeItsPinIsNotReusedAndItsPinIsReleased() throws IOException {
        VersionRecord v = put("src", bytes(3, 20_000));
        meta.delete("images", "src", v.versionId(), WriteCondition.NONE);
        RuntimeException gone = new RuntimeException("the source is gone");
        assertEquals(gone, assertThrows(RuntimeException.class,
                () -> writes.open(bucket, Reuse.source(bucket, v, () -> gone))));
        assertEquals(List.of(), pinned());
    }

    @Test
    void aVerifiedSourceMayBePublishedAsItIsAndSlicedUnderThePin() throws IOException {
        byte[] data = bytes(4, 3 * 4096 + 100);
        VersionRecord v = put("src", data);
        try (GuardedWrite w = writes.open(bucket, Reuse.source(bucket, v, IllegalStateException::new))) {
            assertEquals(v, w.source());
            assertEquals(List.of(v.manifest()), pinned(), "the source is pinned while the write runs");
            ManifestRoot slice = w.slice(100, 4096);
            assertEquals(4096, slice.size());
            VersionRecord copy = w.publish(draft("copy", v.size(), v.manifest()), WriteCondition.NONE);
            assertEquals(v.manifest(), copy.manifest());
        }
    }

    @Test
    void aComposedRootIsPinnedBeforeThePartsAreCheckedAndAFailedCheckPublishesNothing() throws IOException {
        VersionRecord a = put("a", bytes(5, 5000));
        VersionRecord b = put("b", bytes(6, 7000));
        List<ManifestRoot> parts = List.of(ManifestRoot.decode(a.manifest()), ManifestRoot.decode(b.manifest()));
        List<String> pinnedDuringCheck = new ArrayList<>();
        try (GuardedWrite w = writes.open(bucket, Reuse.nothing())) {
            RuntimeException changed = new RuntimeException("a part changed");
            assertEquals(changed, assertThrows(RuntimeException.class, () -> w.compose(parts, () -> {
                pinnedDuringCheck.addAll(pinned());
                throw changed;
            })));
        }
        assertEquals(1, pinnedDuringCheck.size(), pinnedDuringCheck.toString());
        ManifestRoot composed = ManifestRoot.decode(pinnedDuringCheck.get(0));
        assertEquals(12_000, composed.size(), "the composed root was pinned when the parts were checked");
        assertTrue(meta.current("images", "whole").isEmpty());
        assertEquals(List.of(), pinned());
    }

    @Test
    void aWriteIntoABucketDeletedSinceItWasReadFindsNoSuchBucket() throws IOException {
        BucketRecord old = meta.createBucket(new BucketRecord("scratch", "alice", null, CannedAcl.PRIVATE,
                Versioning.UNVERSIONED, 4096, "us-east-1"));
        meta.deleteBucket("scratch");
        meta.createBucket(new BucketRecord("scratch", "bob", null, CannedAcl.PRIVATE, Versioning.UNVERSIONED, 4096,
                "us-east-1"));
        try (GuardedWrite w = writes.open(old, Reuse.nothing())) {
            ObjectWriter writer = w.newWriter(4096);
            writer.write(new byte[] {1, 2, 3}, 0, 3);
            ManifestRoot root = writer.finish();
            assertThrows(MetadataException.NoSuchBucket.class,
                    () -> w.publish(draft("k", 3, root.encode()), WriteCondition.NONE));
        }
        assertTrue(meta.current("scratch", "k").isEmpty(), "bob's bucket holds nothing alice wrote");
    }
}
