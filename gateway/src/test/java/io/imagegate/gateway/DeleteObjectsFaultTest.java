package io.imagegate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.gateway.api.RequestParser;
import io.imagegate.gateway.auth.SigV4Config;
import io.imagegate.gateway.http.SignatureAuthenticator;
import io.imagegate.gateway.ops.Stores;
import io.imagegate.meta.StoreFaults;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * DeleteObjects answers key by key, as AWS does, when the metadata store fails in the middle of a
 * batch: the key it failed on gets its own {@code <Error>} (503 ServiceUnavailable when nothing was
 * changed, 500 InternalError when the outcome is unknown), the keys before it stay reported as
 * deleted, and the keys after it are deleted or reported, never left out of one 503 or 500 that
 * would hide a half-applied batch. A real gateway on real ZooKeeper; the store meets the fault at
 * the Nth key's ZooKeeper transaction ({@link StoreFaults}).
 */
class DeleteObjectsFaultTest {

    private static final String ACCESS_KEY = "DELETEFAULTSKEY00001";
    private static final String SECRET_KEY = "delete-objects-fault-secret-key";

    @TempDir
    Path dir;

    /** Runs {@code test} with a client of a non-admin user on a gateway whose store is {@code faults}'. */
    private void withGateway(Consumer<Fixture> test) throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            StoreFaults faults = StoreFaults.connect(zk.getConnectString());
            try (ZkMetadataStore meta = faults.store()) {
                meta.createUser(new UserRecord("ann", ACCESS_KEY, SECRET_KEY, Instant.now(), false));
                ChunkStoreOptions.Opened chunks = ChunkStoreOptions.local().open(dir);
                GatewayMetrics metrics = new GatewayMetrics(chunks.store());
                GatewayConfig config = GatewayConfig.defaults().withHost("127.0.0.1").withPort(0);
                try (GatewayServer server = GatewayServer.start(
                        new Stores(meta, new DefaultChunkRepository(chunks.store()), Clock.systemUTC(), config),
                        new SignatureAuthenticator(meta, Clock.systemUTC(), SigV4Config.defaults()
                                .withRegion("us-east-1", true), new RequestParser(List.of("localhost"))),
                        metrics, new ManagementEndpoints(meta, chunks.probe(), metrics), null);
                     S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                             .forcePathStyle(true)
                             .credentialsProvider(() -> AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))
                             .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
                    test.accept(new Fixture(faults, s3));
                }
            }
        }
    }

    private record Fixture(StoreFaults faults, S3Client s3) {

        List<String> put(String bucket, int n) {
            List<String> keys = IntStream.rangeClosed(1, n).mapToObj(i -> "disk-" + i + ".raw").toList();
            keys.forEach(k -> s3.putObject(r -> r.bucket(bucket).key(k), RequestBody.fromString(k)));
            return keys;
        }

        DeleteObjectsResponse deleteAll(String bucket, List<String> keys) {
            return s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.quiet(false)
                    .objects(keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList())));
        }

        List<String> listed(String bucket) {
            return s3.listObjectsV2(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        }
    }

    /** Error codes by key, and the keys reported deleted. */
    private static Map<String, String> errors(DeleteObjectsResponse r) {
        Map<String, String> byKey = new TreeMap<>();
        r.errors().forEach(e -> byKey.put(e.key(), e.code()));
        return byKey;
    }

    private static List<String> deleted(DeleteObjectsResponse r) {
        return r.deleted().stream().map(d -> d.key()).sorted().toList();
    }

    @Test
    void theKeyTheStoreFailsOnIsAnErrorOfItsOwnAndTheRestAreReportedNotHidden() throws Exception {
        withGateway(f -> {
            f.s3().createBucket(r -> r.bucket("batch"));
            List<String> keys = f.put("batch", 6);
            AtomicBoolean fired = f.faults().atKey("batch", keys.get(2), StoreFaults.Fault.UNREACHABLE);

            DeleteObjectsResponse r = f.deleteAll("batch", keys);

            assertTrue(fired.get(), "the fault met the third key's transaction");
            assertEquals(keys.subList(0, 2), deleted(r), "the keys before the fault were deleted, and say so");
            Map<String, String> expected = new TreeMap<>();
            keys.subList(2, 6).forEach(k -> expected.put(k, "ServiceUnavailable"));
            assertEquals(expected, errors(r), "the key the store failed on, and the keys not attempted after "
                    + "it, each with an error that says nothing was changed");
            assertEquals(keys.subList(2, 6), f.listed("batch"), "and nothing was changed for them");

            DeleteObjectsResponse again = f.deleteAll("batch", keys);
            assertEquals(keys, deleted(again), "a retry of the batch finishes it");
            assertEquals(Map.of(), errors(again));
            assertEquals(List.of(), f.listed("batch"));
        });
    }

    @Test
    void aMalformedVersionIdIsAnErrorOfThatKeyAlone() throws Exception {
        withGateway(f -> {
            f.s3().createBucket(r -> r.bucket("ids"));
            List<String> keys = f.put("ids", 3);
            DeleteObjectsResponse r = f.s3().deleteObjects(d -> d.bucket("ids").delete(x -> x.objects(
                    ObjectIdentifier.builder().key(keys.get(0)).build(),
                    ObjectIdentifier.builder().key(keys.get(1)).versionId("not-a-version-id").build(),
                    ObjectIdentifier.builder().key(keys.get(2)).build())));
            assertEquals(Map.of(keys.get(1), "InvalidArgument"), errors(r));
            assertEquals(List.of(keys.get(0), keys.get(2)), deleted(r));
            assertEquals(List.of(keys.get(1)), f.listed("ids"));
        });
    }

    @Test
    void aKeyWhoseOutcomeIsUnknownIsAnInternalErrorAndTheBatchGoesOn() throws Exception {
        withGateway(f -> {
            f.s3().createBucket(r -> r.bucket("versions"));
            f.s3().putBucketVersioning(r -> r.bucket("versions")
                    .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            List<String> keys = f.put("versions", 4);
            AtomicBoolean fired = f.faults().atKey("versions", keys.get(1), StoreFaults.Fault.COMMITTED_REPLY_LOST);

            DeleteObjectsResponse r = f.deleteAll("versions", keys);

            assertTrue(fired.get(), "the fault met the second key's transaction");
            assertEquals(Map.of(keys.get(1), "InternalError"), errors(r),
                    "the key whose delete marker may or may not have been made");
            assertEquals(List.of(keys.get(0), keys.get(2), keys.get(3)), deleted(r), "the other keys were processed");
            r.deleted().forEach(d -> assertTrue(d.deleteMarker(), d.key() + " got a delete marker"));
            assertEquals(List.of(), f.listed("versions"), "the marker of the unknown one had in fact been made");
            assertEquals(4, f.s3().listObjectVersions(v -> v.bucket("versions")).deleteMarkers().size());
        });
    }
}
