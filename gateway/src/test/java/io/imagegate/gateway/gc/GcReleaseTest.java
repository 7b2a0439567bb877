package io.imagegate.gateway.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.CollectionReport;
import io.imagegate.chunk.CollectorConfig;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.PackId;
import io.imagegate.gateway.Gateway;
import io.imagegate.meta.LiveRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * What the collector releases and what it keeps, through a real gateway: overwritten unversioned
 * objects, permanently deleted versions and aborted uploads give their chunks back; a dry run
 * changes nothing; a collector killed between any two sweep steps loses nothing and the next run
 * finishes; readers follow the redirects of rewritten packs.
 */
class GcReleaseTest {

    static GcHarness h;
    static Gateway gw;
    static S3Client s3;
    static int buckets;
    String bucket;

    @BeforeAll
    static void start() throws Exception {
        h = new GcHarness();
        gw = h.start(GcHarness.manual());
        s3 = h.clients.get(0);
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    @BeforeEach
    void emptyStore() throws IOException {
        bucket = "bucket-" + (++buckets);
        s3.createBucket(r -> r.bucket(bucket));
        collect(CollectorConfig.SweepHook.NONE); // what earlier tests left
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static CollectionReport collect(CollectorConfig.SweepHook hook) throws IOException {
        return GcHarness.collector(gw, hook).collect(false, Duration.ofMinutes(1)).orElseThrow();
    }

    static DefaultChunkRepository repo() {
        return GcHarness.repo(gw);
    }

    static Set<PackId> packs() throws IOException {
        try (Stream<ChunkStore.PackInfo> s = repo().store().list()) {
            return s.map(ChunkStore.PackInfo::id).collect(Collectors.toSet());
        }
    }

    /** Every pack a version's manifest names. */
    Set<PackId> packsOf(String key, String versionId) throws IOException {
        String manifest = GcHarness.meta(gw).version(bucket, key, versionId).manifest();
        Set<PackId> out = new HashSet<>();
        repo().walk(ManifestRoot.decode(manifest), p -> out.add(p.pack()), c -> out.add(c.pack()));
        return out;
    }

    String put(String key, byte[] data) {
        String v = s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(data)).versionId();
        return v == null ? "null" : v;
    }

    byte[] get(String key, String versionId) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId("null".equals(versionId) ? null : versionId))
                .asByteArray();
    }

    @Test
    void anOverwrittenUnversionedObjectReleasesItsChunks() throws IOException {
        put("k", random(1, 40_000));
        Set<PackId> old = packsOf("k", "null");
        byte[] next = random(2, 40_000);
        put("k", next);

        CollectionReport r = collect(CollectorConfig.SweepHook.NONE);

        assertTrue(r.packsDeleted() >= 1);
        assertTrue(packs().stream().noneMatch(old::contains), "the overwritten object's packs are gone");
        assertArrayEquals(next, get("k", "null"));
        assertTrue(GcHarness.audit(gw).clean());
    }

    @Test
    void aPermanentlyDeletedVersionReleasesWhatNoOtherVersionShares() throws IOException {
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        byte[] first = random(3, 64 * GcHarness.CHUNK);
        String v1 = put("img", first);
        byte[] second = first.clone();
        System.arraycopy(random(33, 44 * GcHarness.CHUNK), 0, second, 20 * GcHarness.CHUNK, 44 * GcHarness.CHUNK);
        String v2 = put("img", second); // shares its first 20 chunks with v1: v1's pack becomes sparse
        String v3 = put("img", random(4, 30_000)); // shares nothing
        Set<PackId> v3Packs = packsOf("img", v3);

        s3.deleteObject(r -> r.bucket(bucket).key("img").versionId(v1));
        s3.deleteObject(r -> r.bucket(bucket).key("img").versionId(v3));
        CollectionReport r = collect(CollectorConfig.SweepHook.NONE);

        assertTrue(packs().stream().noneMatch(v3Packs::contains), "v3 shared nothing: all of it is released");
        assertEquals(1, r.packsDeleted(), r.summary());
        assertEquals(1, r.packsRewritten(), "v1's pack keeps only what v2 shares: " + r.summary());
        assertArrayEquals(second, get("img", v2), "v2 reads through the redirect of v1's rewritten pack");
        assertTrue(GcHarness.audit(gw).clean(), GcHarness.audit(gw).toString());
    }

    @Test
    void anAbortedUploadReleasesItsParts() throws IOException {
        String id = s3.createMultipartUpload(r -> r.bucket(bucket).key("big")).uploadId();
        s3.uploadPart(r -> r.bucket(bucket).key("big").uploadId(id).partNumber(1), RequestBody.fromBytes(random(5, 50_000)));
        s3.uploadPart(r -> r.bucket(bucket).key("big").uploadId(id).partNumber(2), RequestBody.fromBytes(random(6, 9_000)));
        Set<String> partRoots = new HashSet<>();
        GcHarness.meta(gw).visitLiveRoots(bucket, root -> {
            if (root.isPart()) {
                partRoots.add(root.manifest());
            }
        });
        assertEquals(2, partRoots.size());
        Set<PackId> partPacks = new HashSet<>();
        for (String m : partRoots) {
            repo().walk(ManifestRoot.decode(m), p -> partPacks.add(p.pack()), c -> partPacks.add(c.pack()));
        }
        assertEquals(0, collect(CollectorConfig.SweepHook.NONE).packsDeleted(), "parts in progress are live");

        s3.abortMultipartUpload(r -> r.bucket(bucket).key("big").uploadId(id));
        collect(CollectorConfig.SweepHook.NONE);

        assertTrue(packs().stream().noneMatch(partPacks::contains));
    }

    @Test
    void aDryRunChangesNothing() throws IOException {
        put("k", random(7, 20_000));
        put("k", random(8, 20_000));
        Set<String> before = files();

        CollectionReport dry = GcHarness.collector(gw, CollectorConfig.SweepHook.NONE).collect(true, Duration.ofMinutes(1))
                .orElseThrow();

        assertTrue(dry.dryRun() && dry.packsDeleted() >= 1, dry.summary());
        assertEquals(before, files());
    }

    @Test
    void aCollectorKilledAtAnyStepLosesNothingAndTheNextRunFinishes() throws IOException {
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        for (CollectorConfig.Step step : CollectorConfig.Step.values()) {
            byte[] base = random(10 + step.ordinal(), 48 * GcHarness.CHUNK);
            String key = "k-" + step;
            String v1 = put(key, base);
            byte[] edit = base.clone();
            System.arraycopy(random(30 + step.ordinal(), 38 * GcHarness.CHUNK), 0, edit, 10 * GcHarness.CHUNK,
                    38 * GcHarness.CHUNK);
            String v2 = put(key, edit); // shares its first 10 chunks with v1
            String garbage = put(key + "-garbage", random(50 + step.ordinal(), 10_000));
            s3.deleteObject(r -> r.bucket(bucket).key(key).versionId(v1)); // v1's pack: sparse, to be rewritten
            s3.deleteObject(r -> r.bucket(bucket).key(key + "-garbage").versionId(garbage)); // a dead pack
            if (step == CollectorConfig.Step.DELETE_REDIRECT) {
                collect(CollectorConfig.SweepHook.NONE); // leaves a redirect that the next deletion frees
                s3.deleteObject(r -> r.bucket(bucket).key(key).versionId(v2));
            }
            CollectorConfig.SweepHook crash = (s, pack) -> {
                if (s == step) {
                    throw new IOException("killed before " + s);
                }
            };
            IOException e = assertThrows(IOException.class, () -> collect(crash), "step " + step + " was reached");

            for (LiveRoot root : liveVersions()) {
                assertEquals(root.size(), get(root.key(), root.versionId()).length, "after a crash at " + step);
            }
            assertTrue(GcHarness.audit(gw).missing().isEmpty(), e.getMessage());
            collect(CollectorConfig.SweepHook.NONE);
            assertTrue(GcHarness.audit(gw).clean(), "after the restart at " + step + ": " + GcHarness.audit(gw));
            if (step != CollectorConfig.Step.DELETE_REDIRECT) {
                assertArrayEquals(edit, get(key, v2));
            }
        }
    }

    List<LiveRoot> liveVersions() {
        List<LiveRoot> out = new java.util.ArrayList<>();
        GcHarness.meta(gw).visitLiveRoots(bucket, out::add);
        return out;
    }

    Set<String> files() throws IOException {
        Path chunks = h.dir.resolve("chunks");
        try (Stream<Path> s = Files.walk(chunks)) {
            return s.filter(Files::isRegularFile).map(p -> chunks.relativize(p).toString())
                    .filter(p -> !p.startsWith("tmp")).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void rewrittenPacksAreReadThroughTheirRedirectsByEveryReader() throws IOException {
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        byte[] base = random(20, 64 * GcHarness.CHUNK + 123);
        String v1 = put("disk", base);
        byte[] next = base.clone();
        System.arraycopy(random(21, 40 * GcHarness.CHUNK), 0, next, 24 * GcHarness.CHUNK, 40 * GcHarness.CHUNK);
        String v2 = put("disk", next); // 24 of v1's 65 chunks live on in v2
        s3.deleteObject(r -> r.bucket(bucket).key("disk").versionId(v1));

        CollectionReport r = collect(CollectorConfig.SweepHook.NONE);

        assertEquals(1, r.packsRewritten(), r.summary());
        assertFalse(r.redirectsWritten() == 0);
        assertArrayEquals(next, get("disk", v2));
        byte[] range = s3.getObjectAsBytes(x -> x.bucket(bucket).key("disk").versionId(v2).range("bytes=1000-50000"))
                .asByteArray();
        assertArrayEquals(java.util.Arrays.copyOfRange(next, 1000, 50001), range);
        // a dedup against the rewritten version reuses its chunks through the redirect
        byte[] third = next.clone();
        third[3] ^= 1;
        String v3 = put("disk", third);
        assertArrayEquals(third, get("disk", v3));
        assertTrue(GcHarness.audit(gw).clean());
    }
}
