package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.Tools;
import io.imagegate.agent.cache.NodeCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Background hydration: the whole version comes into the node cache without the guest reading it,
 * goes on after an agent restart where it stopped, and then the image reads back exact with the
 * gateway gone.
 */
class HydrationTest {

    private static final int SIZE = 4 * 1024 * 1024 + 4096;
    private static final int CHUNK = 64 * 1024;

    /** Bytes of {@code image} in chunks that are not all zeros: what hydration must fetch. */
    private static long dataBytes(byte[] image) {
        long n = 0;
        for (int off = 0; off < image.length; off += CHUNK) {
            int len = Math.min(CHUNK, image.length - off);
            for (int i = off; i < off + len; i++) {
                if (image[i] != 0) {
                    n += len;
                    break;
                }
            }
        }
        return n;
    }

    private static ExportStatus awaitHydration(Agent agent, String state) throws InterruptedException {
        for (int i = 0; i < 1200; i++) { // a loaded machine: up to two minutes
            ExportStatus s = AgentHarness.export(agent, "vm");
            if (state.equals(s.hydrate())) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("hydration never reached " + state + ": " + AgentHarness.export(agent, "vm"));
    }

    @Test
    void aHydratedImageReadsBackExactWithTheGatewayGoneAndHydrationResumesAfterARestart(@TempDir Path dir)
            throws Exception {
        Tools.require("nbdcopy");
        byte[] image = Images.disk(SIZE, 21);
        long data = dataBytes(image);
        GatewayFixture gateway = GatewayFixture.start();
        try (S3Client s3 = gateway.client()) {
            Images.bucket(s3, "images", true);
            Images.put(s3, "images", "vm.raw", image);
            try (Agent agent = AgentHarness.start(dir)) {
                // slow enough that the agent stops before the end: 1 MiB a second
                agent.attach(AgentHarness.attach(gateway.endpoint(), "s3://images/vm.raw", GatewayFixture.ACCESS_KEY,
                        GatewayFixture.SECRET_KEY).withExport("vm").withHydrate(1L << 20));
                ExportStatus s = AgentHarness.export(agent, "vm");
                for (int i = 0; i < 600 && s.hydratedBytes() == 0; i++) {
                    Thread.sleep(50);
                    s = AgentHarness.export(agent, "vm");
                }
                assertEquals(data, s.hydrateTotalBytes());
                assertEquals(1L << 20, s.hydrateRate());
            }
            long held;
            try (NodeCache c = NodeCache.open(dir.resolve("cache"), 1L << 30)) {
                held = c.stats().entries() * CHUNK; // every data chunk of this image is a whole one
            }
            assertTrue(held > 0 && held < data, "part of it when the agent stopped: " + held + " of " + data);
            // the restarted agent finds the attachment on disk and goes on (with keys from its own chain)
            System.setProperty("aws.accessKeyId", GatewayFixture.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", GatewayFixture.SECRET_KEY);
            try (Agent agent = AgentHarness.start(dir)) {
                agent.hydrate("vm", 64L << 20); // and faster now
                ExportStatus done = awaitHydration(agent, "done");
                assertEquals(data, done.hydratedBytes());
                assertEquals(0, done.hydrateEtaSeconds());
                long fetchedNow = done.fetchedBytes();
                assertEquals(data - held, fetchedNow, "the restarted agent fetched only what the cache lacked");
                assertEquals(0, done.guestReadBytes(), "no guest read anything");

                gateway.close();
                gateway = null;
                Path out = dir.resolve("copy.raw");
                Tools.ok(List.of("nbdcopy", done.url(), out.toString()));
                assertArrayEquals(image, Files.readAllBytes(out));
                assertEquals(fetchedNow, AgentHarness.export(agent, "vm").fetchedBytes(), "nothing fetched");

                agent.hydrate("vm", null);
                assertNull(AgentHarness.export(agent, "vm").hydrate(), "stopped and forgotten");
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        } finally {
            if (gateway != null) {
                gateway.close();
            }
        }
    }

    @Test
    void aVersionLargerThanTheNodeCacheIsNotHydratedAtAll(@TempDir Path dir) throws Exception {
        byte[] image = Images.disk(SIZE, 22);
        long data = dataBytes(image);
        try (GatewayFixture gateway = GatewayFixture.start(); S3Client s3 = gateway.client()) {
            Images.bucket(s3, "images", true);
            Images.put(s3, "images", "vm.raw", image);
            // a 1 MiB cache cannot hold the ~4 MiB of data: a walk would evict what it fetched and never end
            try (Agent agent = Agent.start(AgentHarness.config(dir).withCacheMaxBytes(1L << 20))) {
                agent.attach(AgentHarness.attach(gateway.endpoint(), "s3://images/vm.raw", GatewayFixture.ACCESS_KEY,
                        GatewayFixture.SECRET_KEY).withExport("vm").withHydrate(64L << 20));
                ExportStatus s = awaitHydration(agent, "too large for the cache");
                assertEquals(data, s.hydrateTotalBytes());
                assertEquals(0, s.fetchedBytes(), "nothing fetched for it");
                assertEquals(-1, s.hydrateEtaSeconds());
            }
        }
    }
}
