package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.EmbeddedZooKeeper;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.ZkMetadataStore;
import io.imagegate.meta.ZkStoreConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A gateway process (embedded ZooKeeper, local chunks) killed with SIGKILL at any moment of an
 * upload restarts with either the old object or the complete new one visible, never a mixture.
 */
class CrashRecoveryTest {

    @TempDir
    Path data;

    @Test
    void killedMidUploadRestartsWithOldOrCompleteNewObject() throws Exception {
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        byte[] old = random(3 * 1024 * 1024, 1);
        Process gateway = startGateway(port);
        try (S3Client s3 = GatewayFixture.client(endpoint)) {
            s3.createBucket(r -> r.bucket("crash"));
            s3.putObject(r -> r.bucket("crash").key("disk"), RequestBody.fromBytes(old));
        }
        Random random = new Random(7);
        for (int round = 0; round < 6; round++) {
            byte[] fresh = random(8 * 1024 * 1024 + round, 100 + round);
            byte[] before;
            try (S3Client s3 = GatewayFixture.client(endpoint)) {
                before = s3.getObjectAsBytes(r -> r.bucket("crash").key("disk")).asByteArray();
                CompletableFuture<Void> upload = CompletableFuture.runAsync(() ->
                        s3.putObject(r -> r.bucket("crash").key("disk"), RequestBody.fromBytes(fresh)));
                Thread.sleep(random.nextInt(400));
                gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                upload.handle((ok, err) -> null).join();
            }
            gateway = startGateway(port);
            try (S3Client s3 = GatewayFixture.client(endpoint)) {
                var got = s3.getObjectAsBytes(r -> r.bucket("crash").key("disk"));
                byte[] now = got.asByteArray();
                boolean isOld = java.util.Arrays.equals(now, before);
                boolean isNew = java.util.Arrays.equals(now, fresh);
                assertTrue(isOld || isNew, "round " + round + ": neither the old nor the new object (" + now.length + " bytes)");
                assertEquals("\"" + md5(now) + "\"", got.response().eTag(), "ETag matches the bytes served");
            }
        }
        try (S3Client s3 = GatewayFixture.client(endpoint)) {
            s3.putObject(r -> r.bucket("crash").key("after"), RequestBody.fromBytes(old));
            assertArrayEquals(old, s3.getObjectAsBytes(r -> r.bucket("crash").key("after")).asByteArray());
        } finally {
            gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void killedBeforeFirstWriteCompletesShowsNoObject() throws Exception {
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Process gateway = startGateway(port);
        try (S3Client s3 = GatewayFixture.client(endpoint)) {
            s3.createBucket(r -> r.bucket("crash"));
        }
        RawHttp raw = new RawHttp(endpoint);
        byte[] body = random(4 * 1024 * 1024, 9);
        CompletableFuture<Void> slow = CompletableFuture.runAsync(() -> {
            try {
                raw.dropMidBody("PUT", "/crash/partial", body, 2 * 1024 * 1024);
            } catch (IOException e) {
                // the server died under us: expected
            }
        });
        Thread.sleep(100);
        gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        slow.join();
        gateway = startGateway(port);
        try (S3Client s3 = GatewayFixture.client(endpoint)) {
            org.junit.jupiter.api.Assertions.assertThrows(NoSuchKeyException.class,
                    () -> s3.headObject(r -> r.bucket("crash").key("partial")));
            assertEquals(0, s3.listObjectsV2(r -> r.bucket("crash")).keyCount());
        } finally {
            gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process startGateway(int port) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the packaged jar is what users run (the reactor builds it before this module's tests)
        Path jar = Path.of("..", "gateway", "target", "imagegate.jar");
        List<String> launch = Files.exists(jar) ? List.of("-jar", jar.toString())
                : List.of("-cp", System.getProperty("java.class.path"), "io.imagegate.gateway.cli.ImagegateCommand");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(launch);
        command.addAll(List.of("serve", "--data", data.toString(), "--port", String.valueOf(port), "--host", "127.0.0.1"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("IMAGEGATE_ACCESS_KEY", GatewayFixture.ACCESS_KEY);
        pb.environment().put("IMAGEGATE_SECRET_KEY", GatewayFixture.SECRET_KEY);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("gateway.log").toFile()));
        Process p = pb.start();
        for (int i = 0; i < 600; i++) {
            if (!p.isAlive()) {
                throw new IllegalStateException("gateway exited: " + Files.readString(data.resolve("gateway.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                // the tests act as the non-admin tenant, created in the gateway's embedded ZooKeeper
                // as `imagegate user create` does while a gateway runs
                try (EmbeddedZooKeeper.Connection zk = EmbeddedZooKeeper.attach(data.resolve("zookeeper"));
                     MetadataStore meta = ZkMetadataStore.connect(zk.connectString(), ZkStoreConfig.defaults())) {
                    GatewayFixture.ensureTenant(meta);
                }
                return p;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("gateway did not start: " + Files.readString(data.resolve("gateway.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }
}
