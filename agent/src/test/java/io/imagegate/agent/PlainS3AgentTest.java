package io.imagegate.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.daemon.Agent;
import io.imagegate.agent.daemon.AttachResult;
import io.imagegate.agent.daemon.ExportStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The agent against a plain S3 service (s3proxy): range GETs in, real NBD clients out. */
class PlainS3AgentTest {

    private static final int SIZE = 20 * 1024 * 1024 + 12345;
    private static S3ProxyFixture store;
    private static S3Client s3;
    private static byte[] image;

    @BeforeAll
    static void upload() throws Exception {
        store = S3ProxyFixture.inMemory();
        s3 = store.client();
        Images.bucket(s3, "images", false);
        image = Images.disk(SIZE, 1);
        Images.put(s3, "images", "debian.raw", image);
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        store.close();
    }

    private AttachResult attach(Agent agent, String export) throws Exception {
        return agent.attach(AgentHarness.attach(store.endpoint(), "s3://images/debian.raw", S3ProxyFixture.ACCESS_KEY,
                S3ProxyFixture.SECRET_KEY).withExport(export));
    }

    @Test
    void nbdcopyCopiesTheWholeImageByteForByte(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm1");
            assertEquals("plain", a.mode());
            assertEquals(SIZE, a.size());
            Path out = dir.resolve("copy.raw");
            Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
            assertArrayEquals(image, Files.readAllBytes(out));
            ExportStatus s = AgentHarness.export(agent, "vm1");
            System.out.printf("nbdcopy of %d bytes: fetched %d bytes in %d requests (%d chunks), %d read ahead%n",
                    SIZE, s.fetchedBytes(), s.fetchRequests(), s.fetchedChunks(), s.readAheadChunks());
            assertEquals(SIZE, s.fetchedBytes(), "every byte fetched exactly once");
        }
    }

    @Test
    void anExportCanBeServedOnAUnixSocket(@TempDir Path dir) throws Exception {
        Tools.require("nbdinfo");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = agent.attach(AgentHarness.attach(store.endpoint(), "s3://images/debian.raw",
                    S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withSocket(dir.resolve("nbd.sock").toString())
                    .withReadOnly(true));
            assertEquals("nbd+unix:///debian.raw?socket=" + dir.resolve("nbd.sock"), a.url());
            String info = Tools.ok(List.of("nbdinfo", "--json", a.url()));
            assertTrue(info.contains("\"export-size\": " + SIZE), info);
            assertTrue(info.contains("\"is_read_only\": true"), info);
        }
    }

    @Test
    void qemuImgConvertCopiesTheWholeImageByteForByte(@TempDir Path dir) throws Exception {
        Tools.require("qemu-img");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm2");
            Path out = dir.resolve("copy.raw");
            Tools.ok(List.of("qemu-img", "convert", "-f", "raw", "-O", "raw", a.url(), out.toString()));
            byte[] copy = Files.readAllBytes(out);
            // qemu's block layer counts whole sectors: an image of unaligned size comes out zero-padded
            assertEquals((SIZE + 511) / 512 * 512, copy.length);
            assertArrayEquals(image, java.util.Arrays.copyOf(copy, SIZE));
            assertArrayEquals(new byte[copy.length - SIZE], java.util.Arrays.copyOfRange(copy, SIZE, copy.length));
            String info = Tools.ok(List.of("qemu-img", "info", "-f", "raw", a.url()));
            assertTrue(info.contains("(" + (SIZE + 511) / 512 * 512 + " bytes)"), info);
        }
    }
}
