package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagegate.gateway.lifecycle.LifecycleReport;
import io.imagegate.gateway.lifecycle.LifecycleRunner;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The README's lifecycle rule, as an operator sets it with aws-cli (which sends Content-MD5 for this
 * call by itself), as a tenant that is not an administrator: keep the 10 newest snapshots; and what
 * it leaves, as aws-cli lists it.
 */
class LifecycleCliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final UserRecord OPERATOR = new UserRecord("lc-operator", "AKIALCOPERATOR000001", "lc-operator-secret-0001",
            Instant.now(), false);
    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli lifecycle tests");
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(OPERATOR);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    static ExternalTool.Result aws(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("aws", "--endpoint-url", gw.endpoint().toString()));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(ExternalTool.awsEnv(home));
        env.put("AWS_ACCESS_KEY_ID", OPERATOR.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", OPERATOR.secretKey());
        return ExternalTool.run(home, env, cmd);
    }

    @Test
    void keepTheTenNewestSnapshotsWithAwsCli() throws Exception {
        String bucket = "images";
        aws("s3api", "create-bucket", "--bucket", bucket).ok();
        aws("s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled").ok();
        // the file of the README, "a lifecycle rule that keeps the 10 newest snapshots"
        Path rules = Files.writeString(home.resolve("keep-10.json"), """
                {"Rules": [{"ID": "keep-10-snapshots", "Status": "Enabled", "Filter": {"Prefix": ""},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 10},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]}
                """);
        aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                "--lifecycle-configuration", "file://" + rules).ok();
        JsonNode back = JSON.readTree(aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket).ok().stdout());
        JsonNode rule = back.path("Rules").get(0);
        assertEquals("keep-10-snapshots", rule.path("ID").asText());
        assertEquals("Enabled", rule.path("Status").asText());
        assertEquals(1, rule.path("NoncurrentVersionExpiration").path("NoncurrentDays").asInt());
        assertEquals(10, rule.path("NoncurrentVersionExpiration").path("NewerNoncurrentVersions").asInt());
        assertEquals(7, rule.path("AbortIncompleteMultipartUpload").path("DaysAfterInitiation").asInt());

        // the rule at work: 13 snapshots of one image (written as the agent does, through the SDK),
        // judged two days on, leave the current one and the 10 newest before it, as aws-cli lists them
        String key = "vm-1.raw";
        List<String> ids = new ArrayList<>();
        try (S3Client s3 = gw.client(OPERATOR.accessKey(), OPERATOR.secretKey())) {
            for (int i = 0; i < 13; i++) {
                byte[] snapshot = ("snapshot " + i).repeat(100).getBytes(StandardCharsets.UTF_8);
                ids.add(s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(snapshot)).versionId());
            }
        }
        LifecycleRunner twoDaysOn = new LifecycleRunner((ZkMetadataStore) gw.gateway().meta(),
                Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC));
        LifecycleReport report = gw.gateway().garbageCollection().runLifecycle(twoDaysOn, Duration.ofSeconds(30))
                .orElseThrow();
        assertEquals(2, report.versionsExpired());
        List<String> listed = new ArrayList<>();
        JSON.readTree(aws("s3api", "list-object-versions", "--bucket", bucket).ok().stdout()).path("Versions")
                .forEach(v -> listed.add(v.path("VersionId").asText()));
        assertEquals(ids.subList(2, 13).reversed(), listed, "the current snapshot and the 10 newest before it");

        Path bad = Files.writeString(home.resolve("bad.json"), """
                {"Rules": [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 0}}]}
                """);
        ExternalTool.Result refused = aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                "--lifecycle-configuration", "file://" + bad);
        assertNotEquals(0, refused.exit());
        assertTrue(refused.stderr().contains("InvalidArgument") && refused.stderr().contains("NoncurrentDays"),
                refused.stderr());

        aws("s3api", "delete-bucket-lifecycle", "--bucket", bucket).ok();
        ExternalTool.Result gone = aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket);
        assertNotEquals(0, gone.exit());
        assertTrue(gone.stderr().contains("NoSuchLifecycleConfiguration"), gone.stderr());
    }
}
