package io.imagegate.agent.cache;

import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's chunk cache: one directory shared by every attachment and every version on the node,
 * kept across restarts, bounded in bytes with least-recently-used eviction.
 *
 * <p>What is checked, and when: a chunk's bytes are checked against its SHA-256 when they arrive
 * from the store, before anything stores or serves them (the caller's job), and an entry this
 * process finds on disk at start is checked against its SHA-256 the first time it is read. From
 * then on the process keeps a CRC32C of every 4 KiB block of the entry in memory and checks the
 * blocks each read covers against it, which costs about a twentieth of hashing: a file damaged,
 * truncated or rewritten on disk after it was checked is found at its next read, deleted and
 * fetched again, never served. Hashing every read again would cost more than the rest of a warm
 * read put together (docs/AGENT.md). Files are written into {@code tmp/} and renamed into place,
 * never synced: a torn entry left by a crash fails its first check after the restart.
 *
 * <p>There is no in-memory tier: recently read entries are in the kernel's page cache, and reads
 * copy them straight into the caller's buffer.
 *
 * <p>It also holds the node-wide table of fetches in flight, so that concurrent readers of one
 * chunk (from any export) cause one fetch.
 */
public final class NodeCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeCache.class);
    private static final String FORMAT = "imagegate-agent-cache 1\n";
    /** The unit of the in-memory checksums: a read checks the 4 KiB blocks it covers. */
    static final int BLOCK = 4096;

    /** An entry on disk; {@code crcs} is null until this process has checked the entry's hash. */
    private static final class Entry {
        final long size;
        volatile long lastUse;
        volatile int[] crcs;

        Entry(long size, long lastUse, int[] crcs) {
            this.size = size;
            this.lastUse = lastUse;
            this.crcs = crcs;
        }
    }

    /**
     * A fetch in flight; {@code owner} is true for the caller that must perform it. The future's
     * value is null once the chunk is in the cache, or the chunk's bytes when storing them failed.
     */
    public record Inflight(CompletableFuture<byte[]> future, boolean owner) {}

    private final Path dir;
    private final long maxBytes;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final ConcurrentHashMap<CacheKey, Entry> index = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CacheKey, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Boolean> shards = new AtomicReferenceArray<>(2 * 256);
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLong tmpCounter = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();
    private volatile long lastWriteWarning;

    private NodeCache(Path dir, long maxBytes, FileChannel lockFile, FileLock lock) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** Opens (creating if needed) the cache at {@code dir}; one agent process holds it at a time. */
    public static NodeCache open(Path dir, long maxBytes) throws IOException {
        dir = dir.toAbsolutePath();
        Files.createDirectories(dir.resolve("tmp"));
        Path format = dir.resolve("FORMAT");
        if (Files.exists(format)) {
            String f = Files.readString(format, StandardCharsets.UTF_8);
            if (!f.equals(FORMAT)) {
                throw new IOException(dir + " holds a cache of another format: " + f.strip());
            }
        } else {
            Files.writeString(format, FORMAT, StandardCharsets.UTF_8);
        }
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
        c.load();
        return c;
    }

    private void load() throws IOException {
        try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            for (Path p : (Iterable<Path>) tmp::iterator) {
                Files.deleteIfExists(p);
            }
        }
        record Found(CacheKey key, long size, long mtime) {}
        List<Found> found = new ArrayList<>();
        for (CacheKey.Kind kind : CacheKey.Kind.values()) {
            Path top = dir.resolve(new CacheKey(kind, new ChunkHash(0, 0, 0, 0)).directory());
            if (!Files.isDirectory(top)) {
                continue;
            }
            try (DirectoryStream<Path> shardDirs = Files.newDirectoryStream(top)) {
                for (Path shard : shardDirs) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                        for (Path f : files) {
                            String name = f.getFileName().toString();
                            if (name.length() != 64) {
                                continue;
                            }
                            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                            found.add(new Found(new CacheKey(kind, ChunkHash.parse(name)), a.size(),
                                    a.lastModifiedTime().toMillis()));
                        }
                    }
                }
            }
        }
        // recency survives a restart approximately: the order in which entries were written
        found.sort(Comparator.comparingLong(Found::mtime));
        for (Found f : found) {
            index.put(f.key, new Entry(f.size, clock.incrementAndGet(), null));
            bytes.addAndGet(f.size);
        }
        log.info("node cache opened dir={} entries={} bytes={} maxBytes={}", dir, index.size(), bytes.get(), maxBytes);
        evictIfNeeded();
    }

    public Path directory() {
        return dir;
    }

    private Path path(CacheKey key) {
        String hex = key.name().hex();
        return dir.resolve(key.directory()).resolve(hex.substring(0, 2)).resolve(hex);
    }

    /** Where an entry's payload starts in its file: plain-S3 entries carry the payload's SHA-256 first. */
    private static int payloadOffset(CacheKey key) {
        return key.kind() == CacheKey.Kind.RANGE ? ChunkHash.BYTES : 0;
    }

    /** Whether an entry is on disk (or was, when the index was last told); no verification. */
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
        e.lastUse = clock.incrementAndGet();
        int[] crcs = e.crcs;
        int payload = (int) (e.size - payloadOffset(key));
        int len = dst.remaining();
        if (from < 0 || from + len > payload) {
            throw new IllegalArgumentException("bytes " + from + "+" + len + " of a " + payload + "-byte entry");
        }
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            if (crcs == null) {
                return firstRead(key, e, ch, from, dst);
            }
            // whole blocks go straight into dst; a read that covers blocks in part reads them whole beside it
            int start = from / BLOCK * BLOCK;
            int end = Math.min(payload, (from + len + BLOCK - 1) / BLOCK * BLOCK);
            boolean inPlace = start == from && end == from + len;
            ByteBuffer target = inPlace ? dst.slice(dst.position(), len) : ByteBuffer.allocate(end - start);
            if (!readFully(ch, target, payloadOffset(key) + start)
                    || !matches(crcs, start / BLOCK, target.flip())) {
                return corrupt(key, "its blocks do not match the checksums taken when it was checked");
            }
            if (inPlace) {
                dst.position(dst.position() + len);
            } else {
                dst.put(target.position(from - start).limit(from - start + len));
            }
            hits.incrementAndGet();
            return true;
        } catch (NoSuchFileException gone) {
            forget(key);
            misses.incrementAndGet();
            return false;
        } catch (IOException ex) {
            log.warn("cache read failed key={} error={}", key.name(), ex.toString());
            misses.incrementAndGet();
            return false;
        }
    }

    /** The first read of an entry by this process: the whole payload against its SHA-256, then its block checksums. */
    private boolean firstRead(CacheKey key, Entry e, FileChannel ch, int from, ByteBuffer dst) throws IOException {
        ByteBuffer file = ByteBuffer.allocate((int) e.size);
        if (!readFully(ch, file, 0) || ch.size() != e.size) {
            return corrupt(key, "it is shorter or longer than when it was stored");
        }
        byte[] f = file.array();
        int off = payloadOffset(key);
        ChunkHash expected = key.kind() == CacheKey.Kind.CONTENT ? key.name() : ChunkHash.read(ByteBuffer.wrap(f, 0, off));
        if (!ChunkHash.sha256(f, off, f.length - off).equals(expected)) {
            return corrupt(key, "it does not match its SHA-256");
        }
        e.crcs = crcs(ByteBuffer.wrap(f, off, f.length - off));
        dst.put(f, off + from, dst.remaining());
        hits.incrementAndGet();
        return true;
    }

    private boolean corrupt(CacheKey key, String why) {
        corrupt.incrementAndGet();
        misses.incrementAndGet();
        log.warn("corrupt cache entry deleted kind={} name={}: {}", key.kind(), key.name(), why);
        delete(key);
        return false;
    }

    private static boolean readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        return true;
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
        byte[] b = new byte[(int) (e.size - payloadOffset(key))];
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
            existing.lastUse = clock.incrementAndGet();
            return true;
        }
        ByteBuffer payload = data.duplicate();
        ByteBuffer[] file = key.kind() == CacheKey.Kind.RANGE
                ? new ByteBuffer[] {ByteBuffer.wrap(ChunkHash.sha256(payload.duplicate()).toBytes()), payload}
                : new ByteBuffer[] {payload};
        long size = (long) payload.remaining() + payloadOffset(key);
        int[] crcs = crcs(payload.duplicate());
        Path target = path(key);
        Path tmp = dir.resolve("tmp").resolve(key.name().hex() + "." + tmpCounter.incrementAndGet());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (file[file.length - 1].hasRemaining()) {
                    ch.write(file);
                }
            }
            shardDirectory(key, target.getParent());
            move(tmp, target);
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            long now = System.currentTimeMillis();
            if (now - lastWriteWarning > 60_000) {
                lastWriteWarning = now;
                log.warn("cache write failed (served without caching) dir={} error={}", dir, e.toString());
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the tmp directory is emptied at the next start
            }
            evictIfNeeded();
            return false;
        }
        if (index.put(key, new Entry(size, clock.incrementAndGet(), crcs)) == null) {
            bytes.addAndGet(size);
        }
        evictIfNeeded();
        return true;
    }

    private void shardDirectory(CacheKey key, Path shard) throws IOException {
        int slot = key.kind().ordinal() * 256 + (int) (key.name().h0() >>> 56);
        if (shards.get(slot) == null) {
            Files.createDirectories(shard);
            shards.set(slot, Boolean.TRUE);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes {@code to} an entry with the bytes of {@code from} (a hard link when possible); false if absent. */
    public boolean link(CacheKey from, CacheKey to) {
        if (from.equals(to) || index.containsKey(to)) {
            return index.containsKey(to);
        }
        if (from.kind() != to.kind()) {
            Optional<byte[]> data = get(from);
            return data.isPresent() && put(to, data.get());
        }
        Entry e = index.get(from);
        if (e == null) {
            return false;
        }
        Path target = path(to);
        try {
            shardDirectory(to, target.getParent());
            try {
                Files.createLink(target, path(from));
            } catch (FileAlreadyExistsException ignored) {
                // a concurrent put of the same entry: same bytes
            } catch (UnsupportedOperationException | IOException notLinked) {
                Path tmp = dir.resolve("tmp").resolve(to.name().hex() + "." + tmpCounter.incrementAndGet());
                Files.copy(path(from), tmp, StandardCopyOption.REPLACE_EXISTING);
                move(tmp, target);
            }
        } catch (NoSuchFileException gone) {
            forget(from);
            return false;
        } catch (IOException ex) {
            writeErrors.incrementAndGet();
            return false;
        }
        // the same file: what was checked of one name holds for the other
        if (index.put(to, new Entry(e.size, clock.incrementAndGet(), e.crcs)) == null) {
            bytes.addAndGet(e.size);
        }
        evictIfNeeded();
        return true;
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
            f.complete(stored ? null : copy(data));
            inflight.remove(key, f);
        }
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

    /** Deletes an entry (a corrupt one, or one a test damages). */
    public void delete(CacheKey key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            log.warn("cannot delete cache entry {}: {}", key.name(), e.toString());
        }
        forget(key);
    }

    /** Where an entry lives on disk, for tools and tests. */
    public Path file(CacheKey key) {
        return path(key);
    }

    private void forget(CacheKey key) {
        Entry e = index.remove(key);
        if (e != null) {
            bytes.addAndGet(-e.size);
        }
    }

    private void evictIfNeeded() {
        if (bytes.get() <= maxBytes || !evicting.tryLock()) {
            return;
        }
        try {
            long target = maxBytes - maxBytes / 10;
            record Candidate(CacheKey key, Entry entry, long lastUse) {}
            List<Candidate> all = new ArrayList<>(index.size());
            for (Map.Entry<CacheKey, Entry> e : index.entrySet()) {
                all.add(new Candidate(e.getKey(), e.getValue(), e.getValue().lastUse));
            }
            all.sort(Comparator.comparingLong(Candidate::lastUse));
            for (Candidate c : all) {
                if (bytes.get() <= target) {
                    break;
                }
                if (inflight.containsKey(c.key)) {
                    continue;
                }
                try {
                    Files.deleteIfExists(path(c.key));
                } catch (IOException ex) {
                    log.warn("cannot evict {}: {}", c.key.name(), ex.toString());
                    continue;
                }
                if (index.remove(c.key, c.entry)) {
                    bytes.addAndGet(-c.entry.size);
                    evictions.incrementAndGet();
                }
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
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            log.debug("closing cache lock: {}", e.toString());
        }
    }
}
