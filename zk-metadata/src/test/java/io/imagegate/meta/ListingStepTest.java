package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.meta.MetadataStore.ListQuery;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A listing's step runs before each window of keys it reads, and what the step throws stops the
 * listing and leaves the store as it was thrown (the gateway stops listings whose client hung up).
 */
class ListingStepTest extends ZkTestSupport {

    /** What a caller's step throws: its own type, which the store must not turn into one of its own. */
    private static final class CallerStop extends RuntimeException {
    }

    @Test
    void aListingPassingOverDeleteMarkersRunsItsStepPerWindowAndStopsWhenTheStepThrows() {
        createBucket(Versioning.ENABLED);
        for (int i = 0; i < 40; i++) {
            put("k" + (100 + i), "e" + i);
            store.delete(bucket, "k" + (100 + i), null, WriteCondition.NONE);
        }
        put("z", "ez");
        AtomicInteger windows = new AtomicInteger();
        var page = store.list(bucket, new ListQuery(null, null, null, 1, windows::incrementAndGet));
        assertEquals("z", page.contents().get(0).key());
        assertEquals(4, windows.get(), "41 keys in windows of 16: a step before each, and before the look past the last");

        CallerStop stop = new CallerStop();
        AtomicInteger calls = new AtomicInteger();
        CallerStop thrown = assertThrows(CallerStop.class, () -> store.list(bucket, new ListQuery(null, null, null, 1,
                () -> {
                    if (calls.incrementAndGet() == 2) {
                        throw stop;
                    }
                })));
        assertSame(stop, thrown, "the step's own exception, not a store failure");
        assertEquals(2, calls.get(), "no window read after the step threw");

        assertThrows(CallerStop.class, () -> store.listVersions(bucket, new VersionListQuery(null, null, null, null,
                1000, () -> {
                    throw stop;
                })));
    }
}
