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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CORS configuration set, read and removed with aws-cli (which sends Content-MD5 itself), as a tenant. */
class CorsCliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final UserRecord OPERATOR = new UserRecord("cors-operator", "AKIACORSOPERATOR0001", "cors-operator-secret-01",
            Instant.now(), false);
    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli CORS test");
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
    void aRoundTripWithAwsCli() throws Exception {
        String bucket = GatewayFixture.uniqueBucket("cors-cli");
        aws("s3api", "create-bucket", "--bucket", bucket).ok();
        Path rules = Files.writeString(home.resolve("cors.json"), """
                {"CORSRules": [{"ID": "console", "AllowedOrigins": ["https://console.example.com"],
                                "AllowedMethods": ["GET", "HEAD"], "AllowedHeaders": ["*"],
                                "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]}
                """);
        aws("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://" + rules).ok();
        JsonNode rule = JSON.readTree(aws("s3api", "get-bucket-cors", "--bucket", bucket).ok().stdout())
                .path("CORSRules").get(0);
        assertEquals("console", rule.path("ID").asText());
        assertEquals("https://console.example.com", rule.path("AllowedOrigins").get(0).asText());
        assertEquals(2, rule.path("AllowedMethods").size());
        assertEquals("*", rule.path("AllowedHeaders").get(0).asText());
        assertEquals("ETag", rule.path("ExposeHeaders").get(0).asText());
        assertEquals(600, rule.path("MaxAgeSeconds").asInt());

        aws("s3api", "delete-bucket-cors", "--bucket", bucket).ok();
        ExternalTool.Result gone = aws("s3api", "get-bucket-cors", "--bucket", bucket);
        assertNotEquals(0, gone.exit());
        assertTrue(gone.stderr().contains("NoSuchCORSConfiguration"), gone.stderr());
    }
}
