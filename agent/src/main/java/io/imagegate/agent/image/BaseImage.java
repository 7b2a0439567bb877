package io.imagegate.agent.image;

import io.imagegate.agent.cache.CacheKey;
import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.remote.RemoteException;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * there is one, retried with backoff, then failed. Sequential reads start read-ahead in the
 * background.
 */
public final class BaseImage {

    private static final Logger log = LoggerFactory.getLogger(BaseImage.class);
    private static final byte[] ZEROS = new byte[4 * 1024 * 1024];
    private static final int INITIAL_READ_AHEAD = 256 * 1024;
    /** How long close waits for read-ahead in flight: its fetches are bounded by the retry budget. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final ImageVersion version;
    private final S3Access s3;
    private final NodeCache cache;
    private final FetchLimits limits;
    private final ExportStats stats;
    private volatile ReadObserver observer;

    private long nextSequential = -1;
    private long readAheadWindow;
    private int readAheadUntil = -1;
    private final Set<Thread> readAheads = ConcurrentHashMap.newKeySet();
    private boolean closed;

    public BaseImage(ImageVersion version, S3Access s3, NodeCache cache, FetchLimits limits, ExportStats stats) {
        this.version = version;
        this.s3 = s3;
        this.cache = cache;
        this.limits = limits;
        this.stats = stats;
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
        readAhead(offset, len, last);
        byte[][] chunks = load(first, last, true, false);
        for (int k = 0; k < chunks.length; k++) {
            int i = first + k;
            long cStart = version.offset(i);
            long from = Math.max(offset, cStart);
            long to = Math.min(offset + len, cStart + version.length(i));
            byte[] src = chunks[k] != null ? chunks[k] : ZEROS;
            dst.put(src, (int) (from - cStart), (int) (to - from));
        }
    }

    /** Brings chunks {@code first..last} into the cache without reading them back. */
    public void ensure(int first, int last, boolean background) throws IOException {
        load(first, last, false, background);
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
        byte[][] c = load(i, i, true, false);
        return c[0] != null ? c[0] : new byte[version.length(i)];
    }

    private void readAhead(long offset, int len, int last) {
        int from;
        int to;
        synchronized (this) {
            long slack = Math.max(len, 128 * 1024) * 4L;
            boolean sequential = nextSequential >= 0 && Math.abs(offset - nextSequential) <= slack;
            if (!sequential) {
                nextSequential = offset + len;
                readAheadWindow = 0;
                return;
            }
            nextSequential = Math.max(nextSequential, offset + len);
            readAheadWindow = Math.min(limits.maxReadAheadBytes,
                    readAheadWindow == 0 ? INITIAL_READ_AHEAD : readAheadWindow * 2);
            long end = Math.min(version.size(), nextSequential + readAheadWindow);
            if (end <= version.offset(last) + version.length(last) || readAheadWindow == 0) {
                return;
            }
            from = Math.max(last + 1, readAheadUntil + 1);
            to = version.indexOf(end - 1);
            if (from > to || closed) {
                return;
            }
            readAheadUntil = to;
            stats.readAheadChunks.addAndGet(to - from + 1);
            Thread t = Thread.ofVirtual().name("read-ahead").unstarted(() -> {
                try {
                    ensure(from, to, true);
                } catch (IOException e) {
                    log.debug("read-ahead failed from={} to={} error={}", from, to, e.toString());
                } finally {
                    readAheads.remove(Thread.currentThread());
                }
            });
            readAheads.add(t);
            t.start();
        }
    }

    /**
     * Starts no more read-ahead and waits for the read-ahead in flight to end, so that nothing of
     * this image writes into the cache once the export is closed. Reads still work (a guest read
     * in flight during a snapshot's rebase finishes on the version it began on).
     */
    public void close() {
        List<Thread> running;
        synchronized (this) {
            closed = true;
            running = List.copyOf(readAheads);
        }
        for (Thread t : running) {
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

    private record Claim(int k, int index, CacheKey key, CompletableFuture<byte[]> future) {}

    /**
     * Loads chunks {@code first..last}: from the cache, from a fetch already in flight, or by
     * fetching. Returns their bytes when {@code read} (null entries are zero chunks), else null.
     */
    private byte[][] load(int first, int last, boolean read, boolean background) throws IOException {
        int n = last - first + 1;
        byte[][] out = read ? new byte[n][] : null;
        @SuppressWarnings({"unchecked", "rawtypes"})
        CompletableFuture<byte[]>[] waits = new CompletableFuture[n];
        List<Claim> claims = new ArrayList<>();
        try {
            for (int k = 0; k < n; k++) {
                int i = first + k;
                if (version.zero(i)) {
                    continue;
                }
                CacheKey key = version.cacheKey(i);
                if (!read && cache.contains(key)) {
                    continue;
                }
                if (read) {
                    Optional<byte[]> hit = cache.get(key);
                    if (hit.isPresent()) {
                        out[k] = hit.get();
                        stats.cacheHits.incrementAndGet();
                        continue;
                    }
                }
                NodeCache.Inflight f = cache.join(key);
                waits[k] = f.future();
                if (!f.owner()) {
                    stats.sharedFetches.incrementAndGet();
                    continue;
                }
                // the previous owner may have stored it between our lookup and our claim
                Optional<byte[]> late = cache.get(key);
                if (late.isPresent()) {
                    cache.finish(key, f.future(), late.get(), false);
                    continue;
                }
                claims.add(new Claim(k, i, key, f.future()));
            }
        } catch (RuntimeException e) {
            claims.forEach(c -> cache.fail(c.key, c.future, e));
            throw e;
        }
        List<List<Claim>> runs = runs(claims);
        for (int r = 0; r < runs.size(); r++) {
            List<Claim> run = runs.get(r);
            if (r == runs.size() - 1) {
                fetch(run, background);
            } else {
                Thread.ofVirtual().name("fetch").start(() -> fetch(run, background));
            }
        }
        for (int k = 0; k < n; k++) {
            if (waits[k] == null) {
                continue;
            }
            try {
                byte[] b = waits[k].get();
                if (read) {
                    out[k] = b;
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw new IOException("chunk " + (first + k) + " of " + version.ref() + " could not be fetched: "
                        + c.getMessage(), c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching", e);
            }
        }
        return out;
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

    /** Fetches one run of adjacent chunks with one range GET, verifies them and hands them to their waiters. */
    private void fetch(List<Claim> run, boolean background) {
        if (background) {
            limits.background.acquireUninterruptibly();
        }
        limits.requests.acquireUninterruptibly();
        try {
            long start = version.offset(run.getFirst().index);
            long end = version.offset(run.getLast().index) + version.length(run.getLast().index);
            int length = (int) (end - start);
            byte[] data = limits.retry.run(() -> {
                stats.fetchRequests.incrementAndGet();
                byte[] d = s3.getRange(version.ref(), version.etag(), start, length);
                verify(run, d, start);
                return d;
            }, stats.fetchRetries::incrementAndGet);
            stats.fetchedBytes.addAndGet(length);
            stats.fetchedChunks.addAndGet(run.size());
            for (Claim c : run) {
                int from = (int) (version.offset(c.index) - start);
                byte[] b = java.util.Arrays.copyOfRange(data, from, from + version.length(c.index));
                cache.finish(c.key, c.future, b, true);
            }
        } catch (RemoteException | RuntimeException e) {
            stats.fetchFailures.incrementAndGet();
            log.warn("fetch failed object={} chunks={}..{} error={}", version.ref(), run.getFirst().index,
                    run.getLast().index, e.getMessage());
            run.forEach(c -> cache.fail(c.key, c.future, e));
        } finally {
            limits.requests.release();
            if (background) {
                limits.background.release();
            }
        }
    }

    private void verify(List<Claim> run, byte[] data, long start) throws RemoteException {
        for (Claim c : run) {
            ChunkHash expected = version.expected(c.index);
            if (expected == null) {
                continue;
            }
            int from = (int) (version.offset(c.index) - start);
            if (!ChunkHash.sha256(data, from, version.length(c.index)).equals(expected)) {
                stats.hashMismatches.incrementAndGet();
                throw new RemoteException(200, "BadDigest", "chunk " + c.index + " of " + version.ref()
                        + " does not match its SHA-256 " + expected, true, null);
            }
        }
    }
}
