package io.imagegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.gc.GcOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** {@code imagegate gc} and {@code imagegate stats} against a running gateway's ZooKeeper and chunk directory. */
class GcCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String out) {}

    static Run imagegate(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = ImagegateCommand.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    long packFiles() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("chunks").resolve("packs"))) {
            return s.filter(p -> p.toString().endsWith(".pack")).count();
        }
    }

    @Test
    void collectsOnDemandWhileTheGatewayRunsAndADryRunChangesNothing() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             Gateway gw = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zk.getConnectString()).withPort(0)
                     .withRootCredentials("cli-root", "cli-root-secret").withGc(GcOptions.defaults().withPeriodic(false)));
             S3Client s3 = client(gw.endpoint())) {
            s3.createBucket(r -> r.bucket("images"));
            for (int i = 0; i < 3; i++) { // an unversioned key overwritten: two objects' packs are garbage
                byte[] b = new byte[200_000];
                new Random(i).nextBytes(b);
                s3.putObject(r -> r.bucket("images").key("disk.raw"), RequestBody.fromBytes(b));
            }
            String[] target = {"--zookeeper", zk.getConnectString(), "--data", dir.toString()};
            long before = packFiles();

            Run dry = imagegate(concat(new String[] {"gc", "--dry-run", "--grace", "0s"}, target));
            assertEquals(0, dry.exit(), dry.out());
            assertTrue(dry.out().contains("dry run") && dry.out().contains("packs deleted        2"), dry.out());
            assertEquals(before, packFiles());

            Run young = imagegate(concat(new String[] {"gc"}, target)); // default grace: an hour
            assertTrue(young.out().contains("packs deleted        0"), young.out());

            Run real = imagegate(concat(new String[] {"gc", "--grace", "0s", "--wait", "30s"}, target));
            assertEquals(0, real.exit(), real.out());
            assertTrue(real.out().contains("packs deleted        2"), real.out());
            assertEquals(before - 2, packFiles());
            assertEquals(200_000, s3.getObjectAsBytes(r -> r.bucket("images").key("disk.raw")).asByteArray().length);

            Run stats = imagegate(concat(new String[] {"stats", "--json"}, target));
            assertEquals(0, stats.exit(), stats.out());
            JsonNode report = new ObjectMapper().readTree(stats.out());
            assertEquals(200_000, report.get("buckets").get(0).get("logicalBytes").asLong());
            Run table = imagegate(concat(new String[] {"stats", "--bucket", "images"}, target));
            assertTrue(table.out().contains("images") && table.out().contains("DEDUP"), table.out());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("cli-root", "cli-root-secret")))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(1)))
                .build();
    }
}
