package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.zookeeper.common.PathUtils;
import org.junit.jupiter.api.Test;

class KeyNamesTest {

    private static final List<String> AWKWARD = List.of(".", "..", "...", "a/b", "/", "//x//", "100%", "%2F",
            "%~", "sp ace", "tab\tnew\nline", "\u0000nul", "del\u007f", "c1\u0085", "日本語/ファイル.raw", "emoji 😀",
            "private\uE000use", "bom\uFEFF", "nonchar\uFFFE", "~tilde", "zookeeper");

    @Test
    void awkwardKeysEscapeToLegalNamesAndBack() {
        for (String key : AWKWARD) {
            String name = KeyNames.name(key);
            PathUtils.validatePath("/x/" + name);
            assertFalse(name.contains("/"), name);
            assertEquals(key, KeyNames.unescape(name));
        }
    }

    @Test
    void randomUnicodeKeysRoundTrip() {
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            String key = TestKeys.random(r, 1 + r.nextInt(40));
            String name = KeyNames.name(key);
            PathUtils.validatePath("/x/" + name);
            KeyNames.Decoded d = KeyNames.decode(name);
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            if (d.truncated()) {
                assertTrue(ByteKeys.startsWith(bytes, d.bytes()));
            } else {
                assertArrayEquals(bytes, d.bytes());
            }
        }
    }

    @Test
    void longKeysGetShortDistinctNamesKeepingTheirPrefix() {
        String a = "x".repeat(500) + "a";
        String b = "x".repeat(500) + "b";
        String na = KeyNames.name(a);
        assertTrue(na.getBytes(StandardCharsets.UTF_8).length <= KeyNames.MAX_NAME_BYTES);
        assertNotEquals(na, KeyNames.name(b));
        KeyNames.Decoded d = KeyNames.decode(na);
        assertTrue(d.truncated());
        assertTrue(a.startsWith(new String(d.bytes(), StandardCharsets.UTF_8)));
        PathUtils.validatePath("/x/" + KeyNames.name("😀".repeat(256)));
    }

    @Test
    void keysS3RejectsAreRejected() {
        assertFalse(assertThrows(MetadataException.InvalidKey.class, () -> KeyNames.validateKey("")).tooLong());
        assertTrue(assertThrows(MetadataException.InvalidKey.class, () -> KeyNames.validateKey("x".repeat(1025))).tooLong());
        assertFalse(assertThrows(MetadataException.InvalidKey.class, () -> KeyNames.validateKey("lone\uD800")).tooLong());
        KeyNames.validateKey("x".repeat(1024));
    }

    @Test
    void separatorLiesBetweenItsKeysAndIsAValidString() {
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] a = TestKeys.random(r, 1 + r.nextInt(8)).getBytes(StandardCharsets.UTF_8);
            byte[] b = TestKeys.random(r, 1 + r.nextInt(8)).getBytes(StandardCharsets.UTF_8);
            if (ByteKeys.compare(a, b) == 0) {
                continue;
            }
            byte[] lo = ByteKeys.compare(a, b) < 0 ? a : b;
            byte[] hi = lo == a ? b : a;
            byte[] s = ByteKeys.separator(lo, hi);
            assertTrue(ByteKeys.compare(lo, s) < 0 && ByteKeys.compare(s, hi) <= 0);
            assertArrayEquals(s, ByteKeys.text(s).getBytes(StandardCharsets.UTF_8));
        }
    }
}
