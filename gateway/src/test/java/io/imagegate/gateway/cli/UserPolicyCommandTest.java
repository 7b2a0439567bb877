package io.imagegate.gateway.cli;

import static io.imagegate.gateway.cli.ZooKeeperAuthTest.imagegate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.gc.GcOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code imagegate user policy set|get|delete} against a running gateway: the policy set applies to
 * the user's next request, a bad document is refused with AWS's message naming the file, and the
 * policy follows the user, not its name.
 */
class UserPolicyCommandTest {

    @TempDir
    Path dir;

    @Test
    void aPolicySetGetAndDeletedByTheCommandGovernsTheUsersRequests() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zk.getConnectString()).withPort(0)
                     .withRootCredentials("cli-root", "cli-root-secret").withGc(GcOptions.defaults().withPeriodic(false)))) {
            String zkArg = zk.getConnectString();
            assertEquals(0, imagegate("user", "create", "owner", "--access-key", "OWNERKEY", "--secret-key",
                    "owner-secret", "--zookeeper", zkArg).exit());
            assertEquals(0, imagegate("user", "create", "node", "--access-key", "NODEKEY", "--secret-key",
                    "node-secret", "--zookeeper", zkArg).exit());
            try (S3Client owner = client(gw.endpoint(), "OWNERKEY", "owner-secret");
                 S3Client node = client(gw.endpoint(), "NODEKEY", "node-secret")) {
                owner.createBucket(r -> r.bucket("images"));
                owner.putObject(r -> r.bucket("images").key("images/base.raw"), RequestBody.fromString("base"));
                assertEquals(403, assertThrows(S3Exception.class,
                        () -> node.getObject(r -> r.bucket("images").key("images/base.raw"))).statusCode());

                Path file = dir.resolve("node-policy.json");
                String text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::images/images/*\"}]}";
                Files.writeString(file, text);
                var set = imagegate("user", "policy", "set", "node", file.toString(), "--zookeeper", zkArg);
                assertEquals(0, set.exit(), set.out() + set.err());
                var got = imagegate("user", "policy", "get", "node", "--zookeeper", zkArg);
                assertEquals(0, got.exit(), got.err());
                assertEquals(text, got.out().strip());
                assertEquals("base", awaitReadable(node, "images/base.raw"));

                Path bad = dir.resolve("bad.json");
                Files.writeString(bad, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}");
                var refused = imagegate("user", "policy", "set", "node", bad.toString(), "--zookeeper", zkArg);
                assertEquals(1, refused.exit());
                assertTrue(refused.err().contains("MalformedPolicy: Policy document should not specify a principal.")
                        && refused.err().contains(bad.toString()), refused.err());
                assertEquals(text, imagegate("user", "policy", "get", "node", "--zookeeper", zkArg).out().strip(),
                        "a refused document changes nothing");
                var nobody = imagegate("user", "policy", "set", "nobody", file.toString(), "--zookeeper", zkArg);
                assertEquals(1, nobody.exit());
                assertTrue(nobody.err().contains("no user named nobody"), nobody.err());

                var deleted = imagegate("user", "policy", "delete", "node", "--zookeeper", zkArg);
                assertEquals(0, deleted.exit(), deleted.err());
                assertEquals(1, imagegate("user", "policy", "get", "node", "--zookeeper", zkArg).exit());
                assertEquals(403, awaitRefused(node, "images/base.raw"));
            }

            // the policy belongs to the user: deleted with it, not inherited by a user created under its name
            Path file = dir.resolve("again.json");
            Files.writeString(file, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                    + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::images/*\"}]}");
            assertEquals(0, imagegate("user", "policy", "set", "node", file.toString(), "--zookeeper", zkArg).exit());
            assertEquals(0, imagegate("user", "delete", "node", "--zookeeper", zkArg).exit());
            assertEquals(0, imagegate("user", "create", "node", "--access-key", "NODEKEY2", "--secret-key",
                    "node-secret2", "--zookeeper", zkArg).exit());
            assertEquals(1, imagegate("user", "policy", "get", "node", "--zookeeper", zkArg).exit());
            try (S3Client again = client(gw.endpoint(), "NODEKEY2", "node-secret2")) {
                assertEquals(403, assertThrows(S3Exception.class,
                        () -> again.getObject(r -> r.bucket("images").key("images/base.raw"))).statusCode());
            }
        }
    }

    /** {@code user create --email}: ACL grants by that address name the user, once the gateway's mirror has it. */
    @Test
    void aUserCreatedWithAnEmailAddressIsNamedByGrantsToIt() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zk.getConnectString()).withPort(0)
                     .withRootCredentials("cli-root", "cli-root-secret").withGc(GcOptions.defaults().withPeriodic(false)))) {
            String zkArg = zk.getConnectString();
            assertEquals(0, imagegate("user", "create", "owner", "--access-key", "OWNERKEY", "--secret-key",
                    "owner-secret", "--zookeeper", zkArg).exit());
            assertEquals(0, imagegate("user", "create", "reader", "--access-key", "READERKEY", "--secret-key",
                    "reader-secret", "--email", "reader@example.com", "--zookeeper", zkArg).exit());
            assertEquals(1, imagegate("user", "create", "bad", "--email", "no address", "--zookeeper", zkArg).exit());
            try (S3Client owner = client(gw.endpoint(), "OWNERKEY", "owner-secret");
                 S3Client reader = client(gw.endpoint(), "READERKEY", "reader-secret")) {
                owner.createBucket(r -> r.bucket("images"));
                owner.putObject(r -> r.bucket("images").key("shared.raw"), RequestBody.fromString("shared"));
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (true) {
                    try {
                        owner.putObjectAcl(r -> r.bucket("images").key("shared.raw")
                                .grantRead("emailAddress=\"reader@example.com\""));
                        break;
                    } catch (S3Exception e) {
                        // UnresolvableGrantByEmailAddress until the mirror has the user
                        if (e.statusCode() != 400 || System.nanoTime() > end) {
                            throw e;
                        }
                        Thread.sleep(20);
                    }
                }
                assertEquals("shared", reader.getObjectAsBytes(r -> r.bucket("images").key("shared.raw")).asUtf8String());
            }
        }
    }

    /** The command wrote through its own store; the gateway's mirror takes it when its watch fires. */
    private static String awaitReadable(S3Client c, String key) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return c.getObjectAsBytes(r -> r.bucket("images").key(key)).asUtf8String();
            } catch (S3Exception e) {
                if (e.statusCode() != 403 || System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static int awaitRefused(S3Client c, String key) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                c.getObjectAsBytes(r -> r.bucket("images").key(key));
            } catch (S3Exception e) {
                return e.statusCode();
            }
            if (System.nanoTime() > end) {
                return 200;
            }
            Thread.sleep(20);
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
