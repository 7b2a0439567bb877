package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real aws-cli with its default settings (multipart, checksums, streaming signatures):
 * cp of 100 MiB up and down, ls, sync, and s3api calls (bucket policies among them).
 */
class AwsCliTest {

    static GatewayFixture gw;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalTool.onPath("aws"), "aws-cli is not installed: skipping the aws-cli tests");
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
        Map<String, String> env = ExternalTool.awsEnv(home);
        return ExternalTool.run(home, env, cmd);
    }

    @Test
    void copiesHundredMebibytesUpAndDownByteForByte() throws Exception {
        Path src = home.resolve("disk.raw");
        byte[] block = new byte[1024 * 1024];
        Random random = new Random(42);
        try (var out = Files.newOutputStream(src)) {
            for (int i = 0; i < 100; i++) {
                if (i % 10 == 3) {
                    java.util.Arrays.fill(block, (byte) 0);
                } else {
                    random.nextBytes(block);
                }
                out.write(block);
            }
        }
        aws("s3", "mb", "s3://cli-images").ok();
        aws("s3", "cp", src.toString(), "s3://cli-images/disk.raw").ok();
        Path back = home.resolve("back.raw");
        aws("s3", "cp", "s3://cli-images/disk.raw", back.toString()).ok();
        assertEquals(Files.size(src), Files.size(back));
        assertArrayEquals(sha256(src), sha256(back));

        String ls = aws("s3", "ls", "s3://cli-images/").ok().stdout();
        assertTrue(ls.contains("104857600 disk.raw"), ls);
    }

    @Test
    void syncUploadsOnlyWhatChanged() throws Exception {
        Path dir = Files.createDirectories(home.resolve("tree"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(dir.resolve("f" + i + ".txt"), "file " + i);
        }
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/nested.txt"), "nested");
        aws("s3", "mb", "s3://cli-sync").ok();
        String first = aws("s3", "sync", dir.toString(), "s3://cli-sync/tree").ok().stdout();
        assertEquals(6, first.lines().filter(l -> l.contains("upload:")).count(), first);
        Files.writeString(dir.resolve("f2.txt"), "file 2 changed");
        String second = aws("s3", "sync", dir.toString(), "s3://cli-sync/tree").ok().stdout();
        assertEquals(1, second.lines().filter(l -> l.contains("upload:")).count(), second);
        Path down = home.resolve("down");
        aws("s3", "sync", "s3://cli-sync/tree", down.toString()).ok();
        assertEquals("nested", Files.readString(down.resolve("sub/nested.txt")));
        assertEquals("file 2 changed", Files.readString(down.resolve("f2.txt")));
    }

    @Test
    void s3apiCallsWork() throws Exception {
        aws("s3api", "create-bucket", "--bucket", "cli-api").ok();
        Path body = home.resolve("body.txt");
        Files.writeString(body, "api body");
        String put = aws("s3api", "put-object", "--bucket", "cli-api", "--key", "dir/a b.txt", "--body", body.toString(),
                "--metadata", "k=v").ok().stdout();
        assertTrue(put.contains("ETag"), put);
        String head = aws("s3api", "head-object", "--bucket", "cli-api", "--key", "dir/a b.txt").ok().stdout();
        assertTrue(head.contains("\"k\": \"v\""), head);
        String list = aws("s3api", "list-objects-v2", "--bucket", "cli-api", "--prefix", "dir/").ok().stdout();
        assertTrue(list.contains("dir/a b.txt"), list);
        Path out = home.resolve("got.txt");
        aws("s3api", "get-object", "--bucket", "cli-api", "--key", "dir/a b.txt", "--range", "bytes=4-7", out.toString()).ok();
        assertEquals("body", Files.readString(out));
        ExternalTool.Result missing = aws("s3api", "get-object", "--bucket", "cli-api", "--key", "nope", out.toString());
        assertTrue(missing.exit() != 0, "a missing key fails the command");
        assertTrue(missing.stderr().contains("NoSuchKey"), missing.stderr());
        aws("s3api", "delete-object", "--bucket", "cli-api", "--key", "dir/a b.txt").ok();
        aws("s3api", "delete-bucket", "--bucket", "cli-api").ok();
    }

    @Test
    void bucketPoliciesThroughS3api() throws Exception {
        aws("s3api", "create-bucket", "--bucket", "cli-policy").ok();
        Path body = home.resolve("public.txt");
        Files.writeString(body, "public body");
        aws("s3api", "put-object", "--bucket", "cli-policy", "--key", "public/a.txt", "--body", body.toString()).ok();
        ExternalTool.Result none = aws("s3api", "get-bucket-policy", "--bucket", "cli-policy");
        assertTrue(none.exit() != 0 && none.stderr().contains("NoSuchBucketPolicy"), none.stderr());
        java.net.URI object = gw.endpoint().resolve("/cli-policy/public/a.txt");
        var http = java.net.http.HttpClient.newHttpClient();
        var anonymous = java.net.http.HttpRequest.newBuilder(object).GET().build();
        assertEquals(403, http.send(anonymous, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());

        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PublicPrefix\",\"Effect\":\"Allow\","
                + "\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::cli-policy/public/*\"}]}";
        Path file = home.resolve("policy.json");
        Files.writeString(file, policy);
        aws("s3api", "put-bucket-policy", "--bucket", "cli-policy", "--policy", "file://" + file).ok();
        String got = aws("s3api", "get-bucket-policy", "--bucket", "cli-policy", "--query", "Policy", "--output", "text")
                .ok().stdout().strip();
        assertEquals(policy, got);
        var read = http.send(anonymous, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, read.statusCode());
        assertEquals("public body", read.body());

        Files.writeString(file, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
                + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::another-bucket/*\"}]}");
        ExternalTool.Result bad = aws("s3api", "put-bucket-policy", "--bucket", "cli-policy", "--policy", "file://" + file);
        assertTrue(bad.exit() != 0 && bad.stderr().contains("MalformedPolicy")
                && bad.stderr().contains("Policy has invalid resource"), bad.stderr());

        aws("s3api", "delete-bucket-policy", "--bucket", "cli-policy").ok();
        assertEquals(403, http.send(anonymous, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    static byte[] sha256(Path p) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
