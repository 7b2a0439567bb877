package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk layer's stored forms are pinned by golden files ({@code golden/} in the test resources):
 * the worked example of docs/FORMAT-chunks.md section 3 (a pack of two chunks and a leaf page), the
 * parts page of a concatenation of it with itself (section 4), and a redirect record for the example
 * pack (section 8). Each is read and its decoded values checked, then written again by the writers
 * the gateway uses and compared byte for byte.
 */
class GoldenFormatTest {

    /** The example's pack id, as the document shows it; pages name it, so writers are given it. */
    static final PackId EXAMPLE = PackId.parse("01a213d009b444447344c6640d69734b");
    static final PackId PARTS = PackId.parse("01a213d0a1c84f6e9d2b7a5c3e1f0d9b");
    static final PackId REWRITTEN = PackId.parse("01a2f0c3b7de41a88e5c1d2f3a4b5c6d");

    @TempDir
    Path dir;

    /** The example object: 5000 bytes, byte {@code i} being {@code i mod 251}. */
    static byte[] example() {
        byte[] b = new byte[5000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    static byte[] golden(String name) throws IOException {
        try (InputStream in = GoldenFormatTest.class.getResourceAsStream("/golden/" + name)) {
            assertNotNull(in, "golden/" + name + " is on the test class path");
            return in.readAllBytes();
        }
    }

    static String goldenText(String name) throws IOException {
        return new String(golden(name), StandardCharsets.UTF_8).strip();
    }

    /** A repository over a fresh store whose writers name their packs {@code ids} in turn. */
    private DefaultChunkRepository repository(Path where, PackId... ids) throws IOException {
        Supplier<PackId> next = new Supplier<>() {
            private int i;

            @Override
            public PackId get() {
                return ids[i++];
            }
        };
        return new DefaultChunkRepository(LocalChunkStore.open(where), RepositoryConfig.defaults(), next);
    }

    private static ManifestRoot writeExample(DefaultChunkRepository repo) throws IOException {
        byte[] data = example();
        try (ObjectWriter w = repo.newWriter(4096, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            return w.finish();
        }
    }

    private static ChunkHash sha(byte[] b, int off, int len) {
        return ChunkHash.sha256(b, off, len);
    }

    @Test
    void theExamplePackDecodesAsTheDocumentSaysItIsLaidOut() throws IOException {
        byte[] pack = golden("example.pack");
        assertEquals(5432, pack.length);
        LocalChunkStore store = LocalChunkStore.open(dir);
        Files.write(store.packPath(EXAMPLE), pack);
        try (DefaultChunkRepository repo = new DefaultChunkRepository(store)) {
            List<PackReader.PackEntry> index = PackReader.readIndex(store, new ChunkStore.PackInfo(EXAMPLE, pack.length));
            byte[] data = example();
            assertEquals(List.of(
                    new PackReader.PackEntry(PackReader.EntryType.CHUNK, sha(data, 0, 4096), 48, 4096),
                    new PackReader.PackEntry(PackReader.EntryType.CHUNK, sha(data, 4096, 904), 4184, 904),
                    new PackReader.PackEntry(PackReader.EntryType.MANIFEST_PAGE, sha(pack, 5128, 136), 5128, 136)),
                    index);
            assertEquals(index, PackReader.scan(store, new ChunkStore.PackInfo(EXAMPLE, pack.length)),
                    "the entry headers say what the footer says");

            ManifestRoot root = ManifestRoot.decode(goldenText("example.root"));
            assertEquals(new ManifestRoot(new ChunkRef(sha(pack, 5128, 136), EXAMPLE, 5128, 136), 1, 5000, 4096), root);
            ManifestPage leaf = ManifestPage.parse(java.util.Arrays.copyOfRange(pack, 5128, 5264));
            assertEquals(ManifestPage.LEAF, leaf.kind);
            assertEquals(2, leaf.count);
            assertEquals(5000, leaf.size);
            assertEquals(new ChunkRef(sha(data, 0, 4096), EXAMPLE, 48, 4096), leaf.ref(0));
            assertEquals(new ChunkRef(sha(data, 4096, 904), EXAMPLE, 4184, 904), leaf.ref(1));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            repo.read(root, 0, root.size(), out);
            assertArrayEquals(data, out.toByteArray());
        }
    }

    @Test
    void writingTheExampleAgainGivesTheSamePackByteForByte() throws IOException {
        try (DefaultChunkRepository repo = repository(dir, EXAMPLE)) {
            ManifestRoot root = writeExample(repo);
            assertEquals(goldenText("example.root"), root.encode());
            assertArrayEquals(golden("example.pack"), Files.readAllBytes(((LocalChunkStore) repo.store())
                    .packPath(EXAMPLE)));
        }
    }

    @Test
    void thePartsPageOfAConcatenationDecodesAndIsWrittenAgainByteForByte() throws IOException {
        byte[] pack = golden("parts.pack");
        ManifestRoot root = ManifestRoot.decode(goldenText("parts.root"));
        ManifestRoot part = ManifestRoot.decode(goldenText("example.root"));
        assertEquals(PARTS, root.top().pack());
        assertEquals(10_000, root.size());
        assertEquals(2, root.depth(), "one above the parts' leaf pages");
        int at = (int) root.top().offset();
        ManifestPage page = ManifestPage.parse(java.util.Arrays.copyOfRange(pack, at, at + root.top().length()));
        assertEquals(ManifestPage.PARTS, page.kind);
        assertEquals(2, page.count);
        assertEquals(10_000, page.size);
        assertEquals(2, page.partCount());
        for (int i = 0; i < 2; i++) {
            assertEquals(part.top(), page.ref(i), "part " + (i + 1) + " is the example's leaf page");
            assertEquals(1, page.depthAt(i));
            assertEquals(1, page.partCountAt(i));
            assertEquals(5000L * i, page.start(i));
        }

        try (DefaultChunkRepository repo = repository(dir, EXAMPLE, PARTS)) {
            ManifestRoot example = writeExample(repo);
            ManifestRoot concat = repo.concat(List.of(example, example));
            assertEquals(root, concat);
            assertArrayEquals(pack, Files.readAllBytes(((LocalChunkStore) repo.store()).packPath(PARTS)));
        }
    }

    @Test
    void aRedirectRecordDecodesAndEncodesToTheSameBytes() throws IOException, CorruptPackException {
        byte[] bytes = golden("example.redirect");
        Redirect r = Redirect.decode(EXAMPLE, bytes);
        assertEquals(EXAMPLE, r.from());
        assertEquals(REWRITTEN, r.to());
        byte[] pack = golden("example.pack");
        // chunk 0 was not live: the second chunk and the page moved, back to back, to the start of the new pack
        assertEquals(List.of(
                new Redirect.Entry(PackReader.EntryType.CHUNK, sha(example(), 4096, 904), 4184, 48, 904),
                new Redirect.Entry(PackReader.EntryType.MANIFEST_PAGE, sha(pack, 5128, 136), 5128, 992, 136)),
                r.entries());
        assertEquals(new Redirect.Location(REWRITTEN, 48), r.locate(4184, 904));
        assertEquals(new Redirect.Location(REWRITTEN, 992), r.locate(5128, 136));
        assertEquals(new Redirect.Location(REWRITTEN, 48), r.locate(4184, 904 + 40 + 136), "a coalesced read");
        assertNull(r.locate(48, 4096), "the dropped chunk is not redirected");
        assertEquals(44 + 2 * 56 + 4, bytes.length);
        assertArrayEquals(bytes, r.encode());
    }

    @Test
    void docsFormatChunksShowsTheExampleAsTheGoldenFilesHaveIt() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "FORMAT-chunks.md"));
        assertTrue(doc.contains(goldenText("example.root")), "the worked example's root string");
        assertTrue(doc.contains(goldenText("parts.root")), "the concatenation's root string");
        assertTrue(doc.contains("5432        end of pack"), "the example pack's length");
        String crc = String.format("%08x", java.nio.ByteBuffer.wrap(golden("example.pack"), 5412, 4).getInt());
        assertTrue(doc.contains("00000003 " + crc + " 00000000000000a8 \"imgpend1\""), "the example's trailer");
        byte[] redirect = golden("example.redirect");
        assertTrue(doc.contains("CRC-32C `" + java.util.HexFormat.of().formatHex(redirect, redirect.length - 4,
                redirect.length) + "`"), "the redirect example's checksum");
    }
}
