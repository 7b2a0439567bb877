package io.imagegate.agent.cache;

import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's chunk cache: one directory shared by every attachment and every version on the node,
 * kept across restarts, bounded in bytes. Entries are appended to slab files ({@link Slab}) that
 * stay open, so storing a chunk is one positional write and reading one is one positional read,
 * with no file created, opened or renamed per chunk; the least recently used slab is evicted
 * whole when the cache grows past its bound.
 *
 * <p>What is checked, and when: a chunk's bytes are checked against its SHA-256 when they arrive
 * from the store, before anything stores or serves them (the caller's job), and an entry this
 * process finds on disk at start is checked against its SHA-256 the first time it is read. From
 * then on the process keeps a CRC32C of every 4 KiB block of the entry in memory and checks the
 * blocks each read covers against it, which costs about a twentieth of hashing: bytes damaged on
 * disk after they were checked are found at their next read, the entry deleted and the chunk
 * fetched again, never served. Nothing is synced: an entry torn by a crash fails its first check
 * after the restart.
 *
 * <p>There is no in-memory tier: recently read entries are in the kernel's page cache, and reads
 * copy them straight into the caller's buffer.
 *
 * <p>It also holds the node-wide table of fetches in flight, so that concurrent readers of one
 * chunk (from any export) cause one fetch.
 */
public final class NodeCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeCache.class);
    private static final String FORMAT = "imagegate-agent-cache 2\n";
    private static final String FORMAT_1 = "imagegate-agent-cache 1\n";
    /** The unit of the in-memory checksums: a read checks the 4 KiB blocks it covers. */
    static final int BLOCK = 4096;

    /** Where an entry lies; {@code crcs} is null until this process has checked the entry's hash. */
    private static final class Entry {
        final Slab slab;
        final long offset;
        final int length;
        final ChunkHash sha;
        volatile int[] crcs;

        Entry(Slab slab, long offset, int length, ChunkHash sha, int[] crcs) {
            this.slab = slab;
            this.offset = offset;
            this.length = length;
            this.sha = sha;
            this.crcs = crcs;
        }
    }

    /**
     * A fetch in flight; {@code owner} is true for the caller that must perform it. The future's
     * value is null once the chunk is in the cache, or the chunk's bytes when storing them failed.
     */
    public record Inflight(CompletableFuture<byte[]> future, boolean owner) {}

    /** Where an entry's payload lies on disk, for tools and tests. */
    public record Location(Path file, long offset, int length) {}

    private final Path dir;
    private final Path slabDir;
    private final long maxBytes;
    private final long slabBytes;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final ConcurrentHashMap<CacheKey, Entry> index = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CacheKey, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Slab> slabs = new ConcurrentSkipListMap<>();
    private Slab current;
    private long nextSlab;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();
    private volatile long lastWriteWarning;

    private NodeCache(Path dir, long maxBytes, FileChannel lockFile, FileLock lock) {
        this.dir = dir;
        this.slabDir = dir.resolve("slabs");
        this.maxBytes = maxBytes;
        this.slabBytes = Math.clamp(maxBytes / 16, 4096, 64L << 20);
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** Opens (creating if needed) the cache at {@code dir}; one agent process holds it at a time. */
    public static NodeCache open(Path dir, long maxBytes) throws IOException {
        dir = dir.toAbsolutePath();
        Files.createDirectories(dir);
        FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("another agent process uses the cache " + dir);
        }
        NodeCache c = new NodeCache(dir, maxBytes, lockFile, lock);
        try {
            c.format();
            c.load();
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Checks the format; a cache of the first format (a file per chunk) is emptied: it is only a cache. */
    private void format() throws IOException {
        Path format = dir.resolve("FORMAT");
        if (Files.exists(format)) {
            String f = Files.readString(format, StandardCharsets.UTF_8);
            if (f.equals(FORMAT)) {
                return;
            }
            if (!f.equals(FORMAT_1)) {
                throw new IOException(dir + " holds a cache of another format: " + f.strip());
            }
            log.info("node cache of the first format (a file per chunk) emptied for the slab format dir={}", dir);
            for (String old : List.of("chunks", "ranges", "tmp")) {
                deleteTree(dir.resolve(old));
            }
        }
        Files.createDirectories(slabDir);
        Path tmp = dir.resolve("FORMAT.tmp");
        Files.writeString(tmp, FORMAT, StandardCharsets.UTF_8);
        Files.move(tmp, format, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    private void load() throws IOException {
        List<Long> numbers = new ArrayList<>();
        try (Stream<Path> files = Files.list(slabDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.matches("\\d{8}\\.index")) {
                    numbers.add(Long.parseLong(n.substring(0, 8)));
                } else if (n.matches("\\d{8}\\.data") && !Files.exists(slabDir.resolve(n.substring(0, 8) + ".index"))) {
                    Files.deleteIfExists(f); // a slab whose index never got written holds nothing findable
                }
            }
        }
        numbers.sort(null);
        for (long n : numbers) {
            if (!Files.exists(Slab.dataFile(slabDir, n))) {
                Files.deleteIfExists(Slab.indexFile(slabDir, n));
                continue;
            }
            Slab[] holder = new Slab[1];
            List<Slab.Found> found = new ArrayList<>();
            holder[0] = Slab.open(slabDir, n, found::add);
            Slab s = holder[0];
            for (Slab.Found f : found) {
                // a later record of the same name (stored again) wins
                index.put(f.key(), new Entry(s, f.offset(), f.length(), f.sha(), null));
            }
            s.lastUse = clock.incrementAndGet(); // recency survives a restart approximately: the order of the slabs
            slabs.put(n, s);
            bytes.addAndGet(s.bytes());
            nextSlab = n + 1;
        }
        log.info("node cache opened dir={} slabs={} entries={} bytes={} maxBytes={}", dir, slabs.size(), index.size(),
                bytes.get(), maxBytes);
        evictIfNeeded();
    }

    public Path directory() {
        return dir;
    }

    /** Whether an entry is in the cache (not verified). */
    public boolean contains(CacheKey key) {
        return index.containsKey(key);
    }

    /**
     * Reads bytes {@code [from, from + dst.remaining())} of an entry's payload into {@code dst},
     * checked (see the class comment). Returns false, with {@code dst} untouched, when the entry is
     * absent, or corrupt (then it is deleted).
     */
    public boolean read(CacheKey key, int from, ByteBuffer dst) {
        Entry e = index.get(key);
        if (e == null) {
            misses.incrementAndGet();
            return false;
        }
        e.slab.lastUse = clock.incrementAndGet();
        int len = dst.remaining();
        if (from < 0 || from + len > e.length) {
            throw new IllegalArgumentException("bytes " + from + "+" + len + " of a " + e.length + "-byte entry");
        }
        try {
            int[] crcs = e.crcs;
            if (crcs == null) {
                return firstRead(key, e, from, dst);
            }
            // whole blocks go straight into dst; a read that covers blocks in part reads them whole beside it
            int start = from / BLOCK * BLOCK;
            int end = Math.min(e.length, (from + len + BLOCK - 1) / BLOCK * BLOCK);
            boolean inPlace = start == from && end == from + len;
            ByteBuffer target = inPlace ? dst.slice(dst.position(), len) : ByteBuffer.allocate(end - start);
            if (!e.slab.read(target, e.offset + start) || !matches(crcs, start / BLOCK, target.flip())) {
                return corrupt(key, e, "its blocks do not match the checksums taken when it was checked");
            }
            if (inPlace) {
                dst.position(dst.position() + len);
            } else {
                dst.put(target.position(from - start).limit(from - start + len));
            }
            hits.incrementAndGet();
            return true;
        } catch (ClosedChannelException evicted) {
            misses.incrementAndGet();
            return false;
        } catch (IOException ex) {
            log.warn("cache read failed key={} error={}", key.name(), ex.toString());
            misses.incrementAndGet();
            return false;
        }
    }

    /** The first read of an entry by this process: the whole payload against its SHA-256, then its block checksums. */
    private boolean firstRead(CacheKey key, Entry e, int from, ByteBuffer dst) throws IOException {
        byte[] p = new byte[e.length];
        if (!e.slab.read(ByteBuffer.wrap(p), e.offset)) {
            return corrupt(key, e, "its slab ends before it does");
        }
        if (!ChunkHash.sha256(p, 0, p.length).equals(e.sha)) {
            return corrupt(key, e, "it does not match its SHA-256");
        }
        e.crcs = crcs(ByteBuffer.wrap(p));
        dst.put(p, from, dst.remaining());
        hits.incrementAndGet();
        return true;
    }

    private boolean corrupt(CacheKey key, Entry e, String why) {
        corrupt.incrementAndGet();
        misses.incrementAndGet();
        log.warn("corrupt cache entry deleted kind={} name={}: {}", key.kind(), key.name(), why);
        index.remove(key, e);
        return false;
    }

    /** CRC32C of each 4 KiB block of {@code data} (position to limit; the last block may be shorter). */
    static int[] crcs(ByteBuffer data) {
        int n = data.remaining();
        int[] out = new int[(n + BLOCK - 1) / BLOCK];
        CRC32C crc = new CRC32C();
        for (int b = 0; b < out.length; b++) {
            int at = data.position() + b * BLOCK;
            crc.reset();
            crc.update(data.slice(at, Math.min(BLOCK, n - b * BLOCK)));
            out[b] = (int) crc.getValue();
        }
        return out;
    }

    /** Whether {@code data} (whole blocks from block {@code first}; the entry's last block may be short) matches. */
    private static boolean matches(int[] crcs, int first, ByteBuffer data) {
        CRC32C crc = new CRC32C();
        int n = data.remaining();
        for (int at = 0, b = first; at < n; at += BLOCK, b++) {
            crc.reset();
            crc.update(data.slice(data.position() + at, Math.min(BLOCK, n - at)));
            if (b >= crcs.length || (int) crc.getValue() != crcs[b]) {
                return false;
            }
        }
        return true;
    }

    /** The verified bytes of a whole entry, or empty. */
    public Optional<byte[]> get(CacheKey key) {
        Entry e = index.get(key);
        if (e == null) {
            misses.incrementAndGet();
            return Optional.empty();
        }
        byte[] b = new byte[e.length];
        return read(key, 0, ByteBuffer.wrap(b)) ? Optional.of(b) : Optional.empty();
    }

    /** As {@link #put(CacheKey, ByteBuffer)}. */
    public boolean put(CacheKey key, byte[] data) {
        return put(key, ByteBuffer.wrap(data));
    }

    /**
     * Stores an entry with the remaining bytes of {@code data} (its position does not move). The
     * caller vouches for the bytes (a CONTENT entry must hash to its name). Returns whether the
     * entry is in the cache now: a full or failing disk costs the entry, never the read: the error
     * is counted and logged.
     */
    public boolean put(CacheKey key, ByteBuffer data) {
        Entry existing = index.get(key);
        if (existing != null) {
            existing.slab.lastUse = clock.incrementAndGet();
            return true;
        }
        int length = data.remaining();
        ChunkHash sha = key.kind() == CacheKey.Kind.CONTENT ? key.name() : ChunkHash.sha256(data);
        int[] crcs = crcs(data.duplicate());
        Slab slab;
        long[] at;
        try {
            synchronized (this) {
                if (current == null || current.bytes() > 0 && current.bytes() + length > slabBytes) {
                    current = Slab.create(slabDir, nextSlab++);
                    slabs.put(current.number, current);
                }
                slab = current;
                at = slab.reserve(length);
                bytes.addAndGet(length + Slab.RECORD);
            }
            slab.lastUse = clock.incrementAndGet();
            slab.append(key, data, sha, at);
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            long now = System.currentTimeMillis();
            if (now - lastWriteWarning > 60_000) {
                lastWriteWarning = now;
                log.warn("cache write failed (served without caching) dir={} error={}", dir, e.toString());
            }
            evictIfNeeded();
            return false;
        }
        index.put(key, new Entry(slab, at[0], length, sha, crcs));
        evictIfNeeded();
        return true;
    }

    /** Makes {@code to} an entry with the bytes of {@code from}; false if absent. */
    public boolean link(CacheKey from, CacheKey to) {
        if (from.equals(to) || index.containsKey(to)) {
            return index.containsKey(to);
        }
        Optional<byte[]> data = get(from);
        return data.isPresent() && put(to, data.get());
    }

    /** Joins the fetch of {@code key} in flight, or registers the caller as the one to fetch it. */
    public Inflight join(CacheKey key) {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> theirs = inflight.putIfAbsent(key, mine);
        return theirs == null ? new Inflight(mine, true) : new Inflight(theirs, false);
    }

    /**
     * The owner's fetch succeeded and its bytes were verified: the entry is stored, then waiters are
     * answered (null when the entry is in the cache, else the bytes) and the fetch is retired.
     * Storing first means a read that returned has left its chunks in the cache, and no write into
     * the cache directory outlives the read that caused it.
     */
    public void finish(CacheKey key, CompletableFuture<byte[]> f, ByteBuffer data) {
        boolean stored = false;
        try {
            stored = put(key, data);
        } finally {
            finishStored(key, f, stored, data);
        }
    }

    /**
     * As {@link #finish} for an entry whose {@link #put} the owner has already made ({@code stored}
     * is what it returned): answers the waiters and retires the fetch. {@code data} (the entry's
     * bytes, for waiters when it was not stored) may be null when it was.
     */
    public void finishStored(CacheKey key, CompletableFuture<byte[]> f, boolean stored, ByteBuffer data) {
        f.complete(stored ? null : copy(data));
        inflight.remove(key, f);
    }

    /** Retires a fetch whose chunk another fetch already stored. */
    public void finishCached(CacheKey key, CompletableFuture<byte[]> f) {
        f.complete(null);
        inflight.remove(key, f);
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    public void fail(CacheKey key, CompletableFuture<byte[]> f, Throwable error) {
        inflight.remove(key, f);
        f.completeExceptionally(error);
    }

    /** Forgets an entry (its bytes stay in their slab until the slab is evicted). */
    public void delete(CacheKey key) {
        index.remove(key);
    }

    /** Where an entry's payload lies, for tools and tests. */
    public Optional<Location> location(CacheKey key) {
        Entry e = index.get(key);
        return e == null ? Optional.empty() : Optional.of(new Location(e.slab.data, e.offset, e.length));
    }

    private void evictIfNeeded() {
        if (bytes.get() <= maxBytes || !evicting.tryLock()) {
            return;
        }
        try {
            long target = maxBytes - maxBytes / 10;
            List<Slab> candidates = new ArrayList<>(slabs.values());
            Slab cur;
            synchronized (this) {
                cur = current;
            }
            // the current slab and the one before it may still have appends in flight
            candidates.removeIf(s -> s == cur || cur != null && s.number == cur.number - 1);
            candidates.sort(Comparator.comparingLong(s -> s.lastUse));
            for (Slab s : candidates) {
                if (bytes.get() <= target) {
                    break;
                }
                slabs.remove(s.number);
                long dropped = 0;
                for (var it = index.entrySet().iterator(); it.hasNext(); ) {
                    if (it.next().getValue().slab == s) {
                        it.remove();
                        dropped++;
                    }
                }
                try {
                    s.delete();
                } catch (IOException ex) {
                    log.warn("cannot delete evicted slab {}: {}", s.data, ex.toString());
                }
                bytes.addAndGet(-s.bytes());
                evictions.addAndGet(dropped);
            }
        } finally {
            evicting.unlock();
        }
    }

    public CacheStats stats() {
        return new CacheStats(dir.toString(), index.size(), bytes.get(), maxBytes, hits.get(), misses.get(),
                evictions.get(), corrupt.get(), writeErrors.get());
    }

    @Override
    public void close() {
        for (Slab s : slabs.values()) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing slab {}: {}", s.data, e.toString());
            }
        }
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            log.debug("closing cache lock: {}", e.toString());
        }
    }
}
