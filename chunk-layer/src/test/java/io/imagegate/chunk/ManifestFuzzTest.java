package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Fuzzes what the chunk layer decodes from stored bytes (docs/FORMAT-chunks.md): manifest pages,
 * manifest roots, redirect records and pack footers. Bad bytes give the documented exception
 * ({@link CorruptChunkException}, {@link CorruptPackException}, IllegalArgumentException for a root)
 * and nothing else: no allocation sized by a length field before it is checked against the bytes,
 * no arithmetic that wraps, no loop that does not end; and what decodes holds the invariants its
 * readers rely on. Headers, counts and checksums are fixed up by the harness when the fuzzer asks,
 * so the checks behind them are reached.
 */
class ManifestFuzzTest {

    private static final PackId FROM = new PackId(0x0123_4567_89ABL, 42);

    @FuzzTest
    void pagesParseOrAreCorrupt(FuzzedDataProvider data) {
        byte kind = (byte) data.consumeInt(0, 4);
        boolean fixHeader = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        byte[] bytes = fixHeader ? withHeader(kind, body) : body;
        ManifestPage page;
        try {
            page = ManifestPage.parse(bytes);
        } catch (CorruptChunkException e) {
            return;
        }
        assertTrue(page.count >= 0 && page.size >= 0);
        long previous = 0;
        for (int i = 0; i < page.count; i++) {
            assertEquals(previous, page.start(i));
            assertTrue(page.end(i) >= page.start(i), "entries do not go backwards");
            previous = page.end(i);
            assertNotNull(page.child(i));
            ChunkRef ref = page.ref(i);
            assertTrue(ref.offset() >= 0 && ref.length() >= 0);
            page.isZero(i);
            assertTrue(page.depthAt(i) >= -1);
            page.isGroup(i);
        }
        assertEquals(page.size, previous, "entries add up to the page's size");
        if (page.size > 0) {
            for (long rel : new long[] {0, page.size / 2, page.size - 1}) {
                int i = page.find(rel);
                assertTrue(i >= 0 && page.start(i) <= rel && rel < page.end(i), "find lands in the entry holding the byte");
            }
        }
        assertEquals(-1, page.find(page.size));
        if (page.kind == ManifestPage.PARTS) {
            int parts = page.partCount();
            assertTrue(parts >= page.count);
            // readers ask only for parts 1..partCount (DefaultChunkRepository checks the range first)
            for (int n : parts == 0 ? new int[0] : new int[] {1, parts / 2 + 1, parts}) {
                int i = page.entryOfPart(n);
                assertTrue(page.partsBefore(i) < n && n <= page.partsBefore(i) + page.partCountAt(i));
            }
        }
        assertTrue(page.weight() > 0);
    }

    @FuzzTest
    void rootsDecodeToThemselvesOrAreRefused(String encoded) {
        ManifestRoot root;
        try {
            root = ManifestRoot.decode(encoded);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(encoded, root.encode(), "one root, one string");
        assertTrue(root.depth() >= 0 && root.depth() <= ManifestRoot.MAX_DEPTH && root.size() >= 0);
    }

    @FuzzTest
    void redirectsDecodeConsistentlyOrAreCorrupt(FuzzedDataProvider data) {
        boolean fix = data.consumeBoolean();
        long probeOffset = data.consumeLong();
        long probeLength = data.consumeLong();
        byte[] body = data.consumeRemainingAsBytes();
        byte[] bytes = fix ? redirectFramed(body) : body;
        Redirect r;
        try {
            r = Redirect.decode(FROM, bytes);
        } catch (CorruptPackException e) {
            return;
        }
        List<Redirect.Entry> entries = r.entries();
        for (int i = 0; i < entries.size(); i++) {
            Redirect.Entry e = entries.get(i);
            assertTrue(e.oldOffset() >= 0 && e.newOffset() >= 0 && e.length() >= 0);
            long end = Math.addExact(e.oldOffset(), e.length());
            if (i + 1 < entries.size()) {
                assertTrue(end <= entries.get(i + 1).oldOffset(), "entries do not overlap");
            }
            assertEquals(e, r.entryAt(e.oldOffset()));
        }
        Redirect.Location at = r.locate(probeOffset, probeLength);
        if (at != null) {
            assertEquals(r.to(), at.pack());
            assertTrue(at.offset() >= 0, "a located range starts inside the new pack");
        }
        assertEquals(bytes.length, r.encode().length);
    }

    @FuzzTest
    void packFootersParseOrAreCorrupt(FuzzedDataProvider data) throws IOException {
        boolean fix = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        byte[] pack = fix ? packFramed(body) : body;
        ChunkStore.PackInfo info = new ChunkStore.PackInfo(FROM, pack.length);
        ChunkStore store = new BytesStore(pack);
        List<PackReader.PackEntry> index;
        try {
            index = PackReader.readIndex(store, info);
        } catch (CorruptPackException e) {
            index = null;
        }
        if (index != null) {
            long indexStart = pack.length - PackFormat.footerBytes(index.size());
            for (PackReader.PackEntry e : index) {
                assertTrue(e.offset() >= PackFormat.HEADER_BYTES + PackFormat.ENTRY_HEADER_BYTES && e.length() >= 0);
                assertTrue(Math.addExact(e.offset(), e.length()) <= indexStart, "an entry lies before the footer");
            }
        }
        try {
            for (PackReader.PackEntry e : PackReader.scan(store, info)) {
                assertTrue(Math.addExact(e.offset(), e.length()) <= pack.length);
            }
        } catch (CorruptPackException e) {
            // no header magic
        }
    }

    /** A page header (kind, version 1, entry count and size as the body's entries say) in front of the body. */
    private static byte[] withHeader(byte kind, byte[] body) {
        int stride = kind == ManifestPage.LEAF ? ManifestPage.LEAF_ENTRY
                : kind == ManifestPage.INNER ? ManifestPage.INNER_ENTRY : ManifestPage.PARTS_ENTRY;
        int count = body.length / stride;
        ByteBuffer b = ByteBuffer.allocate(ManifestPage.HEADER_BYTES + count * stride);
        long size = 0;
        ByteBuffer e = ByteBuffer.wrap(body);
        for (int i = 0; i < count; i++) {
            size += switch (kind) {
                case ManifestPage.LEAF -> Integer.toUnsignedLong(e.getInt(i * stride + 56));
                case ManifestPage.INNER -> e.getLong(i * stride + ChunkRef.BYTES);
                default -> e.getLong(i * stride + 8);
            };
        }
        b.put(kind).put(ManifestPage.VERSION).putShort((short) 0).putInt(count).putLong(size);
        b.put(body, 0, count * stride);
        return b.array();
    }

    /** A redirect record for {@link #FROM}: magic, the two packs, the entry count the body holds, a valid CRC. */
    private static byte[] redirectFramed(byte[] body) {
        int count = Math.max(0, body.length - PackId.BYTES) / Redirect.ENTRY_BYTES;
        ByteBuffer b = ByteBuffer.allocate(Redirect.HEADER_BYTES + count * Redirect.ENTRY_BYTES + Redirect.CRC_BYTES);
        b.put(Redirect.MAGIC);
        FROM.write(b);
        b.put(body, 0, Math.min(PackId.BYTES, body.length));
        b.position(8 + 2 * PackId.BYTES);
        b.putInt(count);
        if (body.length > PackId.BYTES) {
            b.put(body, PackId.BYTES, count * Redirect.ENTRY_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** A pack: header magic, the body as entries, then a footer indexing what the body's tail says, with a valid CRC. */
    private static byte[] packFramed(byte[] body) {
        int count = Math.min(body.length / 2 / PackFormat.INDEX_ENTRY_BYTES, 64);
        int indexBytes = count * PackFormat.INDEX_ENTRY_BYTES;
        int entriesBytes = body.length - indexBytes;
        ByteBuffer b = ByteBuffer.allocate(PackFormat.HEADER_BYTES + body.length + PackFormat.TRAILER_BYTES);
        b.put(PackFormat.HEADER_MAGIC);
        b.put(body);
        CRC32C crc = new CRC32C();
        crc.update(body, entriesBytes, indexBytes);
        b.putInt(count).putInt((int) crc.getValue()).putLong(PackFormat.footerBytes(count)).put(PackFormat.END_MAGIC);
        return b.array();
    }

    /** A store holding one pack's bytes, read as a real store reads them (short reads past the end fail). */
    private record BytesStore(byte[] pack) implements ChunkStore {
        @Override
        public PackOutput create(PackId id) {
            throw new UnsupportedOperationException("read only");
        }

        @Override
        public void read(PackId id, long offset, ByteBuffer dst) throws IOException {
            if (offset < 0 || offset + dst.remaining() > pack.length || offset + dst.remaining() < 0) {
                throw new IOException("read of " + dst.remaining() + " bytes at " + offset + " past the pack's end");
            }
            dst.put(pack, (int) offset, dst.remaining());
        }

        @Override
        public Stream<PackInfo> list() {
            return Stream.of(new PackInfo(FROM, pack.length));
        }

        @Override
        public void delete(PackId id) {
            throw new UnsupportedOperationException("read only");
        }

        @Override
        public void close() {
        }
    }
}
