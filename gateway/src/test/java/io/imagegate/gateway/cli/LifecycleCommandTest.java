package io.imagegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

/** {@code imagegate lifecycle --dry-run / --run} against a running gateway's ZooKeeper and chunk directory. */
class LifecycleCommandTest {

    @TempDir
    Path dir;

    @Test
    void aDryRunTellsEachRulesRemovalsAndARunAppliesThemNow() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zk.getConnectString()).withPort(0)
                     .withRootCredentials("cli-root", "cli-root-secret").withGc(GcOptions.defaults().withPeriodic(false)))) {
            gw.meta().createUser(new UserRecord("tenant", "AKIALCCLITENANT00001", "tenant-secret-0001", Instant.now(), false));
            try (S3Client s3 = client(gw.endpoint())) {
                s3.createBucket(r -> r.bucket("images"));
                s3.putBucketVersioning(r -> r.bucket("images").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
                byte[] image = new byte[300_000];
                Random random = new Random(7);
                random.nextBytes(image);
                for (int i = 0; i < 4; i++) { // four snapshots, each changing its first 1000 bytes
                    byte[] head = new byte[1000];
                    random.nextBytes(head);
                    System.arraycopy(head, 0, image, 0, head.length);
                    byte[] body = image.clone();
                    s3.putObject(r -> r.bucket("images").key("vm.raw"), RequestBody.fromBytes(body));
                }
                s3.putBucketLifecycleConfiguration(r -> r.bucket("images").lifecycleConfiguration(c -> c.rules(
                        LifecycleRule.builder().id("keep-1").status(ExpirationStatus.ENABLED).filter(f -> f.prefix(""))
                                .noncurrentVersionExpiration(n -> n.noncurrentDays(1).newerNoncurrentVersions(1)).build())));
            }
            String[] target = {"--zookeeper", zk.getConnectString(), "--data", dir.toString()};
            String at = Instant.now().plus(Duration.ofDays(3)).toString();

            var dry = GcCommandTest.imagegate(concat(new String[] {"lifecycle", "--dry-run", "--bucket", "images", "--at", at}, target));
            assertEquals(0, dry.exit(), dry.out());
            Matcher line = Pattern.compile("images\\s+keep-1\\s+2\\s+0\\s+0\\s+0\\s+600000\\s+(\\d+)").matcher(dry.out());
            assertTrue(line.find(), dry.out());
            long physical = Long.parseLong(line.group(1));
            // each expired version alone holds one 64 KiB chunk (its first) and its manifest page
            assertTrue(physical >= 2 * 65536 && physical < 2 * 65536 + 8192, dry.out());

            var now = GcCommandTest.imagegate(concat(new String[] {"lifecycle", "--run"}, target));
            assertEquals(0, now.exit(), now.out());
            assertTrue(now.out().contains("total: 0 versions expired"), now.out()); // nothing is a day old yet
            var refused = GcCommandTest.imagegate(concat(new String[] {"lifecycle", "--run", "--at", at}, target));
            assertEquals(2, refused.exit());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIALCCLITENANT00001",
                        "tenant-secret-0001")))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(1)))
                .build();
    }
}
