package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.agent.cli.AgentCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The commands as an operator types them, against a running agent found through its control socket. */
class CommandLineTest {

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = AgentCommand.commandLine().execute(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void attachSnapshotStatusAndDetachThroughTheControlSocket(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        try (S3ProxyFixture store = S3ProxyFixture.inMemory(); S3Client s3 = store.client();
             Agent agent = Agent.start(AgentHarness.config(dir).withMetrics("127.0.0.1:0"))) {
            Images.bucket(s3, "cli", true);
            byte[] image = Images.disk(3 * 1024 * 1024, 7);
            String v1 = Images.put(s3, "cli", "images/debian 12.raw", image);
            String control = dir.resolve("control.sock").toString();
            // credentials as the AWS CLI finds them: here the SDK's system properties
            System.setProperty("aws.accessKeyId", S3ProxyFixture.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3ProxyFixture.SECRET_KEY);
            Run attach;
            try {
                attach = cli("attach", "s3://cli/images/debian 12.raw", "--endpoint", store.endpoint().toString(),
                        "--listen", "127.0.0.1:0", "--profile", "off", "--control", control);
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
            assertEquals(0, attach.exit(), attach.err());
            String url = attach.out().strip();
            assertTrue(url.startsWith("nbd://127.0.0.1:") && url.endsWith("/debian_12.raw"), url);
            assertTrue(attach.err().contains("version " + v1), attach.err());

            QemuIo.run(url, "write -P 0x5c 0 8192", "flush");
            Run status = cli("status", "--control", control);
            assertEquals(0, status.exit(), status.err());
            assertTrue(status.out().contains("debian_12.raw  " + url), status.out());
            assertTrue(status.out().contains("dirty 8.0 KiB"), status.out());

            Run refused = cli("detach", "debian_12.raw", "--control", control);
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("snapshot it first"), refused.err());

            Run snap = cli("snapshot", "debian_12.raw", "--wait", "--control", control);
            assertEquals(0, snap.exit(), snap.err());
            String v2 = snap.out().strip();
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x5c, 0, 8192);
            assertArrayEquals(expected, Images.get(s3, "cli", "images/debian 12.raw", v2));

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("imagegate_agent_snapshots_total{export=\"debian_12.raw\"} 1"), metrics);
            assertTrue(metrics.contains("imagegate_agent_fetch_requests_total{export=\"debian_12.raw\"}"), metrics);

            Run json = cli("status", "--json", "--control", control);
            assertTrue(json.out().contains("\"lastSnapshotVersion\" : \"" + v2 + "\""), json.out());

            Run detach = cli("detach", "debian_12.raw", "--control", control);
            assertEquals(0, detach.exit(), detach.err());
            assertEquals(0, agent.status().exports().size());
            Run unknown = cli("snapshot", "nosuch", "--control", control);
            assertEquals(1, unknown.exit());
            assertTrue(unknown.err().contains("no export named nosuch"), unknown.err());
        }
    }

    @Test
    void attachRefusesACacheOtherThanTheRunningAgents(@TempDir Path dir) throws Exception {
        try (Agent agent = AgentHarness.start(dir)) {
            Run r = cli("attach", "s3://b/k", "--cache", dir.resolve("elsewhere").toString(), "--control",
                    dir.resolve("control.sock").toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("uses the cache " + dir.resolve("cache")), r.err());
            assertEquals(0, agent.status().exports().size());
        }
    }

    @Test
    void commandsWithoutAnAgentSayWhere(@TempDir Path dir) {
        Run r = cli("status", "--control", dir.resolve("none.sock").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("imagegate-agent:"), r.err());
    }
}
