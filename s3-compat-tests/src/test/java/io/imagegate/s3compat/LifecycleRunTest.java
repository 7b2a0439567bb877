package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.CollectionReport;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.gateway.gc.GarbageCollection;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.gateway.lifecycle.LifecycleReport;
import io.imagegate.gateway.lifecycle.LifecycleRunner;
import io.imagegate.gateway.lifecycle.PhysicalBytes;
import io.imagegate.meta.LifecycleRunState;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The lifecycle rules applied to data a tenant (not an administrator) wrote through a real gateway,
 * on a clock the test moves: which versions survive, that they still read back after the collector
 * ran, that a dry run's physical figure is what the removals free, uploads aborted, delete markers
 * removed, a run that dies resumed where it stopped, and a write made while a run decides about its
 * key never removed by that run.
 */
class LifecycleRunTest {

    static final int CHUNK = 4096;
    static final int CHUNKS = 32;
    static GatewayFixture gw;
    static UserRecord tenant = new UserRecord("lc-tenant", "AKIALCTENANT00000001", "lc-tenant-secret-key-01",
            Instant.now(), false);
    static S3Client s3;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(tenant);
        s3 = gw.client(tenant.accessKey(), tenant.secretKey());
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    static ZkMetadataStore meta() {
        return (ZkMetadataStore) gw.gateway().meta();
    }

    static DefaultChunkRepository chunks() {
        return (DefaultChunkRepository) gw.gateway().chunks();
    }

    /** The time rules are judged at: days after now. */
    static Clock daysLater(int days) {
        return Clock.fixed(Instant.now().plus(Duration.ofDays(days)), ZoneOffset.UTC);
    }

    static LifecycleReport run(LifecycleRunner runner) {
        return gw.gateway().garbageCollection().runLifecycle(runner, Duration.ofSeconds(30)).orElseThrow();
    }

    /** The report's lines of one bucket (runs cover every bucket of the gateway, other tests' too). */
    static LifecycleReport of(String bucket, LifecycleReport r) {
        return new LifecycleReport(r.dryRun(), r.now(), r.resumed(),
                r.rules().stream().filter(t -> t.bucket().equals(bucket)).toList(), r.skipped(), r.physicalBytes());
    }

    static String bucket(boolean versioned) {
        String bucket = GatewayFixture.uniqueBucket("lcrun");
        s3.createBucket(r -> r.bucket(bucket).overrideConfiguration(o -> o.putHeader("x-imagegate-chunk-size",
                String.valueOf(CHUNK))));
        if (versioned) {
            s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        }
        return bucket;
    }

    static final List<String> withRules = new ArrayList<>();

    static void rules(String bucket, LifecycleRule... rules) {
        s3.putBucketLifecycleConfiguration(r -> r.bucket(bucket).lifecycleConfiguration(c -> c.rules(rules)));
        withRules.add(bucket);
    }

    /** Runs cover every bucket: each test's rules go with it, so the next test's run sees only its own. */
    @AfterEach
    void removeRules() {
        withRules.forEach(b -> s3.deleteBucketLifecycle(r -> r.bucket(b)));
        withRules.clear();
    }

    static List<ObjectVersion> versions(String bucket, String key) {
        return s3.listObjectVersions(r -> r.bucket(bucket).prefix(key)).versions().stream()
                .filter(v -> v.key().equals(key)).toList();
    }

    /** Snapshots as the agent makes them: each one changes two chunks of the one before. */
    static List<byte[]> snapshots(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        byte[] image = new byte[CHUNK * CHUNKS];
        random.nextBytes(image);
        out.add(image.clone());
        for (int i = 1; i < count; i++) {
            for (int c : new int[] {(i * 3) % CHUNKS, (i * 7 + 1) % CHUNKS}) {
                byte[] chunk = new byte[CHUNK];
                random.nextBytes(chunk);
                System.arraycopy(chunk, 0, image, c * CHUNK, CHUNK);
            }
            out.add(image.clone());
        }
        return out;
    }

    @Test
    void theTenNewestSnapshotsSurviveReadBackAfterGcAndTheDryRunToldWhatGcFrees() throws Exception {
        String bucket = bucket(true);
        String key = "images/vm-1.raw";
        List<byte[]> contents = snapshots(16, 1);
        List<String> ids = new ArrayList<>();
        for (byte[] c : contents) {
            ids.add(s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(c)).versionId());
        }
        for (int i = 0; i < 3; i++) {
            s3.putObject(r -> r.bucket(bucket).key("other/disk.raw"), RequestBody.fromBytes(contents.get(0)));
        }
        rules(bucket, LifecycleRule.builder().id("keep-10-snapshots").status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix("images/"))
                .noncurrentVersionExpiration(n -> n.noncurrentDays(1).newerNoncurrentVersions(10)).build());

        // a day is not enough: every snapshot became noncurrent less than a day ago
        assertEquals(0, new LifecycleRunner(meta(), daysLater(0)).dryRun(bucket).versions().size());

        LifecycleRunner runner = new LifecycleRunner(meta(), daysLater(2));
        LifecycleReport dry = PhysicalBytes.report(meta(), chunks(), runner.dryRun(bucket));
        assertEquals(1, dry.rules().size());
        LifecycleReport.RuleTally planned = dry.rules().get(0);
        assertEquals(5, planned.noncurrentExpired());
        assertEquals(5L * CHUNK * CHUNKS, planned.logicalBytes());
        assertEquals(dry.physicalBytes(), planned.physicalBytes());
        assertTrue(dry.physicalBytes() > 0 && dry.physicalBytes() < planned.logicalBytes() / 2,
                "shared chunks: " + dry.physicalBytes() + " of " + planned.logicalBytes());
        long referencedBefore = gw.gateway().storageReports().compute(null).total().referencedBytes();

        LifecycleReport done = of(bucket, run(runner));
        assertEquals(5, done.versionsExpired());
        assertEquals(planned.logicalBytes(), done.logicalBytes());
        assertEquals(5, runner.totals().versionsExpired.get());
        List<String> survivors = versions(bucket, key).stream().map(ObjectVersion::versionId).toList();
        assertEquals(ids.subList(5, 16).reversed(), survivors, "the current version and the 10 newest noncurrent");
        assertEquals(3, versions(bucket, "other/disk.raw").size(), "no rule matched it");

        long referencedAfter = gw.gateway().storageReports().compute(null).total().referencedBytes();
        assertEquals(dry.physicalBytes(), referencedBefore - referencedAfter, "what only the expired versions held");
        CollectionReport collected = new GarbageCollection(meta(), chunks(), GcOptions.defaults()
                .withGrace(Duration.ZERO).withRewriteThreshold(1.0)).collect(false, Duration.ofSeconds(30)).orElseThrow();
        assertTrue(collected.netBytesFreed() >= dry.physicalBytes(),
                "the collector freed " + collected.netBytesFreed() + " (with pack framing), the dry run said "
                        + dry.physicalBytes() + " of data");
        assertEquals(0, collected.anomalies());
        for (int i = 5; i < 16; i++) {
            String id = ids.get(i);
            assertArrayEquals(contents.get(i), s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId(id))
                    .asByteArray(), "snapshot " + i);
        }
        S3Exception gone = assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId(ids.get(0))));
        assertEquals(404, gone.statusCode());

        assertEquals(0, of(bucket, run(runner)).versionsExpired(), "a second run at the same time removes nothing more");
        assertEquals(11, versions(bucket, key).size());
    }

    @Test
    void incompleteUploadsUnderThePrefixAreAbortedOnceOldEnough() {
        String bucket = bucket(false);
        rules(bucket, LifecycleRule.builder().id("abort-tmp").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("tmp/"))
                .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(2)).build());
        String stale = s3.createMultipartUpload(r -> r.bucket(bucket).key("tmp/upload.raw")).uploadId();
        s3.uploadPart(r -> r.bucket(bucket).key("tmp/upload.raw").uploadId(stale).partNumber(1),
                RequestBody.fromBytes(new byte[1000]));
        String kept = s3.createMultipartUpload(r -> r.bucket(bucket).key("keep/upload.raw")).uploadId();

        assertEquals(0, of(bucket, run(new LifecycleRunner(meta(), daysLater(1)))).uploadsAborted());
        LifecycleReport report = of(bucket, run(new LifecycleRunner(meta(), daysLater(3))));
        assertEquals(1, report.uploadsAborted());
        assertEquals(1000, report.logicalBytes());
        List<String> left = s3.listMultipartUploads(r -> r.bucket(bucket)).uploads().stream()
                .map(u -> u.uploadId()).toList();
        assertEquals(List.of(kept), left);
    }

    @Test
    void expiredObjectDeleteMarkersGoAlsoWhenTheRunRemovesTheLastVersionBehindThem() {
        String bucket = bucket(true);
        String alone = s3.putObject(r -> r.bucket(bucket).key("alone"), RequestBody.fromString("a")).versionId();
        s3.deleteObject(r -> r.bucket(bucket).key("alone"));
        s3.deleteObject(r -> r.bucket(bucket).key("alone").versionId(alone)); // only the marker is left
        s3.putObject(r -> r.bucket(bucket).key("old"), RequestBody.fromString("b"));
        s3.deleteObject(r -> r.bucket(bucket).key("old")); // a marker over a version
        s3.putObject(r -> r.bucket(bucket).key("kept"), RequestBody.fromString("c"));
        s3.deleteObject(r -> r.bucket(bucket).key("kept"));
        rules(bucket,
                LifecycleRule.builder().id("markers").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                        .expiration(e -> e.expiredObjectDeleteMarker(true)).build(),
                LifecycleRule.builder().id("old-versions").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("old"))
                        .noncurrentVersionExpiration(n -> n.noncurrentDays(1)).build());

        LifecycleReport report = of(bucket, run(new LifecycleRunner(meta(), daysLater(2))));
        assertEquals(2, report.markersRemoved());
        assertEquals(1, report.versionsExpired());
        var left = s3.listObjectVersions(r -> r.bucket(bucket));
        assertEquals(List.of("kept"), left.deleteMarkers().stream().map(m -> m.key()).toList());
        assertEquals(List.of("kept"), left.versions().stream().map(ObjectVersion::key).toList());
        assertEquals(0, of(bucket, run(new LifecycleRunner(meta(), daysLater(2)))).markersRemoved());
    }

    /** The gateway's imagegate_lifecycle_* counters at /metrics, by name. */
    static Map<String, Double> lifecycleMetrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(gw.endpoint() + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Map<String, Double> out = new TreeMap<>();
        r.body().lines().filter(l -> l.startsWith("imagegate_lifecycle_"))
                .forEach(l -> out.put(l.substring(0, l.indexOf(' ')), Double.parseDouble(l.substring(l.indexOf(' ') + 1))));
        return out;
    }

    @Test
    void theGatewaysOwnRunsCountInItsMetrics() throws Exception {
        Map<String, Double> before = lifecycleMetrics();
        assertEquals(List.of("imagegate_lifecycle_delete_markers_removed_total", "imagegate_lifecycle_logical_bytes_freed_total",
                "imagegate_lifecycle_runs_total", "imagegate_lifecycle_uploads_aborted_total",
                "imagegate_lifecycle_versions_expired_total"), List.copyOf(before.keySet()));
        String bucket = bucket(false);
        s3.putObject(r -> r.bucket(bucket).key("a"), RequestBody.fromBytes(new byte[1000]));
        s3.putObject(r -> r.bucket(bucket).key("b"), RequestBody.fromBytes(new byte[3000]));
        rules(bucket, LifecycleRule.builder().id("past-date").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                .expiration(e -> e.date(Instant.parse("2020-01-01T00:00:00Z"))).build());

        // the gateway's own runner (its periodic rounds' one), on the real clock: the date has passed
        assertTrue(gw.gateway().garbageCollection().runLifecycle(Duration.ofSeconds(30)).isPresent());
        Map<String, Double> after = lifecycleMetrics();
        assertEquals(0, s3.listObjectsV2(r -> r.bucket(bucket)).keyCount());
        assertEquals(2.0, after.get("imagegate_lifecycle_versions_expired_total")
                - before.get("imagegate_lifecycle_versions_expired_total"));
        assertEquals(4000.0, after.get("imagegate_lifecycle_logical_bytes_freed_total")
                - before.get("imagegate_lifecycle_logical_bytes_freed_total"));
        assertTrue(after.get("imagegate_lifecycle_runs_total") > before.get("imagegate_lifecycle_runs_total"));
    }

    @Test
    void aRunThatDiesIsResumedWhereItStoppedAtTheSameTime() {
        String bucket = bucket(true);
        for (int k = 0; k < 12; k++) {
            String key = String.format("vm-%02d", k);
            for (int v = 0; v < 3; v++) {
                s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(key + " v" + v));
            }
        }
        rules(bucket, LifecycleRule.builder().id("keep-1").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                .noncurrentVersionExpiration(n -> n.noncurrentDays(1).newerNoncurrentVersions(1)).build());

        AtomicInteger seen = new AtomicInteger();
        LifecycleRunner dying = new LifecycleRunner(meta(), daysLater(2), new LifecycleRunner.Hooks() {
            @Override
            public void afterKey(String b, String key) {
                if (b.equals(bucket) && seen.incrementAndGet() == 7) {
                    throw new IllegalStateException("the process died here");
                }
            }
        }, 5);
        assertThrows(IllegalStateException.class, () -> run(dying));
        LifecycleRunState state = meta().lifecycleRunState();
        assertNotNull(state.running(), "the run is recorded as under way");
        assertEquals(bucket, state.running().bucket());
        String resumeAfter = state.running().afterKey();
        assertTrue(resumeAfter.compareTo("vm-06") < 0, resumeAfter);

        List<String> revisited = new ArrayList<>();
        LifecycleRunner resuming = new LifecycleRunner(meta(), daysLater(0), new LifecycleRunner.Hooks() {
            @Override
            public void afterKey(String b, String key) {
                if (b.equals(bucket)) {
                    revisited.add(key);
                }
            }
        }, 5);
        LifecycleReport report = run(resuming); // its own clock says nothing is old enough: the run's time wins
        assertTrue(report.resumed());
        assertFalse(revisited.isEmpty());
        assertTrue(revisited.stream().allMatch(k -> k.compareTo(resumeAfter) > 0), revisited + " after " + resumeAfter);
        for (int k = 0; k < 12; k++) {
            assertEquals(2, versions(bucket, String.format("vm-%02d", k)).size(), "vm-" + k);
        }
        assertEquals(null, meta().lifecycleRunState().running());
        assertEquals(0, of(bucket, run(new LifecycleRunner(meta(), daysLater(2)))).versionsExpired(), "nothing left to remove");
    }

    @Test
    void aWriteMadeWhileTheRunDecidesAboutItsKeyIsNeverRemoved() {
        String bucket = bucket(false);
        s3.putObject(r -> r.bucket(bucket).key("logs/a"), RequestBody.fromString("old a"));
        s3.putObject(r -> r.bucket(bucket).key("logs/b"), RequestBody.fromString("old b"));
        rules(bucket, LifecycleRule.builder().id("logs").status(ExpirationStatus.ENABLED).filter(f -> f.prefix("logs/"))
                .expiration(e -> e.days(1)).build());
        LifecycleRunner runner = new LifecycleRunner(meta(), daysLater(5), new LifecycleRunner.Hooks() {
            @Override
            public void beforeApply(String b, String key) {
                if (key.equals("logs/b")) { // a client writes the key after the run decided to expire it
                    s3.putObject(r -> r.bucket(bucket).key("logs/b"), RequestBody.fromString("new b"));
                }
            }
        }, LifecycleRunner.DEFAULT_PAGE);
        LifecycleReport report = run(runner);
        assertEquals(1, of(bucket, report).versionsExpired());
        assertEquals(1, report.skipped());
        assertEquals(404, assertThrows(S3Exception.class,
                () -> s3.getObjectAsBytes(r -> r.bucket(bucket).key("logs/a"))).statusCode());
        assertEquals("new b", s3.getObjectAsBytes(r -> r.bucket(bucket).key("logs/b")).asUtf8String());
    }
}
