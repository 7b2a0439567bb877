package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.Tools;
import io.imagegate.agent.cache.CacheFiles;
import io.imagegate.agent.cache.CacheKey;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The agent against a real imagegate gateway. The plain-S3 path runs now; the specs of the
 * manifest, missing-chunks and commit extensions skip (saying why) until the gateway answers
 * {@code ?manifest} with a manifest, and run by themselves from then on.
 */
class ImagegateGatewayTest {

    private static final int CHUNK = 64 * 1024;
    private static final int SIZE = 6 * 1024 * 1024 + 777;
    private static GatewayFixture gateway;
    private static S3Client s3;
    private static byte[] image;
    private static String v1;
    private static String manifestAnswer;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start();
        s3 = gateway.client();
        Images.bucket(s3, "images", true);
        image = Images.disk(SIZE, 11);
        v1 = Images.put(s3, "images", "debian.raw", image);
        manifestAnswer = probeManifest();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /** What the gateway answers to ?manifest: null when it is a manifest, else a description for the skip. */
    private static String probeManifest() throws Exception {
        try (S3Access a = new S3Access(new S3Endpoint(gateway.endpoint(), "us-east-1", GatewayFixture.ACCESS_KEY,
                GatewayFixture.SECRET_KEY, null), 4, Duration.ofSeconds(30));
             S3Access.RawResponse r = a.execute(SdkHttpMethod.GET, new ObjectRef("images", "debian.raw", v1),
                     "manifest&versionId=" + ObjectRef.encodeQuery(v1), Map.of(), null, 0)) {
            String type = r.header("content-type");
            if (r.status() == 200 && type != null && type.contains("json")) {
                return null;
            }
            r.abort();
            return "HTTP " + r.status() + " " + type;
        }
    }

    private static void requireExtensions() {
        Assumptions.assumeTrue(manifestAnswer == null, "the gateway does not implement imagegate's ?manifest "
                + "extension yet (it answered " + manifestAnswer + "); these specs run once docs/API.md's extensions land");
    }

    private static AttachResult attach(Agent agent, String object, String export, String mode) throws AgentException {
        return agent.attach(AgentHarness.attach(gateway.endpoint(), object, GatewayFixture.ACCESS_KEY,
                GatewayFixture.SECRET_KEY).withExport(export).withMode(mode));
    }

    @Test
    void nbdcopyReadsAnImageVersionFromTheGatewayByteForByte(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/debian.raw?versionId=" + v1, "vm", "auto");
            assertEquals(v1, a.versionId());
            assertEquals(manifestAnswer == null ? "manifest" : "plain", a.mode());
            Path out = dir.resolve("copy.raw");
            Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
            assertArrayEquals(image, Files.readAllBytes(out));
            ExportStatus s = AgentHarness.export(agent, "vm");
            System.out.printf("gateway (%s): %d bytes image, fetched %d bytes in %d requests%n", a.mode(), SIZE,
                    s.fetchedBytes(), s.fetchRequests());
        }
    }

    @Test
    void aSnapshotIsANewVersionThatS3ClientsSee(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Images.put(s3, "images", "snap.raw", image);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/snap.raw", "vm", "auto");
            QemuIo.run(a.url(), "write -P 0x42 131072 65536", "write -P 0x43 5000000 100", "flush");
            SnapshotResult snap = agent.snapshot("vm", true);
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x42, 131072, 65536);
            QemuIo.apply(expected, 0x43, 5000000, 100);
            assertArrayEquals(expected, Images.get(s3, "images", "snap.raw", snap.versionId()));
            List<String> versions = s3.listObjectVersions(b -> b.bucket("images").prefix("snap.raw")).versions().stream()
                    .filter(v -> v.key().equals("snap.raw")).map(v -> v.versionId()).toList();
            assertTrue(versions.contains(snap.versionId()) && versions.contains(a.versionId()), versions.toString());
            System.out.printf("gateway snapshot (%s): %d chunks changed, %d bytes uploaded, %d copied%n", snap.method(),
                    snap.changedChunks(), snap.uploadedBytes(), snap.copiedBytes());
            if (Tools.has("aws")) {
                Tools.Result r = Tools.run(List.of("env", "AWS_ACCESS_KEY_ID=" + GatewayFixture.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY=" + GatewayFixture.SECRET_KEY, "AWS_DEFAULT_REGION=us-east-1",
                        "aws", "--endpoint-url", gateway.endpoint().toString(), "s3api", "list-object-versions",
                        "--bucket", "images", "--prefix", "snap.raw"));
                assertTrue(r.out().contains(snap.versionId()), r.out() + r.err());
            }
        }
    }

    @Test
    void onPlainS3TheGatewayCopiesUntouchedPartsServerSide(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        byte[] big = Images.disk(20 * 1024 * 1024, 12);
        Images.put(s3, "images", "big.raw", big);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/big.raw", "vm", "plain");
            QemuIo.run(a.url(), "write -P 0x61 0 4096", "flush");
            SnapshotResult snap = agent.snapshot("vm", true);
            assertEquals("multipart", snap.method());
            assertEquals(big.length - 8L * 1024 * 1024, snap.copiedBytes());
            QemuIo.apply(big, 0x61, 0, 4096);
            assertArrayEquals(big, Images.get(s3, "images", "big.raw", snap.versionId()));
        }
    }

    @Test
    void aRestartedAgentServesCachedChunksWhileTheGatewayIsDown(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (GatewayFixture own = GatewayFixture.start(); S3Client client = own.client()) {
            Images.bucket(client, "own", true);
            Images.put(client, "own", "disk.raw", image);
            try (Agent agent = AgentHarness.start(dir)) {
                AttachResult a = agent.attach(AgentHarness.attach(own.endpoint(), "s3://own/disk.raw",
                        GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY).withExport("vm"));
                Tools.ok(List.of("nbdcopy", a.url(), dir.resolve("first.raw").toString()));
            }
            own.close();
            try (Agent agent = AgentHarness.start(dir)) {
                ExportStatus st = AgentHarness.export(agent, "vm");
                Path out = dir.resolve("second.raw");
                Tools.ok(List.of("nbdcopy", st.url(), out.toString()));
                assertArrayEquals(image, Files.readAllBytes(out));
                assertEquals(0, AgentHarness.export(agent, "vm").fetchRequests());
            }
        }
    }

    // ---- the extension path: runs once the gateway implements docs/API.md's extensions

    @Test
    void chunksCachedUnderOneVersionAreNotFetchedForAnother(@TempDir Path dir) throws Exception {
        requireExtensions();
        Tools.require("nbdcopy");
        byte[] second = image.clone();
        for (int c : new int[] {3, 40, 90}) {
            java.util.Arrays.fill(second, c * CHUNK, c * CHUNK + 100, (byte) 0x7e);
        }
        String v2 = Images.put(s3, "images", "debian.raw", second);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/debian.raw?versionId=" + v1, "v1", "manifest");
            Tools.ok(List.of("nbdcopy", a.url(), dir.resolve("v1.raw").toString()));
            AttachResult b = attach(agent, "s3://images/debian.raw?versionId=" + v2, "v2", "manifest");
            Path out = dir.resolve("v2.raw");
            Tools.ok(List.of("nbdcopy", b.url(), out.toString()));
            assertArrayEquals(second, Files.readAllBytes(out));
            assertEquals(3, AgentHarness.export(agent, "v2").fetchedChunks(), "only the three changed chunks");
        }
    }

    @Test
    void aCommitUploadsOnlyTheChangedChunksAndTheExportReadsTheNewVersionFromTheCache(@TempDir Path dir)
            throws Exception {
        requireExtensions();
        Tools.require("qemu-io");
        Tools.require("nbdcopy");
        Images.put(s3, "images", "commit.raw", image);
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/commit.raw", "vm", "manifest");
            Tools.ok(List.of("nbdcopy", a.url(), dir.resolve("before.raw").toString()));
            QemuIo.run(a.url(), "write -P 0x21 65536 4096", "write -P 0x22 3000000 70000", "flush");
            SnapshotResult snap = agent.snapshot("vm", true);
            assertEquals("commit", snap.method());
            assertEquals(3, snap.changedChunks());
            assertTrue(snap.uploadedBytes() <= 3L * CHUNK, "uploaded " + snap.uploadedBytes());
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x21, 65536, 4096);
            QemuIo.apply(expected, 0x22, 3000000, 70000);
            assertArrayEquals(expected, Images.get(s3, "images", "commit.raw", snap.versionId()));
            ExportStatus st = AgentHarness.export(agent, "vm");
            assertEquals(0, st.dirtyBytes());
            assertEquals(snap.versionId(), st.versionId());
            long before = st.fetchRequests();
            Path out = dir.resolve("after.raw");
            Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
            assertArrayEquals(expected, Files.readAllBytes(out));
            assertEquals(before, AgentHarness.export(agent, "vm").fetchRequests(),
                    "the new version's chunks were all on the node already");
            System.out.printf("commit: %d bytes uploaded for %d changed chunks%n", snap.uploadedBytes(),
                    snap.changedChunks());
        }
    }

    @Test
    void qemuImgWritesAWholeDiskIntoTheExportAndASnapshotPublishesIt(@TempDir Path dir) throws Exception {
        Tools.require("qemu-img");
        Images.put(s3, "images", "rewrite.raw", image);
        byte[] fresh = Images.disk(SIZE, 99);
        Path src = dir.resolve("fresh.raw");
        Files.write(src, fresh);
        try (Agent agent = AgentHarness.start(dir.resolve("agent"))) {
            AttachResult a = attach(agent, "s3://images/rewrite.raw", "vm", "auto");
            Tools.ok(List.of("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", src.toString(), a.url()));
            SnapshotResult snap = agent.snapshot("vm", true);
            assertArrayEquals(fresh, Images.get(s3, "images", "rewrite.raw", snap.versionId()));
            System.out.printf("rewrite of %d bytes (%s): %d chunks changed, %d bytes uploaded, %d copied%n", SIZE,
                    snap.method(), snap.changedChunks(), snap.uploadedBytes(), snap.copiedBytes());
        }
    }

    @Test
    void aVersionDeletedWhileAttachedServesWhatWasCachedAndFailsTheRest(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        String doomed = Images.put(s3, "images", "doomed.raw", image);
        Images.put(s3, "images", "doomed.raw", new byte[SIZE]); // a newer version that must never show through
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/doomed.raw?versionId=" + doomed, "vm", "auto");
            QemuIo.run(a.url(), "read 0 131072");
            s3.deleteObject(b -> b.bucket("images").key("doomed.raw").versionId(doomed));
            Tools.Result r = Tools.run(List.of("qemu-io", "-f", "raw", "-c", "read 0 131072", "-c",
                    "read 4259840 65536", a.url())); // chunk 65 (64 is a zero chunk: never fetched)
            String all = r.out() + r.err();
            assertTrue(all.contains("read 131072/131072 bytes at offset 0"), all);
            assertTrue(all.contains("Input/output error"), all);
            assertEquals(0, AgentHarness.export(agent, "vm").fetchRetries(), "a 404 is not retried");
        }
    }

    @Test
    void aSnapshotStartedWithoutWaitingIsCommittedBeforeTheAgentStops(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Images.put(s3, "images", "async.raw", image);
        String base;
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/async.raw", "vm", "auto");
            base = a.versionId();
            QemuIo.run(a.url(), "write -P 0x51 65536 65536", "flush");
            assertEquals("started", agent.snapshot("vm", false).state());
        }
        byte[] expected = image.clone();
        QemuIo.apply(expected, 0x51, 65536, 65536);
        var latest = s3.headObject(b -> b.bucket("images").key("async.raw"));
        assertTrue(!latest.versionId().equals(base), "no new version after the agent stopped");
        assertArrayEquals(expected, Images.get(s3, "images", "async.raw", latest.versionId()));
    }

    @Test
    void aCorruptContentAddressedChunkIsRefetched(@TempDir Path dir) throws Exception {
        requireExtensions();
        Tools.require("qemu-io");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "s3://images/debian.raw?versionId=" + v1, "vm", "manifest");
            QemuIo.run(a.url(), "read 0 65536");
            CacheKey key = agent.attachmentForTest("vm").disk().base().version().cacheKey(0);
            CacheFiles.flip(agent.cache(), key, 7);
            QemuIo.run(a.url(), "read -P 0 0 0");
            String out = QemuIo.run(a.url(), "read 0 65536");
            assertTrue(out.contains("read 65536/65536"), out);
            assertEquals(1, agent.cache().stats().corrupt());
            assertArrayEquals(java.util.Arrays.copyOf(image, CHUNK), CacheFiles.payload(agent.cache(), key));
        }
    }
}
