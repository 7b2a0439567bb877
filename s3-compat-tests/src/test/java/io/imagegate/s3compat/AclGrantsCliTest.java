package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The user's canonical id (what ListBuckets' Owner shows), from the store: each aws-cli run costs seconds. */
    static String canonicalId(UserRecord as) {
        return gw.gateway().meta().user(as.name()).orElseThrow().canonicalId();
    }

    @Test
    void grantFlagsAndAPolicyFileWithAwsCli() throws Exception {
        String owner = canonicalId(OWNER);
        String grantee = canonicalId(GRANTEE);
        String bucket = GatewayFixture.uniqueBucket("acl-cli");
        aws(OWNER, "s3api", "create-bucket", "--bucket", bucket).ok();
        Path file = Files.writeString(home.resolve("image.raw"), "image bytes");
        aws(OWNER, "s3api", "put-object", "--bucket", bucket, "--key", "image.raw", "--body", file.toString()).ok();

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

        // a bucket ACL from a policy file: the grantee may write, and read the ACL (AuthenticatedUsers READ_ACP)
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
        // (what the grants refuse, and the errors, are AclGrantsTest's: each aws-cli run costs seconds)
    }
}
