package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.agent.cache.CacheFiles;
import io.imagegate.agent.cache.CacheKey;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The node cache across exports and restarts, and the faults the agent must ride out. */
class AgentFaultTest {

    private static final int MiB = 1024 * 1024;
    private static final int SIZE = 12 * MiB + 4321;
    private static final int CHUNKS = (SIZE + 65535) / 65536;
    private static S3ProxyFixture store;
    private static S3Client s3;
    private static byte[] image;

    @BeforeAll
    static void upload(@TempDir Path storeDir) throws Exception {
        store = S3ProxyFixture.onDisk(storeDir);
        s3 = store.client();
        Images.bucket(s3, "faults", false); // s3proxy on disk has no versioning: ETag pinning
        image = Images.disk(SIZE, 5);
        Images.put(s3, "faults", "disk.raw", image);
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        store.close();
    }

    private static AttachResult attach(Agent agent, String export) throws AgentException {
        return agent.attach(AgentHarness.attach(store.endpoint(), "s3://faults/disk.raw", S3ProxyFixture.ACCESS_KEY,
                S3ProxyFixture.SECRET_KEY).withExport(export));
    }

    private static byte[] copy(String url, Path out) throws Exception {
        Tools.ok(List.of("nbdcopy", url, out.toString()));
        return Files.readAllBytes(out);
    }

    @Test
    void twoAttachmentsReadingAtOnceFetchEachChunkOnce(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm-a");
            AttachResult b = attach(agent, "vm-b");
            CompletableFuture<byte[]> ca = CompletableFuture.supplyAsync(() -> uncheck(() -> copy(a.url(), dir.resolve("a"))));
            CompletableFuture<byte[]> cb = CompletableFuture.supplyAsync(() -> uncheck(() -> copy(b.url(), dir.resolve("b"))));
            assertArrayEquals(image, ca.join());
            assertArrayEquals(image, cb.join());
            ExportStatus sa = AgentHarness.export(agent, "vm-a");
            ExportStatus sb = AgentHarness.export(agent, "vm-b");
            System.out.printf("two exports: fetched %d + %d chunks in %d + %d requests; %d + %d shared, %d + %d hits%n",
                    sa.fetchedChunks(), sb.fetchedChunks(), sa.fetchRequests(), sb.fetchRequests(), sa.sharedFetches(),
                    sb.sharedFetches(), sa.cacheHits(), sb.cacheHits());
            assertEquals(CHUNKS, sa.fetchedChunks() + sb.fetchedChunks(), "each chunk fetched once for both");
            assertEquals(SIZE, sa.fetchedBytes() + sb.fetchedBytes());
        }
    }

    @Test
    void aRestartedAgentServesFromTheCacheWithoutFetching(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm");
            assertArrayEquals(image, copy(a.url(), dir.resolve("first")));
            QemuIo.run(a.url(), "write -P 0x77 65536 4096", "flush");
        }
        try (Agent agent = AgentHarness.start(dir)) {
            // the attachment comes back by itself, with its overlay
            ExportStatus st = AgentHarness.export(agent, "vm");
            assertEquals(4096, st.dirtyBytes());
            byte[] expected = image.clone();
            QemuIo.apply(expected, 0x77, 65536, 4096);
            assertArrayEquals(expected, copy(st.url(), dir.resolve("second")));
            st = AgentHarness.export(agent, "vm");
            assertEquals(0, st.fetchRequests(), "everything came from the node cache");
            assertTrue(st.cacheHits() >= CHUNKS);
        }
    }

    @Test
    void aCorruptCachedChunkIsRefetchedNeverServed(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm");
            QemuIo.run(a.url(), "read 196608 65536");
            Attachment at = agent.attachmentForTest("vm");
            CacheKey key = at.disk().base().version().cacheKey(3);
            CacheFiles.flip(agent.cache(), key, 1000);
            long before = AgentHarness.export(agent, "vm").fetchRequests();
            Path out = dir.resolve("chunk");
            Tools.require("nbdcopy");
            byte[] all = copy(a.url(), out);
            assertArrayEquals(image, all);
            assertEquals(1, agent.cache().stats().corrupt());
            assertTrue(AgentHarness.export(agent, "vm").fetchRequests() > before);
            assertArrayEquals(java.util.Arrays.copyOfRange(image, 196608, 262144),
                    CacheFiles.payload(agent.cache(), key), "the entry was stored again");
        }
    }

    @Test
    void theStoreGoingAwayFailsReadsCleanlyAndTheAgentStaysUp(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm");
            QemuIo.run(a.url(), "read 0 1048576");
            store.stop();
            try {
                Tools.Result r = Tools.run(List.of("qemu-io", "-f", "raw", "-c", "read 8388608 65536", "-c",
                        "read -P 0 0 0", a.url()));
                assertTrue((r.out() + r.err()).contains("Input/output error"), r.out() + r.err());
                ExportStatus st = AgentHarness.export(agent, "vm");
                assertTrue(st.fetchRetries() >= 2, "retried before giving up: " + st.fetchRetries());
                assertTrue(st.fetchFailures() >= 1);
                // what is cached still reads
                String out = QemuIo.run(a.url(), "read 0 65536");
                assertTrue(out.contains("read 65536/65536"), out);
            } finally {
                store.restart();
            }
            String out = QemuIo.run(a.url(), "read 8388608 65536");
            assertTrue(out.contains("read 65536/65536"), out);
        }
    }

    @Test
    void garbageOnTheNbdPortLeavesTheAgentServing(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm");
            int port = Integer.parseInt(a.url().replaceAll(".*:(\\d+)/.*", "$1"));
            Random r = new Random(9);
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    byte[] junk = new byte[1 + r.nextInt(4096)];
                    r.nextBytes(junk);
                    OutputStream o = s.getOutputStream();
                    o.write(junk);
                    o.flush();
                } catch (java.io.IOException ignored) {
                    // the agent may hang up first
                }
            }
            String out = QemuIo.run(a.url(), "read 0 4096");
            assertTrue(out.contains("read 4096/4096"), out);
            assertEquals(1, agent.status().exports().size());
        }
    }

    @Test
    void theCacheStaysWithinItsBound(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = Agent.start(AgentHarness.config(dir).withCacheMaxBytes(2L * MiB))) {
            AttachResult a = attach(agent, "vm");
            assertArrayEquals(image, copy(a.url(), dir.resolve("copy")));
            var c = agent.cache().stats();
            assertTrue(c.bytes() <= 2L * MiB, "cache holds " + c.bytes());
            assertTrue(c.evictions() > 0);
        }
    }

    @Test
    void aCacheThatCannotBeWrittenCostsTheCachingNotTheRead(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            // a file where the cache's slab directory should be: no slab can be created, every write of an
            // entry fails, as on a full disk
            Files.delete(dir.resolve("cache").resolve("slabs"));
            Files.write(dir.resolve("cache").resolve("slabs"), new byte[0]);
            AttachResult a = attach(agent, "vm");
            assertArrayEquals(image, copy(a.url(), dir.resolve("copy")));
            assertTrue(agent.cache().stats().writeErrors() > 0);
            assertEquals(0, agent.cache().stats().entries());
        }
    }

    interface Io<T> {
        T get() throws Exception;
    }

    static <T> T uncheck(Io<T> io) {
        try {
            return io.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
