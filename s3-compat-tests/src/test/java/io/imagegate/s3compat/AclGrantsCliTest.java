package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagegate.meta.UserRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Explicit grants with aws-cli, as two non-admin users: {@code --grant-*} flags and {@code --access-control-policy}. */
class AclGrantsCliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final UserRecord OWNER = new UserRecord("cli-acl-owner", "AKIACLIACLOWNER00001", "cli-acl-owner-secret-01",
            null, false);
    static final UserRecord GRANTEE = new UserRecord("cli-acl-grantee", "AKIACLIACLGRANTEE001", "cli-acl-grantee-secret-1",
            null, false);
    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli ACL grant test");
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(OWNER);
        gw.gateway().meta().createUser(GRANTEE);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    static ExternalTool.Result aws(UserRecord as, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("aws", "--endpoint-url", gw.endpoint().toString()));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(ExternalTool.awsEnv(home));
        env.put("AWS_ACCESS_KEY_ID", as.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", as.secretKey());
        return ExternalTool.run(home, env, cmd);
    }

    static String canonicalId(UserRecord as) throws Exception {
        return JSON.readTree(aws(as, "s3api", "list-buckets").ok().stdout()).path("Owner").path("ID").asText();
    }

    @Test
    void grantFlagsAndAPolicyFileWithAwsCli() throws Exception {
        String owner = canonicalId(OWNER);
        String grantee = canonicalId(GRANTEE);
        String bucket = GatewayFixture.uniqueBucket("acl-cli");
        aws(OWNER, "s3api", "create-bucket", "--bucket", bucket).ok();
        Path file = Files.writeString(home.resolve("image.raw"), "image bytes");
        aws(OWNER, "s3api", "put-object", "--bucket", bucket, "--key", "image.raw", "--body", file.toString()).ok();
        ExternalTool.Result denied = aws(GRANTEE, "s3api", "get-object", "--bucket", bucket, "--key", "image.raw",
                home.resolve("out").toString());
        assertNotEquals(0, denied.exit());
        assertTrue(denied.stderr().contains("AccessDenied"), denied.stderr());

        // --grant-read id=... (aws-cli sends it unquoted), then the grantee reads
        aws(OWNER, "s3api", "put-object-acl", "--bucket", bucket, "--key", "image.raw", "--grant-read", "id=" + grantee,
                "--grant-full-control", "id=" + owner).ok();
        aws(GRANTEE, "s3api", "get-object", "--bucket", bucket, "--key", "image.raw", home.resolve("out").toString()).ok();
        assertEquals("image bytes", Files.readString(home.resolve("out")));
        JsonNode grants = JSON.readTree(aws(OWNER, "s3api", "get-object-acl", "--bucket", bucket, "--key", "image.raw")
                .ok().stdout()).path("Grants");
        assertEquals(2, grants.size(), grants.toString());
        assertEquals(grantee, grants.get(0).path("Grantee").path("ID").asText());
        assertEquals("CanonicalUser", grants.get(0).path("Grantee").path("Type").asText());
        assertEquals("READ", grants.get(0).path("Permission").asText());
        assertEquals("cli-acl-grantee", grants.get(0).path("Grantee").path("DisplayName").asText());
        assertEquals("FULL_CONTROL", grants.get(1).path("Permission").asText());
        // READ is not READ_ACP
        ExternalTool.Result noAcp = aws(GRANTEE, "s3api", "get-object-acl", "--bucket", bucket, "--key", "image.raw");
        assertNotEquals(0, noAcp.exit());
        assertTrue(noAcp.stderr().contains("AccessDenied"), noAcp.stderr());

        // a bucket ACL from a policy file: the grantee may write, and lists nothing
        Path policy = Files.writeString(home.resolve("acl.json"), """
                {"Owner": {"ID": "%s"},
                 "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "%s"}, "Permission": "WRITE"},
                            {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
                             "Permission": "READ_ACP"}]}
                """.formatted(owner, grantee));
        aws(OWNER, "s3api", "put-bucket-acl", "--bucket", bucket, "--access-control-policy", "file://" + policy).ok();
        aws(GRANTEE, "s3api", "put-object", "--bucket", bucket, "--key", "from-grantee", "--body", file.toString()).ok();
        JsonNode bucketGrants = JSON.readTree(aws(GRANTEE, "s3api", "get-bucket-acl", "--bucket", bucket).ok().stdout())
                .path("Grants");
        assertEquals("WRITE", bucketGrants.get(0).path("Permission").asText());
        assertEquals("Group", bucketGrants.get(1).path("Grantee").path("Type").asText());
        ExternalTool.Result noList = aws(GRANTEE, "s3api", "list-objects-v2", "--bucket", bucket);
        assertNotEquals(0, noList.exit());
        assertTrue(noList.stderr().contains("AccessDenied"), noList.stderr());

        // a canned ACL and a grant at once: S3's InvalidRequest
        ExternalTool.Result both = aws(OWNER, "s3api", "put-object-acl", "--bucket", bucket, "--key", "image.raw",
                "--acl", "private", "--grant-read", "id=" + grantee);
        assertNotEquals(0, both.exit());
        assertTrue(both.stderr().contains("InvalidRequest"), both.stderr());
        // an id no user has: InvalidArgument
        ExternalTool.Result unknown = aws(OWNER, "s3api", "put-object-acl", "--bucket", bucket, "--key", "image.raw",
                "--grant-read", "id=" + "0".repeat(64));
        assertNotEquals(0, unknown.exit());
        assertTrue(unknown.stderr().contains("InvalidArgument"), unknown.stderr());
    }
}
