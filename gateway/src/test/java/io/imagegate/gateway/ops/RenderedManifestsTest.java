package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gateway's memory of rendered binary manifest pages: keyed by all a page follows from, bounded, least recently used out first. */
class RenderedManifestsTest {

    private static RenderedManifests.Key key(String versionId, long offset) {
        return new RenderedManifests.Key("m1:65536:131072:1:abc:def:0:100", versionId, "etag", offset, 65536);
    }

    @Test
    void aPageIsRenderedOnceAndServedFromMemoryAfterwards() {
        RenderedManifests kept = new RenderedManifests(1000);
        AtomicInteger renders = new AtomicInteger();
        byte[] first = kept.get(key("v1", 0), () -> new byte[] {(byte) renders.incrementAndGet()});
        byte[] again = kept.get(key("v1", 0), () -> new byte[] {(byte) renders.incrementAndGet()});
        assertEquals(1, renders.get());
        assertArrayEquals(first, again);
    }

    @Test
    void anotherVersionOnTheSameRootOrAnotherOffsetIsAnotherPage() {
        RenderedManifests kept = new RenderedManifests(1000);
        AtomicInteger renders = new AtomicInteger();
        kept.get(key("v1", 0), () -> new byte[] {(byte) renders.incrementAndGet()});
        byte[] copy = kept.get(key("v2", 0), () -> new byte[] {(byte) renders.incrementAndGet()});
        byte[] later = kept.get(key("v1", 65536), () -> new byte[] {(byte) renders.incrementAndGet()});
        assertEquals(3, renders.get());
        assertArrayEquals(new byte[] {2}, copy);
        assertArrayEquals(new byte[] {3}, later);
    }

    @Test
    void theLeastRecentlyUsedPageGoesPastTheBoundAndTooLargeOnesAreNotKept() {
        RenderedManifests kept = new RenderedManifests(250);
        AtomicInteger renders = new AtomicInteger();
        kept.get(key("a", 0), () -> { renders.incrementAndGet(); return new byte[100]; });
        kept.get(key("b", 0), () -> { renders.incrementAndGet(); return new byte[100]; });
        kept.get(key("a", 0), () -> { renders.incrementAndGet(); return new byte[100]; }); // a is now the recent one
        kept.get(key("c", 0), () -> { renders.incrementAndGet(); return new byte[100]; }); // b goes
        assertEquals(3, renders.get());
        kept.get(key("a", 0), () -> { renders.incrementAndGet(); return new byte[100]; });
        assertEquals(3, renders.get(), "a stayed");
        kept.get(key("b", 0), () -> { renders.incrementAndGet(); return new byte[100]; });
        assertEquals(4, renders.get(), "b had gone");
        kept.get(key("big", 0), () -> { renders.incrementAndGet(); return new byte[300]; });
        kept.get(key("big", 0), () -> { renders.incrementAndGet(); return new byte[300]; });
        assertEquals(6, renders.get(), "a page over the bound is rendered each time");
    }
}
