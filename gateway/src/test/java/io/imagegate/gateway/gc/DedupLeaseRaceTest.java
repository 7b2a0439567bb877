package io.imagegate.gateway.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.CollectorConfig;
import io.imagegate.gateway.Gateway;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * The race write leases exist for: a PUT deduplicates against the key's current version (reusing
 * references into old packs, which no grace period protects) while another client deletes that
 * version for good and a collector with no grace period runs back to back. Whatever the
 * interleaving, the new version must read back whole.
 */
class DedupLeaseRaceTest {

    static final int ROUNDS = 25;
    static final int CHUNKS = 48;

    @Test
    void deletingTheBaseOfADedupWriteWhileCollectingLosesNothing() throws Exception {
        try (GcHarness h = new GcHarness()) {
            Gateway gw = h.start(GcHarness.manual());
            S3Client writer = h.clients.get(0);
            S3Client deleter = GcHarness.client(gw.endpoint());
            writer.createBucket(r -> r.bucket("race"));
            writer.putBucketVersioning(r -> r.bucket("race").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger collections = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<?> collector = pool.submit(() -> {
                GarbageCollection gc = GcHarness.collector(gw, CollectorConfig.SweepHook.NONE);
                while (running.get()) {
                    gc.collect(false, Duration.ofMinutes(1));
                    collections.incrementAndGet();
                }
                return null;
            });
            Random r = new Random(42);
            byte[] content = new byte[CHUNKS * GcHarness.CHUNK];
            r.nextBytes(content);
            String base = writer.putObject(x -> x.bucket("race").key("disk"), RequestBody.fromBytes(content)).versionId();
            for (int round = 0; round < ROUNDS; round++) {
                byte[] next = content.clone();
                next[r.nextInt(next.length)] ^= 1; // all chunks but one are the base's
                String doomed = base;
                int delayMillis = r.nextInt(100);
                CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> {
                    sleep(delayMillis);
                    deleter.deleteObject(x -> x.bucket("race").key("disk").versionId(doomed));
                }, pool);
                // the body trickles in, so the delete and whole collections fall between the moment the
                // gateway reads the base and the moment it publishes
                String written = writer.putObject(x -> x.bucket("race").key("disk"), RequestBody.fromContentProvider(
                        () -> new SlowStream(next), next.length, "application/octet-stream")).versionId();
                delete.join();
                // let a collection or two run with the base gone and the new version published
                int seen = collections.get();
                while (collections.get() < seen + 2) {
                    sleep(5);
                }
                byte[] got = writer.getObjectAsBytes(x -> x.bucket("race").key("disk").versionId(written)).asByteArray();
                assertArrayEquals(next, got, "round " + round);
                content = next;
                base = written;
            }
            running.set(false);
            collector.get();
            pool.shutdown();
            System.out.printf("dedup-lease race: %d rounds, %d collections%n", ROUNDS, collections.get());
            assertTrue(GcHarness.audit(gw).missing().isEmpty());
            deleter.close();
        }
    }

    /** Hands out its bytes 4 KiB at a time with a pause before each. */
    static final class SlowStream extends java.io.InputStream {
        private final byte[] data;
        private int pos;

        SlowStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            sleep(4);
            int n = Math.min(Math.min(len, 4096), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
