package io.imagegate.agent.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.agent.GatewayFixture;
import io.imagegate.meta.UserRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The agent's range reads against a real gateway: presigned URLs, and what happens when the keys behind them change. */
class S3AccessTest {

    private static GatewayFixture gateway;
    private static final byte[] DATA = new byte[300_000];
    private static final ObjectRef REF = new ObjectRef("ranges", "disk.raw", null);

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start();
        new Random(7).nextBytes(DATA);
        try (S3Client s3 = gateway.client()) {
            s3.createBucket(b -> b.bucket(REF.bucket()));
            s3.putObject(b -> b.bucket(REF.bucket()).key(REF.key()), RequestBody.fromBytes(DATA));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static S3Access access(AwsCredentialsProvider credentials) {
        return new S3Access(new S3Endpoint(gateway.endpoint(), "us-east-1", null, null, null), credentials, 4,
                Duration.ofSeconds(30));
    }

    @Test
    void rangesComeFromOnePresignedUrlAndAreExact() throws Exception {
        try (S3Access s3 = access(() -> AwsBasicCredentials.create(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY))) {
            for (int first : new int[] {0, 65_536, 123_457, DATA.length - 10}) {
                int length = Math.min(70_000, DATA.length - first);
                assertArrayEquals(Arrays.copyOfRange(DATA, first, first + length), s3.getRange(REF, null, first, length));
            }
        }
    }

    @Test
    void aUrlSignedWithKeysThatWereRevokedIsSignedAgainWithTheNewOnes() throws Exception {
        var meta = gateway.gateway().meta();
        meta.createUser(new UserRecord("rotating-1", "IGROTATINGKEY0000001", "first/secret/of/the/rotation/00001",
                Instant.now(), true));
        AtomicReference<AwsCredentials> current = new AtomicReference<>(
                AwsBasicCredentials.create("IGROTATINGKEY0000001", "first/secret/of/the/rotation/00001"));
        try (S3Access s3 = access(current::get)) {
            assertArrayEquals(Arrays.copyOfRange(DATA, 10, 1010), s3.getRange(REF, null, 10, 1000));

            // the key is revoked and a new one issued, as a credentials provider would rotate them
            meta.createUser(new UserRecord("rotating-2", "IGROTATINGKEY0000002", "second/secret/of/the/rotation/0002",
                    Instant.now(), true));
            meta.deleteUser("rotating-1");
            try (S3Access old = access(() -> AwsBasicCredentials.create("IGROTATINGKEY0000001",
                    "first/secret/of/the/rotation/00001"))) {
                awaitRefused(old);
            }
            current.set(AwsBasicCredentials.create("IGROTATINGKEY0000002", "second/secret/of/the/rotation/0002"));

            // the cached URL still carries the revoked key: refused, signed again, served
            assertArrayEquals(Arrays.copyOfRange(DATA, 2000, 3000), s3.getRange(REF, null, 2000, 1000));
        }
    }

    @Test
    void keysThatAreRefusedAfterSigningAgainFailWith403() {
        try (S3Access s3 = access(() -> AwsBasicCredentials.create(GatewayFixture.ACCESS_KEY, "not/the/secret"))) {
            RemoteException e = assertThrows(RemoteException.class, () -> s3.getRange(REF, null, 0, 100));
            assertEquals(403, e.status());
        }
    }

    /** Waits until the gateway refuses the revoked key (users reach every gateway through a watch). */
    private static void awaitRefused(S3Access old) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                old.getRange(REF, null, 0, 1);
            } catch (RemoteException e) {
                assertEquals(403, e.status(), e.getMessage());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the gateway still accepts a deleted user's key after 10 s");
            }
            Thread.sleep(50);
        }
    }
}
