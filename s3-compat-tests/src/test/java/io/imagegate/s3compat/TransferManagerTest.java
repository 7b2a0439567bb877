package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/** The S3 Transfer Manager over the CRT-based async client: parallel multipart upload and ranged download. */
class TransferManagerTest {

    static GatewayFixture gw;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        gw.client().createBucket(r -> r.bucket("transfer-manager"));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    @Test
    void uploadsAndDownloadsFortyMebibytesInParts() throws Exception {
        byte[] data = new byte[40 * 1024 * 1024 + 123];
        new Random(3).nextBytes(data);
        Path src = dir.resolve("src.bin");
        Files.write(src, data);
        try (S3AsyncClient crt = S3AsyncClient.crtBuilder()
                .endpointOverride(gw.endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(GatewayFixture.TENANT_ACCESS_KEY, GatewayFixture.TENANT_SECRET_KEY)))
                .minimumPartSizeInBytes(8L * 1024 * 1024)
                .build();
             S3TransferManager tm = S3TransferManager.builder().s3Client(crt).build()) {
            tm.uploadFile(u -> u.source(src).putObjectRequest(p -> p.bucket("transfer-manager").key("big.bin"))).completionFuture().join();
            Path back = dir.resolve("back.bin");
            tm.downloadFile(d -> d.destination(back).getObjectRequest(g -> g.bucket("transfer-manager").key("big.bin")))
                    .completionFuture().join();
            assertArrayEquals(data, Files.readAllBytes(back));
        }
    }
}
