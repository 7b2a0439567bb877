package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VersionIdsTest {

    @Test
    void idsAreUrlSafeAndCarryBirthAndOrdinal() {
        String id = VersionIds.create(1_700_000_000_123L, 77);
        assertEquals(22, id.length());
        assertTrue(id.matches("[A-Za-z][A-Za-z0-9_-]+"), id);
        assertEquals(new VersionIds.Parsed(1_700_000_000_123L, 77), VersionIds.parse(id));
    }

    @Test
    void idsOfOneKeySortInPublicationOrder() {
        String previous = VersionIds.create(5, 0);
        for (long ordinal = 1; ordinal < 5000; ordinal += 7) {
            String next = VersionIds.create(5, ordinal);
            assertTrue(previous.compareTo(next) < 0, previous + " !< " + next);
            previous = next;
        }
    }

    @Test
    void foreignStringsAreMalformed() {
        for (String bad : new String[] {"", "abc", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "x".repeat(22),
                VersionIds.create(1, 1).substring(0, 21) + "?"}) {
            assertThrows(IllegalArgumentException.class, () -> VersionIds.parse(bad), bad);
            MetadataException.InvalidVersionId e = assertThrows(MetadataException.InvalidVersionId.class,
                    () -> VersionIds.validate(bad, "versionId"), bad);
            assertEquals("versionId", e.argument());
            assertEquals(bad, e.versionId());
        }
        VersionIds.validate("null", "versionId");
    }
}
