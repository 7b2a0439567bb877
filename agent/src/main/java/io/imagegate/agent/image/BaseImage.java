package io.imagegate.agent.image;

import io.imagegate.agent.cache.CacheKey;
import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.nbd.Zeros;
import io.imagegate.agent.remote.RemoteException;
import io.imagegate.agent.remote.Retries;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only bottom of an export: one pinned version, read through the node cache. A read maps
 * to chunks; chunks not cached are fetched with range GETs, adjacent ones joined into one request,
 * one fetch per chunk however many readers want it, verified against the manifest's SHA-256 where
 * there is one, stored, retried with backoff, then failed. Readers copy their bytes from the cache
 * file straight into their buffer. Sequential reads start read-ahead in the background.
 */
public final class BaseImage {

    private static final Logger log = LoggerFactory.getLogger(BaseImage.class);
    /** How long close waits for read-ahead in flight: its fetches are bounded by the retry budget. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /** How often a read fetches a chunk again that left the cache between its fetch and the read. */
    private static final int EVICTED_RETRIES = 3;

    private final ImageVersion version;
    private final S3Access s3;
    private final NodeCache cache;
    private final FetchLimits limits;
    private final ExportStats stats;
    private volatile ReadObserver observer;

    private final ReadStreams streams;
    /** Fetches nobody waits for (read-ahead, runs of other readers' chunks): close waits for them. */
    private final Set<Thread> background = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public BaseImage(ImageVersion version, S3Access s3, NodeCache cache, FetchLimits limits, ExportStats stats) {
        this.version = version;
        this.s3 = s3;
        this.cache = cache;
        this.limits = limits;
        this.stats = stats;
        this.streams = new ReadStreams(limits.maxReadAheadBytes);
    }

    public ImageVersion version() {
        return version;
    }

    public long size() {
        return version.size();
    }

    public void observe(ReadObserver o) {
        this.observer = o;
    }

    /** Fills {@code dst} with the bytes at {@code offset} (the range lies within the image). */
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        if (len == 0) {
            return;
        }
        int first = version.indexOf(offset);
        int last = version.indexOf(offset + len - 1);
        ReadObserver o = observer;
        if (o != null) {
            o.read(version, first, last);
        }
        int base = dst.position();
        List<Integer> missing = new ArrayList<>(0);
        for (int i = first; i <= last; i++) {
            if (!readCached(i, offset, dst, base)) {
                missing.add(i);
            }
        }
        int[] ahead = closed ? null : streams.record(version, offset, len, last);
        if (missing.isEmpty()) {
            claim(missing, ahead, false);
            dst.position(base + len);
            return;
        }
        limits.readersWaiting.incrementAndGet();
        try {
            List<CompletableFuture<byte[]>> waits = claim(missing, ahead, false);
            for (int attempt = 0; !missing.isEmpty(); attempt++) {
                missing = readFetched(missing, waits, offset, dst, base);
                if (!missing.isEmpty()) {
                    if (attempt >= EVICTED_RETRIES) {
                        throw new IOException("chunk " + missing.getFirst() + " of " + version.ref()
                                + " left the node cache after each of its fetches");
                    }
                    waits = claim(missing, null, false);
                }
            }
        } finally {
            limits.readersWaiting.decrementAndGet();
        }
        dst.position(base + len);
    }

    /**
     * As {@link #read} when every chunk the range covers is cached or zero (returns true); else
     * returns false at the first chunk that is not, having fetched nothing.
     */
    public boolean readNow(long offset, ByteBuffer dst) {
        int len = dst.remaining();
        if (len == 0) {
            return true;
        }
        int first = version.indexOf(offset);
        int last = version.indexOf(offset + len - 1);
        int base = dst.position();
        int hits = 0;
        for (int i = first; i <= last; i++) {
            ByteBuffer part = part(i, offset, dst, base);
            if (version.zero(i)) {
                Zeros.fill(part);
            } else if (cache.read(version.cacheKey(i), partFrom(i, offset), part)) {
                hits++;
            } else {
                return false;
            }
        }
        stats.cacheHits.addAndGet(hits);
        ReadObserver o = observer;
        if (o != null) {
            o.read(version, first, last);
        }
        int[] ahead = closed ? null : streams.record(version, offset, len, last);
        if (ahead != null) {
            claim(List.of(), ahead, false);
        }
        dst.position(base + len);
        return true;
    }

    /** The part of chunk {@code i} that {@code dst} (the bytes at {@code offset}) wants, as a slice of it. */
    private ByteBuffer part(int i, long offset, ByteBuffer dst, int base) {
        long cStart = version.offset(i);
        long from = Math.max(offset, cStart);
        long to = Math.min(offset + (dst.limit() - base), cStart + version.length(i));
        return dst.slice(base + (int) (from - offset), (int) (to - from));
    }

    private int partFrom(int i, long offset) {
        return (int) Math.max(0, offset - version.offset(i));
    }

    /** Zeros, or the cached bytes; false when the chunk is not in the cache. */
    private boolean readCached(int i, long offset, ByteBuffer dst, int base) {
        ByteBuffer part = part(i, offset, dst, base);
        if (version.zero(i)) {
            Zeros.fill(part);
            return true;
        }
        if (cache.read(version.cacheKey(i), partFrom(i, offset), part)) {
            stats.cacheHits.incrementAndGet();
            return true;
        }
        return false;
    }

    /** Reads the missing chunks once their fetches are over; returns those that left the cache meanwhile. */
    private List<Integer> readFetched(List<Integer> missing, List<CompletableFuture<byte[]>> waits, long offset,
                                      ByteBuffer dst, int base) throws IOException {
        List<Integer> again = new ArrayList<>(0);
        for (int k = 0; k < missing.size(); k++) {
            int i = missing.get(k);
            byte[] held = await(waits.get(k), i);
            ByteBuffer part = part(i, offset, dst, base);
            if (held != null) {
                part.put(held, partFrom(i, offset), part.remaining());
            } else if (!cache.read(version.cacheKey(i), partFrom(i, offset), part)) {
                again.add(i);
            }
        }
        return again;
    }

    /** Brings chunks {@code first..last} into the cache without reading them back. */
    public void ensure(int first, int last, boolean prefetch) throws IOException {
        List<Integer> want = new ArrayList<>();
        for (int i = first; i <= last; i++) {
            if (!version.zero(i) && !cache.contains(version.cacheKey(i))) {
                want.add(i);
            }
        }
        List<CompletableFuture<byte[]>> waits = claim(want, null, prefetch);
        for (int k = 0; k < want.size(); k++) {
            await(waits.get(k), want.get(k));
        }
    }

    /** Brings the chunks covering a byte range into the cache (NBD_CMD_CACHE). */
    public void ensureRange(long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        int first = version.indexOf(offset);
        int last = version.indexOf(Math.min(version.size(), offset + length) - 1);
        for (int from = first; from <= last; from += 256) {
            ensure(from, Math.min(last, from + 255), false);
        }
    }

    /** The bytes of one chunk (for snapshots): cached, fetched, or zeros. */
    public byte[] chunk(int i) throws IOException {
        byte[] b = new byte[version.length(i)];
        read(version.offset(i), ByteBuffer.wrap(b));
        return b;
    }

    /**
     * Starts no more read-ahead and waits for the read-ahead in flight to end, so that nothing of
     * this image writes into the cache once the export is closed. Reads still work (a guest read
     * in flight during a snapshot's rebase finishes on the version it began on).
     */
    public void close() {
        closed = true;
        for (Thread t : List.copyOf(background)) {
            try {
                if (!t.join(CLOSE_WAIT)) {
                    log.warn("read-ahead of {} still running after {}; interrupting it", version.ref(), CLOSE_WAIT);
                    t.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private record Claim(int index, CacheKey key, CompletableFuture<byte[]> future, boolean wanted) {}

    /**
     * Makes sure a fetch is in flight or done for each chunk of {@code wanted} (not zero chunks) and
     * returns the futures to wait on, in the same order; chunks {@code ahead[0]..ahead[1]} (read-ahead
     * of a sequential stream) are claimed too when not cached or claimed yet, nobody waiting for them.
     * Adjacent claims are fetched as one run. The calling thread fetches the last run holding a wanted
     * chunk itself; other runs get threads of their own. With {@code prefetch}, fetches
     * take the background share of the fetch slots.
     */
    private List<CompletableFuture<byte[]>> claim(List<Integer> wanted, int[] ahead, boolean prefetch) {
        List<CompletableFuture<byte[]>> waits = new ArrayList<>(wanted.size());
        List<Claim> claims = new ArrayList<>();
        try {
            for (int i : wanted) {
                waits.add(claimOne(i, true, claims));
            }
            if (ahead != null) {
                for (int i = ahead[0]; i <= ahead[1] && !closed; i++) {
                    if (!version.zero(i) && !cache.contains(version.cacheKey(i))
                            && claimOne(i, false, claims) != null) {
                        stats.readAheadChunks.incrementAndGet();
                    }
                }
            }
        } catch (RuntimeException e) {
            claims.forEach(c -> cache.fail(c.key, c.future, e));
            throw e;
        }
        claims.sort(java.util.Comparator.comparingInt(Claim::index));
        List<Run> mine = new ArrayList<>();
        Run inline = null;
        synchronized (waiting) {
            for (List<Claim> r : runs(claims)) {
                boolean wantedHere = r.stream().anyMatch(Claim::wanted);
                Run before = waiting.get(r.getFirst().index - 1);
                long bytes = bytes(r);
                if (before != null && before.prefetch == prefetch && before.bytes + bytes <= limits.maxRunBytes) {
                    // the chunks right before these wait for a fetch slot: one GET takes both
                    waiting.remove(before.last());
                    before.claims.addAll(r);
                    before.bytes += bytes;
                    waiting.put(before.last(), before);
                    continue;
                }
                Run run = new Run(new ArrayList<>(r), prefetch, bytes);
                waiting.put(run.last(), run);
                mine.add(run);
                if (wantedHere) {
                    inline = run;
                }
            }
        }
        for (Run run : mine) {
            if (run != inline) {
                Thread t = Thread.ofVirtual().name("fetch").unstarted(() -> {
                    try {
                        fetch(run);
                    } finally {
                        background.remove(Thread.currentThread());
                    }
                });
                background.add(t);
                t.start();
            }
        }
        if (inline != null) {
            fetch(inline);
        }
        return waits;
    }

    /**
     * Claimed chunks waiting for a fetch slot, by their last chunk: chunks claimed right after them
     * before the fetch starts join its GET (nbdcopy, for one, has far more reads in flight than the
     * agent has GETs, and the reads of a region arrive one after another).
     */
    private final java.util.Map<Integer, Run> waiting = new java.util.HashMap<>();

    /** Adjacent claims fetched with one GET; grows while it waits for a slot. */
    private static final class Run {
        final List<Claim> claims;
        final boolean prefetch;
        long bytes;

        Run(List<Claim> claims, boolean prefetch, long bytes) {
            this.claims = claims;
            this.prefetch = prefetch;
            this.bytes = bytes;
        }

        int last() {
            return claims.getLast().index;
        }
    }

    private long bytes(List<Claim> run) {
        long b = 0;
        for (Claim c : run) {
            b += version.length(c.index);
        }
        return b;
    }

    /**
     * Joins or starts the fetch of chunk {@code i}; a new claim goes into {@code claims}. Returns the
     * future to wait on (null for a chunk not {@code wanted} whose fetch someone else owns).
     */
    private CompletableFuture<byte[]> claimOne(int i, boolean wanted, List<Claim> claims) {
        CacheKey key = version.cacheKey(i);
        NodeCache.Inflight f = cache.join(key);
        if (!f.owner()) {
            if (wanted) {
                stats.sharedFetches.incrementAndGet();
            }
            return wanted ? f.future() : null;
        }
        if (cache.contains(key)) {
            // the previous owner stored it between our lookup and our claim
            cache.finishCached(key, f.future());
        } else {
            claims.add(new Claim(i, key, f.future(), wanted));
        }
        return f.future();
    }

    /** The bytes held for a chunk whose fetch is over: null when they are in the cache. */
    private byte[] await(CompletableFuture<byte[]> f, int i) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new IOException("chunk " + i + " of " + version.ref() + " could not be fetched: " + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching", e);
        }
    }

    /** Adjacent claimed chunks, grouped into runs of at most maxRunBytes (and at least one chunk). */
    private List<List<Claim>> runs(List<Claim> claims) {
        List<List<Claim>> runs = new ArrayList<>();
        List<Claim> cur = new ArrayList<>();
        long bytes = 0;
        for (Claim c : claims) {
            int len = version.length(c.index);
            boolean adjacent = !cur.isEmpty() && cur.getLast().index + 1 == c.index;
            if (!cur.isEmpty() && (!adjacent || bytes + len > limits.maxRunBytes)) {
                runs.add(cur);
                cur = new ArrayList<>();
                bytes = 0;
            }
            cur.add(c);
            bytes += len;
        }
        if (!cur.isEmpty()) {
            runs.add(cur);
        }
        return runs;
    }

    /**
     * Fetches one run of adjacent chunks with one range GET once a fetch slot is free (the run may
     * have grown meanwhile), and verifies and stores each chunk as soon as its bytes have arrived
     * (the rest of the body streams in meanwhile, and each chunk is hashed and written while it is
     * still in the CPU's cache); then answers the run's waiters together, as a run that arrived
     * whole. A failure part-way (the network, a hash mismatch) is retried from the first chunk not
     * stored yet; the chunks stored before it are answered, the rest fail.
     */
    private void fetch(Run pending) {
        boolean prefetch = pending.prefetch;
        if (prefetch) {
            limits.background.acquireUninterruptibly();
        }
        limits.requests.acquireUninterruptibly();
        List<Claim> run;
        synchronized (waiting) {
            waiting.remove(pending.last(), pending);
            run = List.copyOf(pending.claims);
        }
        long end = version.offset(run.getLast().index) + version.length(run.getLast().index);
        int largest = 0;
        for (Claim c : run) {
            largest = Math.max(largest, version.length(c.index));
        }
        // one chunk's worth, reused for each chunk of the run: it stays in the CPU's cache while the
        // chunk is read, hashed and written, where a buffer of the whole run would not
        byte[] chunk = limits.buffers.take(largest);
        boolean[] stored = new boolean[run.size()];
        byte[][] held = new byte[run.size()][];
        int[] done = {0};
        MessageDigest md = ChunkHash.newDigest();
        try {
            Retries.run(limits.retry, () -> {
                stats.fetchRequests.incrementAndGet();
                long from = version.offset(run.get(done[0]).index);
                s3.getRange(version.ref(), version.etag(), from, (int) (end - from), body -> {
                    for (; done[0] < run.size(); done[0]++) {
                        Claim c = run.get(done[0]);
                        int length = version.length(c.index);
                        int n = body.readNBytes(chunk, 0, length);
                        if (n != length) {
                            throw new RemoteException(206, null, "GET " + version.ref() + ": the body ended inside chunk "
                                    + c.index, true, null);
                        }
                        verify(c, chunk, 0, md);
                        stats.fetchedBytes.addAndGet(length);
                        stats.fetchedChunks.incrementAndGet();
                        stored[done[0]] = cache.put(c.key, ByteBuffer.wrap(chunk, 0, length));
                        if (!stored[done[0]]) {
                            held[done[0]] = java.util.Arrays.copyOf(chunk, length); // served from memory instead
                        }
                    }
                });
                return null;
            }, stats.fetchRetries::incrementAndGet);
        } catch (RemoteException | RuntimeException e) {
            stats.fetchFailures.incrementAndGet();
            int failed = run.get(Math.min(done[0], run.size() - 1)).index;
            log.warn("fetch failed object={} chunks={}..{} error={}", version.ref(), failed, run.getLast().index,
                    e.getMessage());
            run.subList(done[0], run.size()).forEach(c -> cache.fail(c.key, c.future, e));
        } finally {
            for (int k = 0; k < done[0]; k++) {
                Claim c = run.get(k);
                cache.finishStored(c.key, c.future, stored[k], stored[k] ? null : ByteBuffer.wrap(held[k]));
            }
            limits.buffers.give(chunk);
            limits.requests.release();
            if (prefetch) {
                limits.background.release();
            }
        }
    }

    /** Checks one fetched chunk against the manifest's SHA-256 (plain S3 offers none to check). */
    private void verify(Claim c, byte[] data, int at, MessageDigest md) throws RemoteException {
        ChunkHash expected = version.expected(c.index);
        if (expected == null) {
            return;
        }
        md.reset();
        md.update(data, at, version.length(c.index));
        if (!ChunkHash.of(md.digest()).equals(expected)) {
            stats.hashMismatches.incrementAndGet();
            throw new RemoteException(200, "BadDigest", "chunk " + c.index + " of " + version.ref()
                    + " does not match its SHA-256 " + expected, true, null);
        }
    }
}
