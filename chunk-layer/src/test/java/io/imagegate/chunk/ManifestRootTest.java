package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestRootTest {

    private static final ChunkRef PAGE = new ChunkRef(ChunkHash.sha256(new byte[] {1}, 0, 1),
            PackId.generate(Instant.parse("2025-01-01T00:00:00Z")), 8 + 40, 61_456);

    @Test
    void encodeThenDecodeGivesTheSameRoot() {
        ManifestRoot root = new ManifestRoot(PAGE, 2, 20L << 30, 65536);
        String s = root.encode();
        assertTrue(s.startsWith("m1:"));
        assertTrue(s.chars().allMatch(c -> c >= 0x21 && c < 0x7f), s);
        assertEquals(root, ManifestRoot.decode(s));
    }

    @Test
    void emptyObjectEncodesWithoutATop() {
        ManifestRoot empty = ManifestRoot.empty(65536);
        assertEquals("m1:65536:0:0:-", empty.encode());
        assertEquals(empty, ManifestRoot.decode(empty.encode()));
    }

    @Test
    void singleChunkObjectAndSingleZeroChunkRoundTrip() {
        ManifestRoot one = new ManifestRoot(new ChunkRef(PAGE.hash(), PAGE.pack(), 48, 100), 0, 100, 4096);
        assertEquals(one, ManifestRoot.decode(one.encode()));
        ManifestRoot zero = new ManifestRoot(ZeroChunks.ref(4096), 0, 4096, 4096);
        assertEquals(zero, ManifestRoot.decode(zero.encode()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m1", "m2:4096:0:0:-", "m1:4096:0:0", "m1:4096:0:0:x", "m1:0:0:0:-",
        "m1:4096:5:0:-", "m1:4096:0:1:-", "m1:-4096:0:0:-", "m1:+4096:0:0:-", "m1:4096:99999999999999999999:0:-",
        "m1:4096:100:256:00:00:0:0", "m1:4096:0:0:-:", " m1:4096:0:0:-", "m1:４０９６:0:0:-"})
    void garbageIsRejectedWithIllegalArgument(String garbage) {
        assertThrows(IllegalArgumentException.class, () -> ManifestRoot.decode(garbage));
    }

    @Test
    void nonCanonicalSpellingsAreRejected() {
        String good = new ManifestRoot(PAGE, 3, 123456789, 65536).encode();
        assertThrows(IllegalArgumentException.class, () -> ManifestRoot.decode(good.replace(":65536:", ":065536:")));
        assertThrows(IllegalArgumentException.class, () -> ManifestRoot.decode(good.toUpperCase().replace("M1:", "m1:")));
    }

    @Test
    void nullIsRejectedWithIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> ManifestRoot.decode(null));
    }

    @Test
    void rootsWhoseFieldsContradictEachOtherAreRejected() {
        String hash = PAGE.hash().hex();
        String pack = PAGE.pack().hex();
        // depth 0 means the top is the chunk, so its length must be the size
        assertThrows(IllegalArgumentException.class,
                () -> ManifestRoot.decode("m1:4096:5000:0:" + hash + ":" + pack + ":48:100"));
        // a page cannot live in the zero pack
        assertThrows(IllegalArgumentException.class,
                () -> ManifestRoot.decode("m1:4096:5000:1:" + hash + ":" + PackId.ZERO.hex() + ":0:100"));
        assertThrows(IllegalArgumentException.class,
                () -> ManifestRoot.decode("m1:4096:5000:1:" + hash.substring(1) + "g:" + pack + ":48:100"));
    }

    @Test
    void everyMutationOfAnEncodingDecodesOrFailsWithIllegalArgumentOnly() {
        String good = new ManifestRoot(PAGE, 3, 123456789, 65536).encode();
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            char[] c = good.toCharArray();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                c[random.nextInt(c.length)] = (char) (random.nextInt(96) + 32);
            }
            String mutated = random.nextInt(10) == 0 ? new String(c, 0, random.nextInt(c.length)) : new String(c);
            try {
                ManifestRoot decoded = ManifestRoot.decode(mutated);
                assertEquals(mutated, decoded.encode());
            } catch (IllegalArgumentException expected) {
                // the only permitted failure
            }
        }
    }
}
