package io.imagegate.agent.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NBD protocol as the server speaks it, byte by byte and through real clients. */
class NbdServerTest {

    private static final int SIZE = 1 << 20;
    private NbdServer server;
    private MemoryDevice disk;
    private MemoryDevice cdrom;

    @BeforeEach
    void start() throws IOException {
        server = NbdServer.tcp("127.0.0.1", 0);
        disk = new MemoryDevice(SIZE, false);
        cdrom = new MemoryDevice(SIZE / 2, true);
        server.addExport(new NbdExport("disk", "a writable test disk", disk));
        server.addExport(new NbdExport("cdrom", "a read-only test disk", cdrom));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RawNbdClient client() throws IOException {
        return new RawNbdClient(server.port()).hello(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
    }

    @Test
    void greetingOffersFixedNewstyleWithoutZeroes() throws IOException {
        try (RawNbdClient c = client()) {
            assertEquals(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES, c.handshakeFlags);
        }
    }

    @Test
    void listNamesEveryExportThenAcks() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_LIST, new byte[0]);
            Set<String> names = new HashSet<>();
            RawNbdClient.OptionReply r;
            while ((r = c.optionReply()).type() == Nbd.REP_SERVER) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                byte[] n = new byte[b.getInt()];
                b.get(n);
                names.add(new String(n, StandardCharsets.UTF_8));
            }
            assertEquals(Nbd.REP_ACK, r.type());
            assertEquals(Set.of("disk", "cdrom"), names);
        }
    }

    @Test
    void listWithDataIsInvalidAndNegotiationGoesOn() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_LIST, new byte[3]);
            assertEquals(Nbd.REP_ERR_INVALID, c.optionReply().type());
            assertEquals(SIZE, c.go("disk"));
        }
    }

    @Test
    void infoReportsSizeFlagsBlockSizesAndDescription() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_INFO, RawNbdClient.goData("cdrom", Nbd.INFO_DESCRIPTION, Nbd.INFO_NAME));
            boolean sawBlockSize = false;
            String description = null;
            RawNbdClient.OptionReply r;
            while ((r = c.optionReply()).type() == Nbd.REP_INFO) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                int type = b.getShort();
                if (type == Nbd.INFO_EXPORT) {
                    assertEquals(SIZE / 2, b.getLong());
                    assertTrue((b.getShort() & Nbd.TFLAG_READ_ONLY) != 0);
                } else if (type == Nbd.INFO_BLOCK_SIZE) {
                    sawBlockSize = true;
                    assertEquals(1, b.getInt());
                    assertEquals(4096, b.getInt());
                    assertEquals(Nbd.MAX_PAYLOAD, b.getInt());
                } else if (type == Nbd.INFO_DESCRIPTION) {
                    description = new String(r.data(), 2, r.data().length - 2, StandardCharsets.UTF_8);
                }
            }
            assertEquals(Nbd.REP_ACK, r.type());
            assertTrue(sawBlockSize);
            assertEquals("a read-only test disk", description);
            // INFO does not end the negotiation
            assertEquals(SIZE, c.go("disk"));
        }
    }

    @Test
    void unknownExportIsErrUnknownAndNegotiationGoesOn() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_GO, RawNbdClient.goData("nosuch"));
            assertEquals(Nbd.REP_ERR_UNKNOWN, c.optionReply().type());
            assertEquals(SIZE, c.go("disk"));
        }
    }

    @Test
    void unsupportedOptionIsErrUnsup() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(11, new byte[0]); // NBD_OPT_EXTENDED_HEADERS (NBD_OPT_SET_META_CONTEXT, 10, is supported now)
            RawNbdClient.OptionReply r = c.optionReply();
            assertEquals(11, r.option());
            assertEquals(Nbd.REP_ERR_UNSUP, r.type());
            assertEquals(SIZE, c.go("disk"));
        }
    }

    @Test
    void goWithTruncatedDataIsInvalid() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_GO, new byte[] {0, 0, 0, 9, 'd'});
            assertEquals(Nbd.REP_ERR_INVALID, c.optionReply().type());
        }
    }

    @Test
    void exportNameEntersTransmissionDirectly() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertEquals(SIZE, c.in.readLong());
            int flags = c.in.readUnsignedShort();
            assertTrue((flags & Nbd.TFLAG_SEND_FLUSH) != 0);
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 100, 200), c.read(100, 100));
        }
    }

    @Test
    void exportNameWithZeroesPadsTheReply() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.port()).hello(Nbd.FLAG_FIXED_NEWSTYLE)) {
            c.option(Nbd.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            assertEquals(SIZE, c.in.readLong());
            c.in.readUnsignedShort();
            c.in.readFully(new byte[124]);
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 0, 10), c.read(0, 10));
        }
    }

    @Test
    void exportNameForUnknownExportClosesTheConnection() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_EXPORT_NAME, "nosuch".getBytes(StandardCharsets.UTF_8));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void emptyNameMeansTheOnlyExport() throws IOException {
        server.removeExport("cdrom");
        try (RawNbdClient c = client()) {
            assertEquals(SIZE, c.go(""));
        }
    }

    @Test
    void writeThenReadBackAtAnUnalignedOffset() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            byte[] data = "hello, lazy block device".getBytes(StandardCharsets.UTF_8);
            c.request(0, Nbd.CMD_WRITE, 7, 4093, data.length, data);
            RawNbdClient.Reply r = c.reply();
            assertEquals(0, r.error());
            assertEquals(7, r.handle());
            assertArrayEquals(data, c.read(4093, data.length));
        }
    }

    @Test
    void flushAndFuaReachTheDevice() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_FLUSH, 1, 0, 0, null);
            assertEquals(0, c.reply().error());
            c.request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 2, 0, 1, new byte[] {1});
            assertEquals(0, c.reply().error());
            assertEquals(2, disk.flushes.get());
        }
    }

    @Test
    void writeZeroesAndTrimZeroTheRange() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_WRITE_ZEROES, 1, 1000, 5000, null);
            assertEquals(0, c.reply().error());
            c.request(0, Nbd.CMD_TRIM, 2, 9000, 100, null);
            assertEquals(0, c.reply().error());
            assertArrayEquals(new byte[5000], c.read(1000, 5000));
            assertArrayEquals(new byte[100], c.read(9000, 100));
        }
    }

    /** The data of NBD_OPT_LIST/SET_META_CONTEXT: export name, then the queries. */
    private static byte[] metaContext(String export, String... queries) {
        ByteBuffer b = ByteBuffer.allocate(1024);
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        b.putInt(n.length).put(n).putInt(queries.length);
        for (String q : queries) {
            byte[] x = q.getBytes(StandardCharsets.UTF_8);
            b.putInt(x.length).put(x);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void baseAllocationIsListedAndSetOnlyWithStructuredReplies() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_LIST_META_CONTEXT, metaContext("disk"));
            RawNbdClient.OptionReply r = c.optionReply();
            assertEquals(Nbd.REP_META_CONTEXT, r.type());
            assertEquals("base:allocation", new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8));
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.option(Nbd.OPT_LIST_META_CONTEXT, metaContext("disk", "qemu:dirty-bitmap:x"));
            assertEquals(Nbd.REP_ACK, c.optionReply().type(), "another namespace lists nothing");
            c.option(Nbd.OPT_SET_META_CONTEXT, metaContext("disk", "base:allocation"));
            assertEquals(Nbd.REP_ERR_INVALID, c.optionReply().type(), "no structured replies yet");
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.option(Nbd.OPT_SET_META_CONTEXT, metaContext("nosuch", "base:allocation"));
            assertEquals(Nbd.REP_ERR_UNKNOWN, c.optionReply().type());
            c.option(Nbd.OPT_SET_META_CONTEXT, new byte[] {0, 0, 0, 9});
            assertEquals(Nbd.REP_ERR_INVALID, c.optionReply().type(), "truncated");
            c.option(Nbd.OPT_SET_META_CONTEXT, metaContext("disk", "qemu:dirty-bitmap:x", "base:allocation"));
            r = c.optionReply();
            assertEquals(Nbd.REP_META_CONTEXT, r.type());
            int id = ByteBuffer.wrap(r.data()).getInt();
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.go("disk");
            c.request(0, Nbd.CMD_BLOCK_STATUS, 7, 4096, 8192, null);
            assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, c.in.readInt());
            assertEquals(Nbd.REPLY_FLAG_DONE, c.in.readUnsignedShort());
            assertEquals(Nbd.REPLY_TYPE_BLOCK_STATUS, c.in.readUnsignedShort());
            assertEquals(7, c.in.readLong());
            assertEquals(12, c.in.readInt());
            assertEquals(id, c.in.readInt());
            assertEquals(8192, c.in.readInt(), "the memory disk is all data");
            assertEquals(Extent.DATA, c.in.readInt());
        }
    }

    @Test
    void blockStatusWithoutAContextIsInvalid() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.option(Nbd.OPT_SET_META_CONTEXT, metaContext("cdrom", "base:allocation"));
            assertEquals(Nbd.REP_META_CONTEXT, c.optionReply().type());
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.go("disk"); // base:allocation was set for another export
            c.request(0, Nbd.CMD_BLOCK_STATUS, 8, 0, 4096, null);
            assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, c.in.readInt());
            assertEquals(Nbd.REPLY_FLAG_DONE, c.in.readUnsignedShort());
            assertEquals(Nbd.REPLY_TYPE_ERROR, c.in.readUnsignedShort());
            assertEquals(8, c.in.readLong());
            assertEquals(6, c.in.readInt());
            assertEquals(NbdError.EINVAL.code, c.in.readInt());
        }
    }

    @Test
    void structuredRepliesCarryOffsetAndDataOrAnError() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            c.go("disk");
            c.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, 42, 1000, 57, null);
            assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, c.in.readInt());
            assertEquals(Nbd.REPLY_FLAG_DONE, c.in.readUnsignedShort());
            assertEquals(Nbd.REPLY_TYPE_OFFSET_DATA, c.in.readUnsignedShort());
            assertEquals(42, c.in.readLong());
            assertEquals(8 + 57, c.in.readInt());
            assertEquals(1000, c.in.readLong());
            byte[] data = new byte[57];
            c.in.readFully(data);
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 1000, 1057), data);
            c.request(0, Nbd.CMD_READ, 43, SIZE, 1, null);
            assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, c.in.readInt());
            assertEquals(Nbd.REPLY_FLAG_DONE, c.in.readUnsignedShort());
            assertEquals(Nbd.REPLY_TYPE_ERROR, c.in.readUnsignedShort());
            assertEquals(43, c.in.readLong());
            assertEquals(6, c.in.readInt());
            assertEquals(NbdError.EINVAL.code, c.in.readInt());
            assertEquals(0, c.in.readUnsignedShort());
            // other commands keep simple replies
            c.request(0, Nbd.CMD_FLUSH, 44, 0, 0, null);
            assertEquals(44, c.reply().handle());
        }
    }

    @Test
    void fastZeroOfPartialBlocksIsRefusedAsNotFast() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 1, 100, 4096, null);
            assertEquals(NbdError.ENOTSUP.code, c.reply().error());
            c.request(Nbd.CMD_FLAG_FAST_ZERO, Nbd.CMD_WRITE_ZEROES, 2, 8192, 8192, null);
            assertEquals(0, c.reply().error());
        }
    }

    @Test
    void readPastTheEndIsEinvalAndTheConnectionGoesOn() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_READ, 5, SIZE - 10, 20, null);
            RawNbdClient.Reply r = c.reply();
            assertEquals(NbdError.EINVAL.code, r.error());
            assertEquals(5, r.handle());
            c.request(0, Nbd.CMD_READ, 6, -1L, 1, null); // offset 2^64-1
            assertEquals(NbdError.EINVAL.code, c.reply().error());
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, SIZE - 10, SIZE), c.read(SIZE - 10, 10));
        }
    }

    @Test
    void theRestOfAPartialLastSectorReadsAsZerosAndTakesNoWrites() throws IOException {
        MemoryDevice odd = new MemoryDevice(1000, false);
        server.addExport(new NbdExport("odd", "1000 bytes", odd));
        try (RawNbdClient c = client()) {
            assertEquals(1000, c.go("odd"));
            byte[] tail = c.read(512, 512);
            assertArrayEquals(Arrays.copyOfRange(odd.bytes, 512, 1000), Arrays.copyOf(tail, 488));
            assertArrayEquals(new byte[24], Arrays.copyOfRange(tail, 488, 512));
            byte[] sector = new byte[512];
            Arrays.fill(sector, (byte) 9);
            c.request(0, Nbd.CMD_WRITE, 1, 512, 512, sector);
            assertEquals(0, c.reply().error());
            assertEquals(9, odd.bytes[999]);
            c.request(0, Nbd.CMD_READ, 2, 512, 513, null);
            assertEquals(NbdError.EINVAL.code, c.reply().error(), "past the last sector is past the end");
            c.request(0, Nbd.CMD_WRITE, 3, 1024, 1, new byte[1]);
            assertEquals(NbdError.ENOSPC.code, c.reply().error());
        }
    }

    @Test
    void writePastTheEndIsEnospcAndThePayloadIsConsumed() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_WRITE, 9, SIZE - 2, 4, new byte[] {1, 2, 3, 4});
            assertEquals(NbdError.ENOSPC.code, c.reply().error());
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 0, 4), c.read(0, 4));
        }
    }

    @Test
    void writesToAReadOnlyExportAreEperm() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("cdrom");
            c.request(0, Nbd.CMD_WRITE, 1, 0, 2, new byte[] {1, 2});
            assertEquals(NbdError.EPERM.code, c.reply().error());
            c.request(0, Nbd.CMD_TRIM, 2, 0, 4096, null);
            assertEquals(NbdError.EPERM.code, c.reply().error());
            c.request(0, Nbd.CMD_WRITE_ZEROES, 3, 0, 4096, null);
            assertEquals(NbdError.EPERM.code, c.reply().error());
            assertEquals(cdrom.bytes[0], c.read(0, 1)[0]);
        }
    }

    @Test
    void unknownCommandsAndFlagsAreEinval() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, 77, 1, 0, 0, null);
            assertEquals(NbdError.EINVAL.code, c.reply().error());
            c.request(0x40, Nbd.CMD_READ, 2, 0, 1, null);
            assertEquals(NbdError.EINVAL.code, c.reply().error());
            c.request(0, 7, 3, 0, 512, null); // NBD_CMD_BLOCK_STATUS without a negotiated context
            assertEquals(NbdError.EINVAL.code, c.reply().error());
        }
    }

    @Test
    void pipelinedRequestsAreAllAnswered() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            for (int i = 0; i < 200; i++) {
                c.request(0, Nbd.CMD_READ, 1000 + i, (long) i * 4096, 4096, null);
            }
            Set<Long> handles = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                RawNbdClient.Reply r = c.reply();
                assertEquals(0, r.error());
                byte[] b = new byte[4096];
                c.in.readFully(b);
                int k = (int) (r.handle() - 1000);
                assertArrayEquals(Arrays.copyOfRange(disk.bytes, k * 4096, k * 4096 + 4096), b);
                handles.add(r.handle());
            }
            assertEquals(200, handles.size());
        }
    }

    @Test
    void discClosesAfterAnsweringWhatCameBefore() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_READ, 1, 0, 8, null);
            c.request(0, Nbd.CMD_DISC, 2, 0, 0, null);
            assertEquals(1, c.reply().handle());
            c.in.readFully(new byte[8]);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void badRequestMagicClosesTheConnectionButNotTheServer() throws IOException {
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.out.write(new byte[28]);
            c.out.flush();
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = client()) {
            assertEquals(SIZE, c.go("disk"));
        }
    }

    @Test
    void oversizedOptionAndOversizedWriteCloseTheConnection() throws IOException {
        try (RawNbdClient c = client()) {
            c.out.writeLong(Nbd.IHAVEOPT);
            c.out.writeInt(Nbd.OPT_GO);
            c.out.writeInt(Integer.MAX_VALUE);
            c.out.flush();
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = client()) {
            c.go("disk");
            c.request(0, Nbd.CMD_WRITE, 1, 0, Nbd.MAX_PAYLOAD + 1, null);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void randomGarbageNeverTakesTheServerDown() throws IOException {
        Random r = new Random(4);
        for (int i = 0; i < 50; i++) {
            try (RawNbdClient c = new RawNbdClient(server.port())) {
                byte[] junk = new byte[r.nextInt(200)];
                r.nextBytes(junk);
                if (i % 2 == 0) {
                    c.hello(Nbd.FLAG_FIXED_NEWSTYLE);
                }
                c.out.write(junk);
                c.out.flush();
            } catch (IOException ignored) {
                // the server may close first
            }
        }
        try (RawNbdClient c = client()) {
            assertEquals(SIZE, c.go("disk"));
            assertArrayEquals(Arrays.copyOfRange(disk.bytes, 0, 16), c.read(0, 16));
        }
    }

    @Test
    void abortEndsTheNegotiation() throws IOException {
        try (RawNbdClient c = client()) {
            c.option(Nbd.OPT_ABORT, new byte[0]);
            assertEquals(Nbd.REP_ACK, c.optionReply().type());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.port()).hello(0x80)) {
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void nbdinfoDescribesTheExport() throws Exception {
        Tools.require("nbdinfo");
        String out = Tools.ok(List.of("nbdinfo", "--json", "nbd://127.0.0.1:" + server.port() + "/cdrom"));
        assertTrue(out.contains("\"export-size\": " + SIZE / 2), out);
        assertTrue(out.contains("\"is_read_only\": true"), out);
        String list = Tools.ok(List.of("nbdinfo", "--list", "nbd://127.0.0.1:" + server.port()));
        assertTrue(list.contains("disk") && list.contains("cdrom"), list);
    }

    @Test
    void qemuIoWritesAndReadsOverAUnixSocket(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Path sock = dir.resolve("nbd.sock");
        try (NbdServer unix = NbdServer.unix(sock)) {
            unix.addExport(new NbdExport("disk", "unix", disk));
            String url = "nbd+unix:///disk?socket=" + sock;
            Tools.ok(List.of("qemu-io", "-f", "raw", "-c", "write -P 0xab 512 1536", "-c", "flush", url));
            for (int i = 512; i < 2048; i++) {
                assertEquals((byte) 0xab, disk.bytes[i]);
            }
            String out = Tools.ok(List.of("qemu-io", "-f", "raw", "-c", "read -P 0xab 512 1536", url));
            assertTrue(out.contains("read 1536/1536"), out);
        }
        assertTrue(!Files.exists(sock));
    }
}
