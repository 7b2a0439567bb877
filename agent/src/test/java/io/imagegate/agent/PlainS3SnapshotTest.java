package io.imagegate.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.daemon.Agent;
import io.imagegate.agent.daemon.AttachResult;
import io.imagegate.agent.daemon.ExportStatus;
import io.imagegate.agent.daemon.SnapshotResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** Snapshots on a plain S3 service: multipart, with UploadPartCopy for what the guest left alone. */
class PlainS3SnapshotTest {

    private static final int MiB = 1024 * 1024;
    private static final int SIZE = 20 * MiB + 12345;
    private static S3ProxyFixture store;
    private static S3Client s3;

    @BeforeAll
    static void start() throws Exception {
        store = S3ProxyFixture.inMemory();
        s3 = store.client();
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        store.close();
    }

    private static AttachResult attach(Agent agent, String bucket, String key, String export) throws Exception {
        return agent.attach(AgentHarness.attach(store.endpoint(), "s3://" + bucket + "/" + key,
                S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withExport(export));
    }

    @Test
    void snapshotCopiesUntouchedRangesAndUploadsChangedOnes(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Images.bucket(s3, "snap", true);
        byte[] image = Images.disk(SIZE, 2);
        String v1 = Images.put(s3, "snap", "disk.raw", image);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "snap", "disk.raw", "vm");
            assertEquals(v1, a.versionId());
            QemuIo.run(a.url(), "write -P 0x11 102400 4096", "write -P 0x22 17825795 512", "flush");
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x11, 102400, 4096);
            QemuIo.apply(expected, 0x22, 17825795, 512);
            assertEquals(2 * 4096, AgentHarness.export(agent, "vm").dirtyBytes());

            SnapshotResult s = agent.snapshot("vm", true);
            System.out.printf("multipart snapshot: version %s, %d chunks changed, %d bytes uploaded, %d copied%n",
                    s.versionId(), s.changedChunks(), s.uploadedBytes(), s.copiedBytes());
            assertEquals("multipart", s.method());
            assertNotEquals(v1, s.versionId());
            assertEquals(2, s.changedChunks());
            assertEquals(8L * MiB, s.copiedBytes(), "the middle 8 MiB unit was copied in the store");
            assertEquals(SIZE - 8L * MiB, s.uploadedBytes());
            assertArrayEquals(expected, Images.get(s3, "snap", "disk.raw", s.versionId()));
            assertArrayEquals(image, Images.get(s3, "snap", "disk.raw", v1), "the base version is untouched");

            ExportStatus after = AgentHarness.export(agent, "vm");
            assertEquals(0, after.dirtyBytes());
            assertEquals(s.versionId(), after.versionId());
            long fetched = after.fetchRequests();
            Tools.require("nbdcopy");
            Path out = dir.resolve("after.raw");
            Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
            assertArrayEquals(expected, Files.readAllBytes(out));

            // snapshots chain: the next one builds on the last
            QemuIo.run(a.url(), "write -P 0x33 0 65536", "flush");
            QemuIo.apply(expected, 0x33, 0, 65536);
            SnapshotResult s2 = agent.snapshot("vm", true);
            assertArrayEquals(expected, Images.get(s3, "snap", "disk.raw", s2.versionId()));
            assertEquals(3, s3.listObjectVersions(b -> b.bucket("snap").prefix("disk.raw")).versions().stream()
                    .filter(v -> v.key().equals("disk.raw")).count());
            System.out.printf("reads after the first snapshot cost %d more requests%n",
                    AgentHarness.export(agent, "vm").fetchRequests() - fetched);
        }
    }

    @Test
    void writesDuringACommitGoToTheNextSnapshot(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Images.bucket(s3, "during", true);
        byte[] image = Images.disk(SIZE, 3);
        Images.put(s3, "during", "disk.raw", image);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "during", "disk.raw", "vm");
            QemuIo.run(a.url(), "write -P 0x44 0 4096", "flush");
            SnapshotResult started = agent.snapshot("vm", false);
            assertEquals("started", started.state());
            QemuIo.run(a.url(), "write -P 0x55 8192 4096", "flush");
            ExportStatus st = AgentHarness.export(agent, "vm");
            for (int i = 0; i < 600 && !st.snapshot().equals("done"); i++) {
                Thread.sleep(50);
                st = AgentHarness.export(agent, "vm");
            }
            assertEquals("done", st.snapshot());
            byte[] committed = image.clone();
            QemuIo.apply(committed, 0x44, 0, 4096);
            assertArrayEquals(committed, Images.get(s3, "during", "disk.raw", st.lastSnapshotVersion()));
            assertEquals(4096, st.dirtyBytes(), "the later write waits for the next snapshot");
            String out = QemuIo.run(a.url(), "read -P 0x44 0 4096", "read -P 0x55 8192 4096");
            assertTrue(out.contains("read 4096/4096 bytes at offset 8192"), out);
        }
    }

    @Test
    void unversionedBucketsArePinnedByETag(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Images.bucket(s3, "plain", false);
        byte[] image = Images.disk(20 * MiB, 4);
        Images.put(s3, "plain", "disk.raw", image);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "plain", "disk.raw", "vm");
            QemuIo.run(a.url(), "write -P 0x66 4096 4096", "flush");
            SnapshotResult s = agent.snapshot("vm", true);
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x66, 4096, 4096);
            assertArrayEquals(expected, Images.get(s3, "plain", "disk.raw", null));
            assertEquals(null, s.versionId(), "no versions on this bucket: the ETag pins the object");
            // someone else replaces the object: the export never serves the other bytes
            Images.put(s3, "plain", "disk.raw", new byte[20 * MiB]);
            var r = Tools.run(List.of("qemu-io", "-f", "raw", "-c", "read -P 0x66 4096 4096", "-c",
                    "read 19922944 4096", a.url()));
            String all = r.out() + r.err();
            assertTrue(all.contains("read 4096/4096 bytes at offset 4096"), all);
            assertTrue(all.contains("Input/output error"), "an uncached chunk of the replaced object fails: " + all);
            assertTrue(AgentHarness.export(agent, "vm").fetchFailures() > 0);
            assertEquals(0, AgentHarness.export(agent, "vm").fetchRetries(), "412 is not worth retrying");
        }
    }
}
