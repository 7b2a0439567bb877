package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.Tools;
import io.imagegate.agent.remote.CommitChunk;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * NBD_CMD_BLOCK_STATUS with base:allocation against the real clients: a 1 GiB image holding
 * 64 MiB of data (made with the commit extension, so the test sends only the data) reads through
 * nbdcopy moving only its data, and qemu-img map and nbdinfo --map show exactly its data; blocks
 * the guest zeroed or trimmed report as holes of zeros, blocks it wrote into a hole as data.
 */
class BlockStatusTest {

    private static final int CHUNK = 64 * 1024;
    private static final long SIZE = 1L << 30;
    private static final long MiB = 1 << 20;
    /** Eight regions of 8 MiB of data, chunk-aligned, spread over the image; the rest is zeros. */
    private static final long[][] DATA = new long[8][];
    private static GatewayFixture gateway;
    private static S3Client s3;

    static {
        for (int i = 0; i < DATA.length; i++) {
            long start = i * 128 * MiB + i * MiB;
            DATA[i] = new long[] {start, start + 8 * MiB};
        }
    }

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start();
        s3 = gateway.client();
        Images.bucket(s3, "images", true);
        String base = Images.put(s3, "images", "sparse.raw", chunk(0));
        List<CommitChunk> chunks = new ArrayList<>();
        for (long[] r : DATA) {
            for (long at = r[0]; at < r[1]; at += CHUNK) {
                byte[] b = chunk(at);
                chunks.add(new CommitChunk(at, CHUNK, ChunkHash.sha256(b, 0, b.length), true));
            }
        }
        try (S3Access a = new S3Access(new S3Endpoint(gateway.endpoint(), "us-east-1", GatewayFixture.ACCESS_KEY,
                GatewayFixture.SECRET_KEY, null), 4, Duration.ofSeconds(60))) {
            new ExtensionClient(a).commit(new ObjectRef("images", "sparse.raw", base), SIZE, chunks, c -> chunk(c.offset()));
        }
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

    /** The bytes of the data chunk at {@code offset}. */
    private static byte[] chunk(long offset) {
        byte[] b = new byte[CHUNK];
        new Random(offset * 31 + 7).nextBytes(b);
        return b;
    }

    private static AttachResult attach(Agent agent, String export, boolean readOnly) throws AgentException {
        return agent.attach(AgentHarness.attach(gateway.endpoint(), "s3://images/sparse.raw", GatewayFixture.ACCESS_KEY,
                GatewayFixture.SECRET_KEY).withExport(export).withReadOnly(readOnly));
    }

    @Test
    void nbdcopyOfASparseImageMovesOnlyItsData(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm", true);
            Path out = dir.resolve("copy.raw");
            Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
            ExportStatus s = AgentHarness.export(agent, "vm");
            long data = 64 * MiB;
            assertEquals(data, s.fetchedBytes(), "fetched from the gateway: the data chunks, each once");
            assertTrue(s.guestReadBytes() >= data && s.guestReadBytes() <= data + 4 * MiB,
                    "nbdcopy read " + s.guestReadBytes() + " bytes over NBD, not the 1 GiB with its holes");
            assertSameAsImage(out);
        }
    }

    @Test
    void qemuImgMapAndNbdinfoMapShowTheData(@TempDir Path dir) throws Exception {
        Tools.require("qemu-img");
        Tools.require("nbdinfo");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm", true);
            List<long[]> expected = Arrays.asList(DATA);
            assertEquals(ranges(expected), ranges(qemuImgMapData(a.url())));
            assertEquals(ranges(expected), ranges(nbdinfoMap(a.url(), "data")));
            assertEquals(0, AgentHarness.export(agent, "vm").fetchedBytes(), "a map reads no data");
        }
    }

    @Test
    void blocksTheGuestZeroedOrTrimmedAreHolesAndWhatItWroteIsData(@TempDir Path dir) throws Exception {
        Tools.require("nbdinfo");
        try (Agent agent = AgentHarness.start(dir)) {
            AttachResult a = attach(agent, "vm", false);
            long zeroed = DATA[0][0] + MiB;
            long trimmed = DATA[1][0];
            long written = DATA[2][1] + 10 * MiB;
            QemuIo.run(a.url(), "write -z " + zeroed + " " + MiB, "discard " + trimmed + " " + CHUNK,
                    "write -P 0x55 " + written + " 4096", "flush");
            List<long[]> expected = new ArrayList<>();
            expected.add(new long[] {DATA[0][0], zeroed});
            expected.add(new long[] {zeroed + MiB, DATA[0][1]});
            expected.add(new long[] {trimmed + CHUNK, DATA[1][1]});
            expected.add(DATA[2]);
            expected.add(new long[] {written, written + 4096});
            expected.addAll(Arrays.asList(DATA).subList(3, DATA.length));
            assertEquals(ranges(expected), ranges(nbdinfoMap(a.url(), "data")));
            assertEquals(ranges(List.of(new long[] {zeroed, zeroed + MiB})),
                    ranges(intersect(nbdinfoMap(a.url(), "hole,zero"), DATA[0])));
            assertEquals(ranges(List.of(new long[] {trimmed, trimmed + CHUNK})),
                    ranges(intersect(nbdinfoMap(a.url(), "hole,zero"), DATA[1])));
        }
    }

    /** The file nbdcopy wrote is the image: the data regions, zeros everywhere else. */
    private static void assertSameAsImage(Path file) throws IOException {
        assertEquals(SIZE, Files.size(file));
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) MiB);
        byte[] zeros = new byte[(int) MiB];
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            for (long at = 0; at < SIZE; at += MiB) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
                    // fill it
                }
                for (int c = 0; c < MiB; c += CHUNK) {
                    long off = at + c;
                    byte[] want = isData(off) ? chunk(off) : zeros;
                    assertTrue(Arrays.equals(buf.array(), c, c + CHUNK, want, 0, CHUNK), "bytes at " + off);
                }
            }
        }
    }

    private static boolean isData(long at) {
        for (long[] r : DATA) {
            if (at >= r[0] && at < r[1]) {
                return true;
            }
        }
        return false;
    }

    /** The extents qemu-img map says hold data. */
    private static List<long[]> qemuImgMapData(String url) throws Exception {
        JsonNode map = new ObjectMapper().readTree(Tools.ok(List.of("qemu-img", "map", "--output=json", "-f", "raw", url)));
        List<long[]> out = new ArrayList<>();
        for (JsonNode e : map) {
            if (e.path("data").asBoolean()) {
                long start = e.get("start").asLong();
                out.add(new long[] {start, start + e.get("length").asLong()});
            }
        }
        return out;
    }

    /** The extents nbdinfo --map describes as {@code description} ("data", "hole,zero"). */
    private static List<long[]> nbdinfoMap(String url, String description) throws Exception {
        List<long[]> out = new ArrayList<>();
        for (String line : Tools.ok(List.of("nbdinfo", "--map", url)).lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].equals(description)) {
                long start = Long.parseLong(f[0]);
                out.add(new long[] {start, start + Long.parseLong(f[1])});
            }
        }
        return out;
    }

    private static List<long[]> intersect(List<long[]> ranges, long[] within) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            long from = Math.max(r[0], within[0]);
            long to = Math.min(r[1], within[1]);
            if (from < to) {
                out.add(new long[] {from, to});
            }
        }
        return out;
    }

    /** Ranges merged where they touch, as text: comparable and readable in a failure. */
    private static String ranges(List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort((x, y) -> Long.compare(x[0], y[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : sorted) {
            if (!merged.isEmpty() && merged.getLast()[1] >= r[0]) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], r[1]);
            } else {
                merged.add(r.clone());
            }
        }
        StringBuilder b = new StringBuilder();
        for (long[] r : merged) {
            b.append('[').append(r[0]).append(", ").append(r[1]).append(") ");
        }
        return b.toString().strip();
    }
}
