package io.imagegate.gateway.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.CollectionReport;
import io.imagegate.chunk.CollectorConfig;
import io.imagegate.chunk.ReferenceAudit;
import io.imagegate.gateway.Gateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The issue's audit: writers in several threads, through two gateways on one ZooKeeper and one
 * chunk directory, put, overwrite, copy, upload in parts (with part copies), abort and delete
 * versions, while both gateways collect garbage every 50 ms with no grace period at all (only the
 * write leases protect writes in flight). Every write is read back at once; at the end every live
 * version is read in full and compared with what was written, and after two more collections
 * the reference audit must find no missing reference, no pack nothing references, no pack whose
 * live fraction is below the rewrite threshold, and no redirect nothing needs.
 */
class GcUnderConcurrentWritesTest {

    static final int THREADS = 4;
    static final int OPS_PER_THREAD = 70;
    static final int MIN_COLLECTIONS = 12;

    record Expected(String bucket, String key, String versionId, byte[] data) {
        String sha256() {
            return GcHarness.sha256(data);
        }

        int length() {
            return data.length;
        }

        @Override
        public String toString() {
            return bucket + "/" + key + "#" + versionId + " (" + data.length + " bytes)";
        }
    }

    final Map<String, Expected> live = new ConcurrentHashMap<>();
    final Map<String, byte[]> lastContent = new ConcurrentHashMap<>();
    final AtomicInteger failedCopies = new AtomicInteger();
    final AtomicLong bytesWritten = new AtomicLong();

    @Test
    void nothingLiveIsLostAndNothingDeadOutlivesTwoCollections() throws Exception {
        GcOptions periodic = GcOptions.defaults().withInterval(Duration.ofMillis(50)).withInitialDelay(Duration.ZERO)
                .withGrace(Duration.ZERO);
        try (GcHarness h = new GcHarness()) {
            Gateway a = h.start(periodic);
            Gateway b = h.start(periodic);
            S3Client admin = h.clients.get(0);
            admin.createBucket(r -> r.bucket("ver"));
            admin.putBucketVersioning(r -> r.bucket("ver").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            admin.createBucket(r -> r.bucket("plain"));

            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> work(thread, h.clients.get(thread % 2), a, b)));
            }
            int ops = 0;
            for (Future<Integer> w : workers) {
                ops += w.get();
            }
            pool.shutdown();
            long collections = a.garbageCollection().counts()[0] + b.garbageCollection().counts()[0];
            System.out.printf("gc-under-writes: %d ops by %d threads (%d bytes written, %d copies of deleted sources "
                    + "refused) in %d ms, %d collections meanwhile%n", ops, THREADS, bytesWritten.get(),
                    failedCopies.get(), (System.nanoTime() - start) / 1_000_000, collections);
            assertTrue(collections >= MIN_COLLECTIONS);

            // every live version, in full, through either gateway
            for (Expected e : live.values()) {
                S3Client c = h.clients.get(Math.abs(e.key().hashCode()) % 2);
                byte[] got = c.getObjectAsBytes(r -> r.bucket(e.bucket()).key(e.key()).versionId(e.versionId()))
                        .asByteArray();
                assertEquals(e.length(), got.length, e.toString());
                assertEquals(e.sha256(), GcHarness.sha256(got), e.toString());
            }
            assertEquals(live.size(), versionsListed(admin));

            // two collections past the (zero) grace period leave nothing unreferenced beyond the threshold
            a.close(); // stop its periodic collector; b's keeps running and shares the lock
            Optional<CollectionReport> first = GcHarness.collector(b, CollectorConfig.SweepHook.NONE)
                    .collect(false, Duration.ofMinutes(1));
            Optional<CollectionReport> second = GcHarness.collector(b, CollectorConfig.SweepHook.NONE)
                    .collect(false, Duration.ofMinutes(1));
            assertTrue(first.isPresent() && second.isPresent());
            ReferenceAudit.Result audit = GcHarness.audit(b);
            System.out.printf("gc-under-writes audit: %d packs, %d live bytes, %d dead bytes; last: %s%n",
                    audit.packs(), audit.liveBytes(), audit.deadBytes(), second.get().summary());
            assertTrue(audit.clean(), audit.toString());
            assertEquals(0, second.get().anomalies());
            for (Expected e : live.values()) {
                byte[] got = h.clients.get(1).getObjectAsBytes(r -> r.bucket(e.bucket()).key(e.key())
                        .versionId(e.versionId())).asByteArray();
                assertEquals(e.sha256(), GcHarness.sha256(got), e.toString());
            }
        }
    }

    private int versionsListed(S3Client c) {
        int n = 0;
        for (String bucket : List.of("ver", "plain")) {
            for (var page : c.listObjectVersionsPaginator(r -> r.bucket(bucket))) {
                n += page.versions().size();
            }
        }
        return n;
    }

    private int work(int thread, S3Client c, Gateway a, Gateway b) {
        Random r = new Random(thread * 7919L);
        int ops = 0;
        while (ops < OPS_PER_THREAD
                || a.garbageCollection().counts()[0] + b.garbageCollection().counts()[0] < MIN_COLLECTIONS) {
            String key = "t" + thread + "/k" + r.nextInt(3);
            int op = r.nextInt(100);
            if (op < 30) {
                put(c, "ver", key, mutate(r, key));
            } else if (op < 45) {
                put(c, "plain", key, mutate(r, "plain/" + key));
            } else if (op < 57) {
                deleteSomeVersion(c, r, thread);
            } else if (op < 62) {
                c.deleteObject(x -> x.bucket("plain").key(key));
                live.remove("plain/" + key + "#null");
            } else if (op < 75) {
                multipart(c, r, key);
            } else if (op < 80) {
                abortedUpload(c, r, key);
            } else if (op < 92) {
                copy(c, r, key);
            } else {
                readOwn(c, r, thread);
            }
            ops++;
        }
        return ops;
    }

    /** New content for a key: its last content with a few chunks changed (dedup), or fresh bytes. */
    private byte[] mutate(Random r, String key) {
        byte[] last = lastContent.get(key);
        byte[] b;
        if (last == null || last.length < 3 * GcHarness.CHUNK || r.nextInt(5) == 0) {
            b = new byte[GcHarness.CHUNK * (4 + r.nextInt(12)) - r.nextInt(100)];
            r.nextBytes(b);
        } else {
            b = Arrays.copyOf(last, last.length + (r.nextInt(3) - 1) * GcHarness.CHUNK / 2);
            for (int i = 0; i < 1 + r.nextInt(3); i++) {
                b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            }
        }
        lastContent.put(key, b);
        return b;
    }

    private void put(S3Client c, String bucket, String key, byte[] data) {
        var resp = c.putObject(x -> x.bucket(bucket).key(key), RequestBody.fromBytes(data));
        String vid = resp.versionId() == null ? "null" : resp.versionId();
        record(bucket, key, vid, data);
        verify(c, bucket, key, vid);
    }

    private void record(String bucket, String key, String versionId, byte[] data) {
        bytesWritten.addAndGet(data.length);
        live.put(bucket + "/" + key + "#" + versionId, new Expected(bucket, key, versionId, data));
    }

    private void verify(S3Client c, String bucket, String key, String versionId) {
        Expected e = live.get(bucket + "/" + key + "#" + versionId);
        byte[] got = c.getObjectAsBytes(x -> x.bucket(bucket).key(key)
                .versionId("null".equals(versionId) ? null : versionId)).asByteArray();
        if (e != null) {
            assertTrue(Arrays.equals(e.data(), got), "read after write of " + e);
        }
    }

    private void deleteSomeVersion(S3Client c, Random r, int thread) {
        List<Expected> mine = live.values().stream()
                .filter(e -> e.bucket().equals("ver") && e.key().startsWith("t" + thread + "/")).toList();
        if (mine.isEmpty()) {
            return;
        }
        Expected e = mine.get(r.nextInt(mine.size()));
        c.deleteObject(x -> x.bucket("ver").key(e.key()).versionId(e.versionId()));
        live.remove("ver/" + e.key() + "#" + e.versionId());
    }

    /** Two parts: one uploaded (deduplicated against the key's current version), one copied from any live version. */
    private void multipart(S3Client c, Random r, String key) {
        String id = c.createMultipartUpload(x -> x.bucket("ver").key(key)).uploadId();
        byte[] first = mutate(r, key);
        String etag1 = c.uploadPart(x -> x.bucket("ver").key(key).uploadId(id).partNumber(1),
                RequestBody.fromBytes(first)).eTag();
        byte[] second;
        String etag2;
        Expected src = anyLive(r);
        try {
            if (src == null) {
                throw S3Exception.builder().statusCode(404).build();
            }
            var copied = c.uploadPartCopy(x -> x.sourceBucket(src.bucket()).sourceKey(src.key())
                    .sourceVersionId(src.versionId()).destinationBucket("ver").destinationKey(key).uploadId(id)
                    .partNumber(2));
            etag2 = copied.copyPartResult().eTag();
            second = null;
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            failedCopies.incrementAndGet();
            second = new byte[1 + r.nextInt(3 * GcHarness.CHUNK)];
            r.nextBytes(second);
            byte[] s2 = second;
            etag2 = c.uploadPart(x -> x.bucket("ver").key(key).uploadId(id).partNumber(2),
                    RequestBody.fromBytes(s2)).eTag();
        }
        String e1 = etag1;
        String e2 = etag2;
        var done = c.completeMultipartUpload(x -> x.bucket("ver").key(key).uploadId(id).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(),
                CompletedPart.builder().partNumber(2).eTag(e2).build())));
        byte[] whole = concat(first, second != null ? second : src.data());
        record("ver", key, done.versionId(), whole);
        verify(c, "ver", key, done.versionId());
    }

    private void abortedUpload(S3Client c, Random r, String key) {
        String id = c.createMultipartUpload(x -> x.bucket("ver").key(key)).uploadId();
        byte[] part = new byte[GcHarness.CHUNK * (2 + r.nextInt(6))];
        r.nextBytes(part);
        c.uploadPart(x -> x.bucket("ver").key(key).uploadId(id).partNumber(1), RequestBody.fromBytes(part));
        c.abortMultipartUpload(x -> x.bucket("ver").key(key).uploadId(id));
    }

    /** Copies any live version (often another thread's, which may be deleted meanwhile) onto an own key. */
    private void copy(S3Client c, Random r, String key) {
        Expected src = anyLive(r);
        if (src == null || src.key().equals(key)) {
            return; // S3 refuses a copy onto itself without changes
        }
        try {
            var resp = c.copyObject(x -> x.sourceBucket(src.bucket()).sourceKey(src.key())
                    .sourceVersionId(src.versionId()).destinationBucket("ver").destinationKey(key));
            live.put("ver/" + key + "#" + resp.versionId(), new Expected("ver", key, resp.versionId(), src.data()));
            verify(c, "ver", key, resp.versionId());
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            failedCopies.incrementAndGet(); // the source was deleted first: nothing was published
        }
    }

    private void readOwn(S3Client c, Random r, int thread) {
        List<Expected> mine = live.values().stream().filter(e -> e.key().startsWith("t" + thread + "/")).toList();
        if (!mine.isEmpty()) {
            Expected e = mine.get(r.nextInt(mine.size()));
            verify(c, e.bucket(), e.key(), e.versionId());
        }
    }

    /** Any live version of the versioned bucket (ids there name one content for good). */
    private Expected anyLive(Random r) {
        List<Expected> all = live.values().stream().filter(e -> e.bucket().equals("ver")).toList();
        return all.isEmpty() ? null : all.get(r.nextInt(all.size()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
