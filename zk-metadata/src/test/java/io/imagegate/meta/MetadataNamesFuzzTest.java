package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.zookeeper.common.PathUtils;

/**
 * Fuzzes the two client-controlled strings the metadata store parses or encodes: version ids (the
 * {@code versionId} and {@code version-id-marker} parameters) and object keys turned into
 * ZooKeeper node names. A version id parses into its birth time and ordinal, or is refused with
 * an IllegalArgumentException (a request's version id is refused as MetadataException.InvalidVersionId,
 * which the gateway answers as 400 InvalidArgument); an id the store made
 * parses back to what made it. A key S3 accepts always gets a node name ZooKeeper accepts, of at
 * most {@link KeyNames#MAX_NAME_BYTES} bytes unless hashed, that decodes back to the key (or to a
 * prefix of it when truncated); and any node name, however foreign, decodes or is refused with an
 * IllegalArgumentException.
 */
class MetadataNamesFuzzTest {

    @FuzzTest
    void versionIdsParseOrAreRefused(FuzzedDataProvider data) {
        long born = data.consumeLong(0, (1L << 48) - 1);
        long ordinal = data.consumeLong(0, (1L << 40) - 1);
        String made = VersionIds.create(born, ordinal);
        assertEquals(VersionIds.LENGTH, made.length());
        assertEquals(new VersionIds.Parsed(born, ordinal), VersionIds.parse(made), "an id parses to what made it");
        assertFalse(made.startsWith("-"), "an id never looks like an option");

        String foreign = data.consumeRemainingAsString();
        VersionIds.Parsed parsed;
        try {
            parsed = VersionIds.parse(foreign);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(VersionIds.LENGTH, foreign.length());
        assertTrue(parsed.born() >= 0 && parsed.born() < 1L << 48 && parsed.ordinal() >= 0 && parsed.ordinal() < 1L << 40);
        assertTrue(foreign.chars().allMatch(c -> VersionIds.ALPHABET.indexOf(c) >= 0));
    }

    @FuzzTest
    void keysGetNodeNamesThatDecodeBack(FuzzedDataProvider data) {
        boolean foreignName = data.consumeBoolean();
        String s = data.consumeRemainingAsString();
        if (foreignName) {
            try {
                KeyNames.Decoded d = KeyNames.decode(s);
                assertTrue(d.bytes().length <= s.length() * 3);
            } catch (IllegalArgumentException e) {
                // not an escaped name: the documented refusal
            }
            return;
        }
        try {
            KeyNames.validateKey(s);
        } catch (MetadataException.InvalidKey e) {
            return; // a key S3 refuses: the store's refusal, which the gateway answers as S3 does
        }
        byte[] key = s.getBytes(StandardCharsets.UTF_8);
        assertTrue(key.length >= 1 && key.length <= KeyNames.MAX_KEY_BYTES);
        String name = KeyNames.name(s);
        PathUtils.validatePath("/" + name); // throws IllegalArgumentException: a name ZooKeeper refuses
        KeyNames.Decoded d = KeyNames.decode(name);
        if (d.truncated()) {
            assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= KeyNames.TRUNCATED_PREFIX_BYTES + KeyNames.TRUNCATION_MARK.length() + 16,
                    () -> "a hashed name stays short: " + name);
            assertArrayEquals(Arrays.copyOf(key, d.bytes().length), d.bytes(), "a truncated name keeps a prefix of the key");
        } else {
            assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= KeyNames.MAX_NAME_BYTES);
            assertArrayEquals(key, d.bytes(), "a name decodes to its key");
            assertEquals(s, KeyNames.unescape(name));
        }
        assertEquals(s, KeyNames.unescape(KeyNames.escape(s)), "escaping is undone whole");
        PathUtils.validatePath("/" + KeyNames.escape(s));
    }
}
