package io.imagegate.gateway.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagegate.gateway.Gateway;
import io.imagegate.meta.UserRecord;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/** {@code GET /?storage-report}, its numbers, who may ask, and the gauges on /metrics. */
class StorageReportTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void versionsSharingChunksShowTheirDedupRatio() throws Exception {
        try (GcHarness h = new GcHarness()) {
            Gateway gw = h.start(GcHarness.manual());
            S3Client s3 = h.clients.get(0);
            s3.createBucket(r -> r.bucket("images"));
            s3.putBucketVersioning(r -> r.bucket("images").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            s3.createBucket(r -> r.bucket("empty"));
            int chunks = 256;
            byte[] image = new byte[chunks * GcHarness.CHUNK];
            new Random(1).nextBytes(image);
            for (int snapshot = 0; snapshot < 4; snapshot++) {
                image[snapshot * 10 * GcHarness.CHUNK] ^= 1; // each snapshot changes one chunk
                byte[] v = image.clone();
                s3.putObject(r -> r.bucket("images").key("disk.raw"), RequestBody.fromBytes(v));
            }
            byte[] zeros = new byte[16 * GcHarness.CHUNK];
            s3.putObject(r -> r.bucket("images").key("zeros"), RequestBody.fromBytes(zeros));

            HttpResponse<String> resp = GcHarness.signedGet(gw.endpoint(), "/", "storage-report", GcHarness.ACCESS_KEY,
                    GcHarness.SECRET_KEY);
            assertEquals(200, resp.statusCode(), resp.body());
            JsonNode report = JSON.readTree(resp.body());
            JsonNode images = null;
            for (JsonNode b : report.get("buckets")) {
                if (b.get("bucket").asText().equals("images")) {
                    images = b;
                }
            }
            assertTrue(images != null, resp.body());
            long logical = 4L * image.length + zeros.length;
            assertEquals(5, images.get("versions").asLong());
            assertEquals(logical, images.get("logicalBytes").asLong());
            // 256 distinct chunks, then one more per later snapshot; zero chunks are not stored
            assertEquals(chunks + 3, images.get("chunks").asLong());
            assertEquals((long) (chunks + 3) * GcHarness.CHUNK, images.get("chunkBytes").asLong());
            long physical = images.get("physicalBytes").asLong();
            assertEquals(images.get("chunkBytes").asLong() + images.get("pageBytes").asLong(), physical);
            assertEquals((double) logical / physical, images.get("dedupRatio").asDouble(), 0.001);
            System.out.printf("storage report: %d logical, %d physical bytes, dedup %.2fx%n", logical, physical,
                    images.get("dedupRatio").asDouble());
            JsonNode total = report.get("total");
            assertEquals(2, total.get("buckets").asLong());
            assertTrue(total.get("physicalBytes").asLong() >= physical, "packs hold at least the referenced bytes");

            HttpResponse<String> one = GcHarness.signedGet(gw.endpoint(), "/", "storage-report&bucket=empty",
                    GcHarness.ACCESS_KEY, GcHarness.SECRET_KEY);
            JsonNode empty = JSON.readTree(one.body());
            assertEquals(1, empty.get("buckets").size());
            assertEquals(0, empty.get("buckets").get(0).get("logicalBytes").asLong());
            assertTrue(empty.get("buckets").get(0).get("dedupRatio").isNull());
            assertTrue(empty.get("total") == null);

            gw.meta().createUser(new UserRecord("ann", "ann-access-key", "ann-secret-key", Instant.now(), false));
            HttpResponse<String> denied = GcHarness.signedGet(gw.endpoint(), "/", "storage-report", "ann-access-key",
                    "ann-secret-key");
            assertEquals(403, denied.statusCode());
            assertTrue(denied.body().contains("AccessDenied"));
            assertEquals(404, GcHarness.signedGet(gw.endpoint(), "/", "storage-report&bucket=nope",
                    GcHarness.ACCESS_KEY, GcHarness.SECRET_KEY).statusCode());

            gw.storageReports().compute(null);
            // per-bucket series name every tenant's buckets: an unauthenticated scrape gets the totals only,
            // a scrape signed by an administrator everything, one signed by another user nothing
            String anonymous = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(gw.endpoint().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(anonymous.contains("imagegate_storage_dedup_ratio"), anonymous);
            assertFalse(anonymous.contains("imagegate_storage_bucket_"), "per-bucket series in an anonymous scrape");
            assertFalse(anonymous.contains("bucket=\"images\""), "bucket names in an anonymous scrape");
            HttpResponse<String> tenant = GcHarness.signedGet(gw.endpoint(), "/metrics", "", "ann-access-key",
                    "ann-secret-key");
            assertEquals(403, tenant.statusCode());
            assertTrue(tenant.body().contains("<Code>AccessDenied</Code>"), tenant.body());
            HttpResponse<String> admin = GcHarness.signedGet(gw.endpoint(), "/metrics", "", GcHarness.ACCESS_KEY,
                    GcHarness.SECRET_KEY);
            assertEquals(200, admin.statusCode(), admin.body());
            String metrics = admin.body();
            assertTrue(metrics.contains("imagegate_storage_logical_bytes " + (double) logical)
                    || metrics.contains("imagegate_storage_logical_bytes " + String.format("%.1fE", logical / 1e6)),
                    metrics.lines().filter(l -> l.startsWith("imagegate_storage")).toList().toString());
            assertTrue(metrics.contains("imagegate_storage_dedup_ratio"));
            assertEquals(logical, gauge(metrics, "imagegate_storage_bucket_logical_bytes{bucket=\"images\"}"), 0.5);
            assertEquals(physical, gauge(metrics, "imagegate_storage_bucket_physical_bytes{bucket=\"images\"}"), 0.5);
            assertEquals(images.get("versions").asLong(),
                    gauge(metrics, "imagegate_storage_bucket_versions{bucket=\"images\"}"), 0.5);
            assertEquals(0, gauge(metrics, "imagegate_storage_bucket_logical_bytes{bucket=\"empty\"}"), 0.5);
        }
    }

    /** The value of one time series in a Prometheus scrape. */
    private static double gauge(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(series + " not in " + scrape.lines()
                        .filter(l -> l.startsWith("imagegate_storage_bucket")).toList()));
    }
}
