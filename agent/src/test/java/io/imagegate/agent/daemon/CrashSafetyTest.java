package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.agent.cli.AgentCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** kill -9 of the agent process: what the guest flushed is there when the agent comes back. */
class CrashSafetyTest {

    private static Process agent(Path dir) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AgentCommand.class.getName());
        cmd.addAll(List.of("run", "--control", dir.resolve("control.sock").toString(), "--data",
                dir.resolve("data").toString(), "--cache", dir.resolve("cache").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile())).start();
        for (int i = 0; i < 2400; i++) { // a JVM starting on a loaded machine: up to two minutes
            if (ControlClient.answers(dir.resolve("control.sock"))) {
                return p;
            }
            assertTrue(p.isAlive(), "the agent process died at start; see " + dir.resolve("agent.log"));
            Thread.sleep(50);
        }
        throw new AssertionError("the agent did not answer");
    }

    @Test
    void flushedWritesSurviveKillDashNine(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        try (S3ProxyFixture store = S3ProxyFixture.inMemory(); S3Client s3 = store.client()) {
            Images.bucket(s3, "crash", true);
            Images.put(s3, "crash", "disk.raw", Images.disk(4 * 1024 * 1024, 6));
            Process first = agent(dir);
            ControlClient control = new ControlClient(dir.resolve("control.sock"));
            String url;
            try {
                AttachResult a = control.attach(AgentHarness.attach(store.endpoint(), "s3://crash/disk.raw",
                        S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withExport("vm"));
                url = a.url();
                QemuIo.run(url, "write -P 0xa1 0 65536", "write -P 0xa2 1000000 5000", "write -z 2097152 131072",
                        "flush", "write -P 0xa3 3145728 4096");
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush
                first.waitFor(30, TimeUnit.SECONDS);
            }
            Process second = agent(dir);
            try {
                AgentStatus st = control.status();
                assertEquals(1, st.exports().size(), "the attachment came back: " + st);
                String again = st.exports().getFirst().url();
                String out = QemuIo.run(again, "read -P 0xa1 0 65536", "read -P 0xa2 1000000 5000",
                        "read -P 0 2097152 131072");
                assertEquals(3, out.split("read ", -1).length - 1, out);
                assertTrue(!out.contains("Pattern verification failed"), out);
            } finally {
                control.shutdown();
                second.waitFor(30, TimeUnit.SECONDS);
                second.destroyForcibly();
            }
        }
    }
}
