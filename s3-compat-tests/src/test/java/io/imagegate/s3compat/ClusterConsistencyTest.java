package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Three gateways on one ZooKeeper and one chunk store (here a shared local directory): what one
 * acknowledges, the others serve at once; concurrent writers get a total order; conditional
 * writes stay exact. {@link S3BackendClusterTest} runs the same scenarios over a ZooKeeper
 * ensemble and an S3 chunk store.
 */
class ClusterConsistencyTest {

    static GatewayFixture gw;
    static Gateway second;
    static Gateway third;
    static S3Client a;
    static S3Client b;
    static S3Client c;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start();
        second = gw.startPeer();
        third = gw.startPeer();
        a = gw.client();
        b = GatewayFixture.client(second.endpoint());
        c = GatewayFixture.client(third.endpoint());
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        c.close();
        third.close();
        second.close();
        gw.close();
    }

    @Test
    void writeThroughOneIsReadAndListedThroughTheOthersAtOnce() {
        a.createBucket(r -> r.bucket("raw-cluster"));
        for (int i = 0; i < 30; i++) {
            String key = "k" + i;
            String body = "value " + i;
            S3Client writer = i % 2 == 0 ? a : b;
            S3Client reader = i % 2 == 0 ? b : c;
            writer.putObject(r -> r.bucket("raw-cluster").key(key), RequestBody.fromString(body));
            assertEquals(body, reader.getObjectAsBytes(r -> r.bucket("raw-cluster").key(key)).asUtf8String());
            assertTrue(c.listObjectsV2(r -> r.bucket("raw-cluster").prefix(key)).contents().stream()
                    .anyMatch(o -> o.key().equals(key)));
        }
    }

    @Test
    void ifNoneMatchFromManyWritersOnManyGatewaysAdmitsExactlyOne() throws Exception {
        a.createBucket(r -> r.bucket("cond-cluster"));
        S3Client[] clients = {a, b, c};
        ExecutorService pool = Executors.newFixedThreadPool(12);
        for (int round = 0; round < 5; round++) {
            String key = "lock-" + round;
            AtomicInteger won = new AtomicInteger();
            AtomicInteger lost = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                S3Client client = clients[t % 3];
                String body = "writer " + t;
                futures.add(pool.submit(() -> {
                    try {
                        client.putObject(r -> r.bucket("cond-cluster").key(key).ifNoneMatch("*"), RequestBody.fromString(body));
                        won.incrementAndGet();
                    } catch (S3Exception e) {
                        assertTrue(e.statusCode() == 412 || e.statusCode() == 409, "status " + e.statusCode());
                        lost.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            assertEquals(1, won.get());
            assertEquals(11, lost.get());
        }
        pool.shutdown();
    }

    @Test
    void concurrentWritersThroughAllGatewaysLoseNoVersion() throws Exception {
        a.createBucket(r -> r.bucket("order-cluster"));
        a.putBucketVersioning(r -> r.bucket("order-cluster").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        S3Client[] clients = {a, b, c};
        ExecutorService pool = Executors.newFixedThreadPool(9);
        List<Future<String>> acks = new ArrayList<>();
        for (int t = 0; t < 45; t++) {
            S3Client client = clients[t % 3];
            String body = "write " + t;
            acks.add(pool.submit(() -> client.putObject(r -> r.bucket("order-cluster").key("hot"),
                    RequestBody.fromString(body)).versionId()));
        }
        Set<String> acknowledged = new HashSet<>();
        for (Future<String> f : acks) {
            acknowledged.add(f.get());
        }
        pool.shutdown();
        List<ObjectVersion> versions = b.listObjectVersions(r -> r.bucket("order-cluster").prefix("hot")).versions();
        assertEquals(45, acknowledged.size());
        assertEquals(acknowledged, new HashSet<>(versions.stream().map(ObjectVersion::versionId).toList()));
        assertEquals(1, versions.stream().filter(ObjectVersion::isLatest).count());
        String latest = versions.stream().filter(ObjectVersion::isLatest).findFirst().orElseThrow().versionId();
        assertEquals(latest, c.headObject(r -> r.bucket("order-cluster").key("hot")).versionId());
    }

    @Test
    void partsUploadedThroughTwoGatewaysCompleteThroughAThird() {
        a.createBucket(r -> r.bucket("mpu-cluster"));
        byte[] p1 = new byte[5 * 1024 * 1024];
        byte[] p2 = new byte[777_777];
        new Random(1).nextBytes(p1);
        new Random(2).nextBytes(p2);
        String uploadId = a.createMultipartUpload(r -> r.bucket("mpu-cluster").key("img")).uploadId();
        String e1 = a.uploadPart(r -> r.bucket("mpu-cluster").key("img").uploadId(uploadId).partNumber(1),
                RequestBody.fromBytes(p1)).eTag();
        String e2 = b.uploadPart(r -> r.bucket("mpu-cluster").key("img").uploadId(uploadId).partNumber(2),
                RequestBody.fromBytes(p2)).eTag();
        c.completeMultipartUpload(r -> r.bucket("mpu-cluster").key("img").uploadId(uploadId).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(),
                CompletedPart.builder().partNumber(2).eTag(e2).build())));
        byte[] all = a.getObjectAsBytes(r -> r.bucket("mpu-cluster").key("img")).asByteArray();
        byte[] expected = new byte[p1.length + p2.length];
        System.arraycopy(p1, 0, expected, 0, p1.length);
        System.arraycopy(p2, 0, expected, p1.length, p2.length);
        assertArrayEquals(expected, all);
    }
}
