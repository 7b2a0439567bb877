package io.imagegate.agent.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the agent's reader of {@code ?manifest&format=binary} pages (docs/API.md), bytes that come
 * from the network: a page is refused with an IOException or IllegalArgumentException (which
 * {@link ExtensionClient} turns into "not a manifest") and nothing else, allocates nothing sized by
 * a count it has not checked against its own length, and what it accepts holds what the agent's
 * readers rely on: chunks back to back from 0, each at least a byte, none past the size; a page
 * that says it is the last covers the whole size or fails to build; a page that says more follow
 * is not taken again as its own continuation. The corpus (valid pages as the gateway writes them,
 * a first page of several, pages cut short, with a wrong count, a record past the size, a zero
 * length, bad UTF-8) runs as a regression test in the normal suite and seeds the campaigns.
 */
class BinaryManifestPageFuzzTest {

    @FuzzTest
    void pagesAddUpOrAreRefused(byte[] input) {
        Manifest.Builder b = new Manifest.Builder();
        long next;
        try {
            next = BinaryManifestPage.add(b, input);
            assertTrue(next == -1 || next == b.nextOffset(), "the next page starts where this one ends");
            if (next >= 0) {
                // the same page again does not continue it (it starts at its own first offset)
                long at = b.nextOffset();
                try {
                    BinaryManifestPage.add(b, input);
                    assertEquals(at, b.nextOffset(), "an empty repeat adds nothing");
                } catch (IOException | IllegalArgumentException e) {
                    assertEquals(at, b.nextOffset(), "a refused page adds nothing before the failing record");
                }
                return;
            }
        } catch (IOException | IllegalArgumentException e) {
            return;
        }
        Manifest m;
        try {
            m = b.build();
        } catch (IllegalArgumentException e) {
            return; // a last page that does not reach the size: refused when the manifest is built
        }
        long at = 0;
        for (int i = 0; i < m.count(); i++) {
            assertEquals(at, m.offset(i));
            assertTrue(m.length(i) > 0);
            assertEquals(i, m.indexOf(m.offset(i)));
            at += m.length(i);
        }
        assertEquals(m.size(), at, "the chunks cover the size");
        assertTrue(m.chunkSize() > 0);
    }

    /** A page as the gateway writes it, whose records' lengths and hashes are the fuzzer's. */
    @FuzzTest
    void wellFormedPagesReadBackExactly(FuzzedDataProvider data) throws IOException {
        int count = data.consumeInt(0, 64);
        int[] lengths = new int[count];
        boolean[] zeros = new boolean[count];
        long size = 0;
        for (int i = 0; i < count; i++) {
            lengths[i] = data.consumeInt(1, 1 << 22);
            zeros[i] = data.consumeBoolean();
            size += lengths[i];
        }
        byte[] hashes = data.consumeBytes(32 * count);
        if (hashes.length < 32 * count) {
            return;
        }
        String versionId = data.consumeBoolean() ? null : data.consumeAsciiString(40);
        String etag = data.consumeBoolean() ? null : "\"" + data.consumeAsciiString(40) + "\"";
        int chunkSize = data.consumeInt(1, 1 << 22);
        byte[] page = page(versionId, etag, chunkSize, size, 0, false, lengths, zeros, hashes);
        Manifest.Builder b = new Manifest.Builder();
        assertEquals(-1, BinaryManifestPage.add(b, page));
        Manifest m = b.build();
        assertEquals(count, m.count());
        assertEquals(size, m.size());
        assertEquals(chunkSize, m.chunkSize());
        assertEquals(versionId == null || versionId.isEmpty() ? null : versionId, m.versionId());
        assertEquals(etag, m.etag());
        for (int i = 0; i < count; i++) {
            assertEquals(lengths[i], m.length(i));
            assertEquals(zeros[i], m.zero(i));
            byte[] h = new byte[32];
            System.arraycopy(hashes, 32 * i, h, 0, 32);
            assertArrayEquals(h, m.hash(i).toBytes());
        }
        assertFalse(m.count() > 0 && m.offset(0) != 0);
    }

    /** Writes a page as docs/API.md lays it out (the gateway's ImageExtensions.binaryManifest is the other writer). */
    static byte[] page(String versionId, String etag, int chunkSize, long size, long first, boolean truncated,
                       int[] lengths, boolean[] zeros, byte[] hashes) {
        byte[] v = versionId == null ? new byte[0] : versionId.getBytes(StandardCharsets.UTF_8);
        byte[] e = etag == null ? new byte[0] : etag.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(BinaryManifestPage.HEADER + 4 + v.length + e.length
                + BinaryManifestPage.RECORD * lengths.length);
        out.putInt(BinaryManifestPage.MAGIC).put((byte) 1).put((byte) (truncated ? 1 : 0)).putShort((short) 0)
                .putInt(chunkSize).putInt(lengths.length).putLong(size).putLong(first)
                .putShort((short) v.length).put(v).putShort((short) e.length).put(e);
        for (int i = 0; i < lengths.length; i++) {
            out.putInt(lengths[i] | (zeros[i] ? 0x8000_0000 : 0)).put(hashes, 32 * i, 32);
        }
        return out.array();
    }
}
