package io.imagegate.agent.prefetch;

import io.imagegate.agent.image.BaseImage;
import io.imagegate.agent.image.ExportStats;
import io.imagegate.agent.image.ImageVersion;
import java.io.IOException;
import java.util.BitSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a boot profile in order in the background, bringing each chunk into the node cache ahead
 * of the guest, with the background share of the fetch slots. Chunks already cached cost nothing.
 */
public final class Prefetcher {

    private static final Logger log = LoggerFactory.getLogger(Prefetcher.class);
    private static final int BATCH = 16;

    private final BaseImage base;
    private final BootProfile profile;
    private final ExportStats stats;
    private final BackgroundWalk walk = new BackgroundWalk("prefetch");

    public Prefetcher(BaseImage base, BootProfile profile, ExportStats stats) {
        this.base = base;
        this.profile = profile;
        this.stats = stats;
    }

    public void start() {
        stats.prefetchTotal.set(profile.offsets().length);
        stats.prefetchDone.set(0);
        walk.start(this::run);
    }

    private void run() {
        ImageVersion v = base.version();
        BitSet seen = new BitSet();
        long[] offsets = profile.offsets();
        int k = 0;
        try {
            while (k < offsets.length && !walk.stopped()) {
                // a batch: the next chunks in profile order, adjacent ones fetched with one request
                int first = -1;
                int last = -1;
                int taken = 0;
                while (k < offsets.length && taken < BATCH) {
                    long off = offsets[k];
                    if (off < 0 || off >= v.size()) {
                        k++;
                        stats.prefetchDone.incrementAndGet();
                        continue;
                    }
                    int i = v.indexOf(off);
                    if (seen.get(i)) {
                        k++;
                        stats.prefetchDone.incrementAndGet();
                        continue;
                    }
                    if (first >= 0 && i != last + 1) {
                        break;
                    }
                    if (first < 0) {
                        first = i;
                    }
                    last = i;
                    seen.set(i);
                    k++;
                    taken++;
                }
                if (first >= 0) {
                    base.ensure(first, last, true);
                    stats.prefetchDone.addAndGet(last - first + 1);
                }
            }
            log.info("prefetch done object={} chunks={}", v.ref(), offsets.length);
        } catch (IOException e) {
            log.warn("prefetch stopped object={} at={} of={} error={}", v.ref(), k, offsets.length, e.getMessage());
        }
    }

    public void stop() {
        walk.stop();
    }

    /** Waits for the walk to end (a closing export, and tests). */
    public void await() throws InterruptedException {
        walk.await();
    }
}
