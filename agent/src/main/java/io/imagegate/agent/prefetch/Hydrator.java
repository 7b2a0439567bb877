package io.imagegate.agent.prefetch;

import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.BaseImage;
import io.imagegate.agent.image.FetchLimits;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.chunk.retry.RetryPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the rest of an export's version into the node cache in the background, so that a
 * long-running guest stops depending on the store: after the boot profile's prefetch, in runs of
 * adjacent missing chunks, at most {@code rate} bytes a second, with the background share of the
 * fetch slots, and never while a guest read waits for a fetch. Chunks already cached cost nothing,
 * so after a restart it starts again and skips what the cache holds. It follows the export's base
 * when a snapshot moves it.
 */
public final class Hydrator {

    private static final Logger log = LoggerFactory.getLogger(Hydrator.class);
    /** Pauses after a failed fetch (whose own retries are spent): up to 1 s doubling to 1 min, full jitter. */
    private static final RetryPolicy PAUSES = new RetryPolicy(100, Duration.ofSeconds(1), Duration.ofMinutes(1));
    static final String TOO_LARGE = "too large for the cache";
    static final String EVICTED = "given up: evicted";

    /**
     * Where hydration stands: {@code state} is waiting (for the boot profile's prefetch), hydrating,
     * done, stopped, {@value #TOO_LARGE} (the version's data exceeds the node cache) or
     * {@value #EVICTED} (two whole walks in a row ended with chunks evicted again).
     */
    public record Progress(String state, long bytes, long totalBytes, long etaSeconds) {}

    private final String name;
    private final Supplier<BaseImage> base;
    private final NodeCache cache;
    private final FetchLimits limits;
    private final long rate;
    private final Prefetcher before;
    private final BackgroundWalk walk;
    private volatile String state = "waiting";
    private volatile long bytes;
    private volatile long total;
    private volatile long etaSeconds = -1;
    private int failures;

    /**
     * @param base   the export's base version now (a snapshot moves it)
     * @param rate   bytes a second at most
     * @param before a boot-profile prefetch to let finish first, or null
     */
    public Hydrator(String name, Supplier<BaseImage> base, NodeCache cache, FetchLimits limits, long rate,
                    Prefetcher before) {
        if (rate <= 0) {
            throw new IllegalArgumentException("a hydration rate must be positive, not " + rate);
        }
        this.name = name;
        this.base = base;
        this.cache = cache;
        this.limits = limits;
        this.rate = rate;
        this.before = before;
        this.walk = new BackgroundWalk("hydrate-" + name);
    }

    public long rate() {
        return rate;
    }

    public void start() {
        walk.start(this::run);
    }

    public Progress progress() {
        return new Progress(state, bytes, total, etaSeconds);
    }

    private void run() {
        try {
            if (before != null) {
                before.await();
            }
            int evictedPasses = 0;
            while (!walk.stopped()) {
                Pass p = pass();
                if (p == Pass.DONE) {
                    state = "done";
                    etaSeconds = 0;
                    log.info("hydrated export={} bytes={}", name, total);
                    return;
                }
                if (p == Pass.TOO_LARGE) {
                    state = TOO_LARGE;
                    etaSeconds = -1;
                    log.warn("not hydrating export={}: its {} bytes of data do not fit in the node cache of {} bytes",
                            name, total, cache.stats().maxBytes());
                    return;
                }
                // a whole walk that left chunks out: the cache evicted them (other images, a guest's reads)
                evictedPasses = p == Pass.EVICTED ? evictedPasses + 1 : 0;
                if (evictedPasses == 2) {
                    state = EVICTED;
                    etaSeconds = -1;
                    log.warn("hydration of export={} given up: the node cache evicted its chunks twice in a row "
                            + "({} of {} bytes held); a larger cache (--cache-size) would hold it", name, bytes, total);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (walk.stopped() && (state.equals("hydrating") || state.equals("waiting"))) {
                state = "stopped";
            }
        }
    }

    /** How one walk over the version ended. */
    private enum Pass { DONE, AGAIN, EVICTED, TOO_LARGE }

    /** One walk over the version. */
    private Pass pass() throws InterruptedException {
        BaseImage b = base.get();
        ImageVersion v = b.version();
        count(v);
        if (total > cache.stats().maxBytes()) {
            return Pass.TOO_LARGE; // it would evict itself: a walk that never ends, fetching all the time
        }
        state = "hydrating";
        long started = System.nanoTime();
        long startBytes = bytes;
        long next = started;
        // runs of a quarter second's worth at most: the pace stays even, and a guest read waits little behind one
        long maxRun = Math.max(1, Math.min(limits.maxRunBytes(), rate / 4));
        int i = 0;
        while (i < v.count() && !walk.stopped()) {
            if (v.zero(i) || cache.contains(v.cacheKey(i))) {
                i++;
                continue;
            }
            int first = i;
            long run = 0;
            while (i < v.count() && !v.zero(i) && !cache.contains(v.cacheKey(i))
                    && (i == first || run + v.length(i) <= maxRun)) {
                run += v.length(i);
                i++;
            }
            while (limits.readersWaiting() > 0 && !walk.stopped()) {
                Thread.sleep(5); // the guest waits for a fetch: it goes first
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            try {
                b.ensure(first, i - 1, true);
                failures = 0;
            } catch (IOException e) {
                // the fetch's own retries are spent: the store is away for a while. Pause with the
                // shared policy's full jitter, so that nodes that lost it together do not return in step
                Duration pause = PAUSES.backoff(Math.min(++failures, 30), ThreadLocalRandom.current());
                log.info("hydration of export={} paused (tries again in {} ms): {}", name, pause.toMillis(),
                        e.getMessage());
                Thread.sleep(pause);
                return Pass.AGAIN;
            }
            next = Math.max(next, System.nanoTime()) + run * 1_000_000_000L / rate;
            bytes += run;
            double elapsed = (System.nanoTime() - started) / 1e9;
            double measured = elapsed > 0.5 ? (bytes - startBytes) / elapsed : rate;
            etaSeconds = (long) Math.ceil((total - bytes) / Math.max(1.0, Math.min(measured, rate)));
            if (base.get() != b) {
                return Pass.AGAIN; // a snapshot moved the base: walk the new version
            }
        }
        if (walk.stopped()) {
            return Pass.AGAIN;
        }
        count(v);
        return bytes == total ? Pass.DONE : Pass.EVICTED;
    }

    /** Bytes of the version's data chunks, and of those in the cache. */
    private void count(ImageVersion v) {
        long t = 0;
        long have = 0;
        for (int i = 0; i < v.count(); i++) {
            if (!v.zero(i)) {
                t += v.length(i);
                if (cache.contains(v.cacheKey(i))) {
                    have += v.length(i);
                }
            }
        }
        total = t;
        bytes = have;
    }

    public void stop() {
        walk.stop();
    }

    /** Waits for the walk to end (a closing export, and tests). */
    public void await() throws InterruptedException {
        walk.await();
    }
}
