package io.imagegate.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a multipart snapshot cuts an image into parts: S3's limits always hold. */
class MultipartPlanTest {

    private static final long MiB = 1024 * 1024;
    private static final int GRID = 65536;

    private static void checkLimits(long size, List<MultipartCommitter.Part> parts) {
        assertTrue(parts.size() <= 10000, parts.size() + " parts");
        long pos = 0;
        for (int i = 0; i < parts.size(); i++) {
            MultipartCommitter.Part p = parts.get(i);
            assertEquals(i + 1, p.number());
            assertEquals(pos, p.first());
            long len = p.end() - p.first();
            assertTrue(len <= 5L * 1024 * MiB, "part of " + len);
            if (i < parts.size() - 1) {
                assertTrue(len >= 5 * MiB, "part " + p.number() + " of " + len + " bytes is below S3's minimum");
            }
            pos = p.end();
        }
        assertEquals(size, pos);
    }

    @Test
    void untouchedRunsAreOneCopyPartAndChangedUnitsAreUploaded() {
        long size = 100 * MiB + 3;
        BitSet changed = new BitSet();
        changed.set(0);
        changed.set((int) (50 * MiB / GRID));
        List<MultipartCommitter.Part> parts = MultipartCommitter.plan(size, GRID, changed);
        checkLimits(size, parts);
        assertEquals(List.of(true, false, true, false), parts.stream().map(MultipartCommitter.Part::upload).toList());
        assertEquals(8 * MiB, parts.get(0).end());
        assertEquals(48 * MiB, parts.get(2).first());
    }

    @Test
    void aSmallImageIsOnePart() {
        BitSet changed = new BitSet();
        changed.set(1);
        List<MultipartCommitter.Part> parts = MultipartCommitter.plan(3 * MiB, GRID, changed);
        checkLimits(3 * MiB, parts);
        assertEquals(1, parts.size());
        assertTrue(parts.getFirst().upload());
    }

    @Test
    void aHugeImageWithScatteredChangesStaysWithinTenThousandParts() {
        long size = 200L * 1024 * MiB;
        BitSet changed = new BitSet();
        for (int c = 0; c < size / GRID; c += 977) {
            changed.set(c);
        }
        List<MultipartCommitter.Part> parts = MultipartCommitter.plan(size, GRID, changed);
        checkLimits(size, parts);
    }

    @Test
    void longCleanRunsAreSplitAtFiveGibibytes() {
        long size = 12L * 1024 * MiB;
        List<MultipartCommitter.Part> parts = MultipartCommitter.plan(size, GRID, new BitSet());
        checkLimits(size, parts);
        assertEquals(3, parts.size());
    }
}
