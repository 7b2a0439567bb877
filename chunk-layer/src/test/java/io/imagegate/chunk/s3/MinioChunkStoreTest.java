package io.imagegate.chunk.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.CachingChunkStore;
import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.MetricsChunkStore;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.chunk.PackId;
import io.imagegate.chunk.PackNotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against MinIO, where a container engine exists; skipped without one. */
@Testcontainers(disabledWithoutDocker = true)
class MinioChunkStoreTest {

    private static final String BUCKET = "imagegate-packs";

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2023-09-04T19-57-37Z");

    @BeforeAll
    static void createBucket() {
        try (S3Client c = S3Client.builder().endpointOverride(URI.create(MINIO.getS3URL())).region(Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MINIO.getUserName(), MINIO.getPassword()))).build()) {
            c.createBucket(b -> b.bucket(BUCKET));
        }
    }

    private static S3StoreConfig config(String prefix) {
        return S3StoreConfig.fromUri("s3://" + BUCKET + "/" + prefix, MINIO.getS3URL(), MINIO.getUserName(),
                MINIO.getPassword());
    }

    @Test
    void objectsRoundTripThroughTheFullStack() throws IOException {
        S3ChunkStore s3 = S3ChunkStore.open(config("stack/").withPartSize(5 * 1024 * 1024));
        MetricsChunkStore store = new MetricsChunkStore(new CachingChunkStore(s3));
        try (DefaultChunkRepository repo = new DefaultChunkRepository(store)) {
            byte[] data = S3RepositoryTest.random(1, 12 * 1024 * 1024 + 5);
            ManifestRoot root;
            try (ObjectWriter w = repo.newWriter(64 * 1024, DedupIndex.NONE)) {
                w.write(data, 0, data.length);
                root = w.finish();
            }
            assertTrue(s3.requests().parts() >= 3, "the pack went up as a multipart upload");
            for (int i = 0; i < 2; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                repo.read(root, 1_000_000, 3_000_000, out);
                assertArrayEquals(Arrays.copyOfRange(data, 1_000_000, 4_000_000), out.toByteArray());
            }
            assertTrue(store.stats().cacheHits() > 0);
            List<ChunkStore.PackInfo> packs;
            try (Stream<ChunkStore.PackInfo> s = s3.list()) {
                packs = s.toList();
            }
            assertEquals(1, packs.size());
            s3.delete(packs.get(0).id());
            s3.delete(packs.get(0).id());
            PackId gone = packs.get(0).id();
            assertThrows(PackNotFoundException.class, () -> s3.read(gone, 0, java.nio.ByteBuffer.allocate(1)));
        }
    }
}
