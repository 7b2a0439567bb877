package io.imagegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.meta.ZkAuth;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A gateway and its administration commands on an ensemble with a ZooKeeper identity: they work
 * together, and the metadata (users' secret keys among it) is closed to every other client.
 */
class ZooKeeperAuthTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run imagegate(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = ImagegateCommand.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void theGatewayAndTheCommandsShareTheIdentityAndNoOtherClientReadsTheMetadata() throws Exception {
        Path authFile = dir.resolve("zk-auth");
        Files.writeString(authFile, "imagegate:zk-password-for-tests\n");
        ZkAuth auth = ZkAuth.parse("imagegate:zk-password-for-tests");
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zk.getConnectString()).withPort(0)
                     .withZooKeeperAuth(auth).withRootCredentials("auth-root", "auth-root-secret")
                     .withGc(GcOptions.defaults().withPeriodic(false)));
             S3Client root = client(gw.endpoint(), "auth-root", "auth-root-secret");
             ZooKeeper stranger = new ZooKeeper(zk.getConnectString(), 10_000, e -> { })) {
            root.createBucket(r -> r.bucket("images"));
            root.putObject(r -> r.bucket("images").key("disk.raw"), RequestBody.fromBytes(new byte[100_000]));

            Run created = imagegate("user", "create", "ann", "--zookeeper", zk.getConnectString(),
                    "--zookeeper-auth-file", authFile.toString());
            assertEquals(0, created.exit(), created.out() + created.err());
            Matcher ak = Pattern.compile("access key: (\\S+)").matcher(created.out());
            Matcher sk = Pattern.compile("secret key: (\\S+)").matcher(created.out());
            assertTrue(ak.find() && sk.find(), created.out());
            try (S3Client ann = client(gw.endpoint(), ak.group(1), sk.group(1))) {
                ann.createBucket(r -> r.bucket("anns"));
                assertEquals(1, ann.listBuckets().buckets().size());
            }

            Run stats = imagegate("stats", "--zookeeper", zk.getConnectString(), "--zookeeper-auth-file",
                    authFile.toString(), "--data", dir.toString(), "--bucket", "images");
            assertEquals(0, stats.exit(), stats.out() + stats.err());
            assertTrue(stats.out().contains("images"), stats.out());

            Run without = imagegate("user", "list", "--zookeeper", zk.getConnectString());
            assertEquals(1, without.exit(), without.out());
            assertTrue(without.err().contains(ZkAuth.ENV) && without.err().contains("NOAUTH"), without.err());

            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getChildren("/imagegate/users", false));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData("/imagegate/buckets", false, null));
        }
    }

    private static S3Client client(URI endpoint, String accessKey, String secretKey) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(1)))
                .build();
    }
}
