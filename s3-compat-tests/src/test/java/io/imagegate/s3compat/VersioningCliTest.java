package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots as an operator handles them with plain aws-cli: put-bucket-versioning,
 * list-object-versions, get-object --version-id, delete-object with and without --version-id,
 * and restoring an old version with copy-object.
 */
class VersioningCliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli versioning tests");
        gw = GatewayFixture.start();
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
        return ExternalTool.run(home, ExternalTool.awsEnv(home), cmd);
    }

    static JsonNode awsJson(String... args) throws Exception {
        String out = aws(args).ok().stdout();
        return out.isBlank() ? JSON.createObjectNode() : JSON.readTree(out);
    }

    static String putSnapshot(String bucket, String key, String content) throws Exception {
        Path body = Files.writeString(home.resolve("snapshot.txt"), content);
        return awsJson("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", body.toString())
                .path("VersionId").asText();
    }

    static String read(String bucket, String key, String versionId) throws Exception {
        Path out = home.resolve("read.txt");
        List<String> args = new ArrayList<>(List.of("s3api", "get-object", "--bucket", bucket, "--key", key));
        if (versionId != null) {
            args.addAll(List.of("--version-id", versionId));
        }
        args.add(out.toString());
        aws(args.toArray(String[]::new)).ok();
        return Files.readString(out);
    }

    @Test
    void operatorListsReadsRestoresAndDeletesSnapshots() throws Exception {
        String b = "cli-snapshots";
        aws("s3api", "create-bucket", "--bucket", b).ok();
        aws("s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Enabled").ok();
        assertEquals("Enabled", awsJson("s3api", "get-bucket-versioning", "--bucket", b).path("Status").asText());

        String v1 = putSnapshot(b, "vm/disk.raw", "snapshot one");
        String v2 = putSnapshot(b, "vm/disk.raw", "snapshot two");
        String v3 = putSnapshot(b, "vm/disk.raw", "snapshot three");
        assertEquals(3, List.of(v1, v2, v3).stream().distinct().count());

        JsonNode listed = awsJson("s3api", "list-object-versions", "--bucket", b, "--prefix", "vm/");
        List<String> ids = new ArrayList<>();
        listed.path("Versions").forEach(v -> ids.add(v.path("VersionId").asText()));
        assertEquals(List.of(v3, v2, v1), ids);
        assertTrue(listed.path("Versions").get(0).path("IsLatest").asBoolean());

        assertEquals("snapshot one", read(b, "vm/disk.raw", v1));
        assertEquals("snapshot three", read(b, "vm/disk.raw", null));

        // restore snapshot one as the newest version
        JsonNode copy = awsJson("s3api", "copy-object", "--bucket", b, "--key", "vm/disk.raw",
                "--copy-source", b + "/vm/disk.raw?versionId=" + v1);
        String restored = copy.path("VersionId").asText();
        assertNotEquals(v1, restored);
        assertEquals("snapshot one", read(b, "vm/disk.raw", null));

        // delete a snapshot for good
        JsonNode purge = awsJson("s3api", "delete-object", "--bucket", b, "--key", "vm/disk.raw", "--version-id", v2);
        assertEquals(v2, purge.path("VersionId").asText());
        ExternalTool.Result gone = aws("s3api", "get-object", "--bucket", b, "--key", "vm/disk.raw", "--version-id", v2,
                home.resolve("x").toString());
        assertTrue(gone.exit() != 0);
        assertTrue(gone.stderr().contains("NoSuchVersion"), gone.stderr());

        // delete the object: a marker; delete the marker: back again
        JsonNode marker = awsJson("s3api", "delete-object", "--bucket", b, "--key", "vm/disk.raw");
        assertTrue(marker.path("DeleteMarker").asBoolean(), marker.toString());
        ExternalTool.Result hidden = aws("s3api", "get-object", "--bucket", b, "--key", "vm/disk.raw",
                home.resolve("x").toString());
        assertTrue(hidden.stderr().contains("NoSuchKey"), hidden.stderr());
        JsonNode withMarker = awsJson("s3api", "list-object-versions", "--bucket", b);
        assertEquals(1, withMarker.path("DeleteMarkers").size());
        assertEquals(3, withMarker.path("Versions").size());
        awsJson("s3api", "delete-object", "--bucket", b, "--key", "vm/disk.raw", "--version-id",
                marker.path("VersionId").asText());
        assertEquals("snapshot one", read(b, "vm/disk.raw", null));
        String ls = aws("s3", "ls", "s3://" + b + "/vm/").ok().stdout();
        assertTrue(ls.contains("disk.raw"), ls);
    }

    @Test
    void listObjectVersionsPaginatesInTheCli() throws Exception {
        String b = "cli-paging";
        aws("s3api", "create-bucket", "--bucket", b).ok();
        aws("s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Enabled").ok();
        for (int i = 0; i < 7; i++) {
            putSnapshot(b, "k" + (i % 3), "v" + i);
        }
        // the cli follows NextKeyMarker/NextVersionIdMarker itself, two entries a page
        JsonNode all = awsJson("s3api", "list-object-versions", "--bucket", b, "--page-size", "2");
        assertEquals(7, all.path("Versions").size());
        JsonNode first = awsJson("s3api", "list-object-versions", "--bucket", b, "--max-items", "3");
        assertEquals(3, first.path("Versions").size());
        assertTrue(first.has("NextToken"), first.toString());
    }
}
