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
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's chunk cache: one directory shared by every attachment and every version on the node,
 * kept across restarts, bounded in bytes with least-recently-used eviction. Every entry is verified
 * against its SHA-256 each time it is read from disk, so a corrupt file is deleted and refetched,
 * never served. Files are written to {@code tmp/} and renamed into place, so a crash leaves either
 * a whole entry or none; nothing is fsynced, because a torn entry fails verification. A small
 * in-memory tier keeps recently read chunks to spare disk reads and hashing.
 *
 * <p>It also holds the node-wide table of fetches in flight, so that concurrent readers of one
 * chunk (from any export) cause one fetch.
 */
public final class NodeCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeCache.class);
    private static final String FORMAT = "imagegate-agent-cache 1\n";

    private record Entry(long size, long lastUse) {}

    /** A fetch in flight; {@code owner} is true for the caller that must perform it. */
    public record Inflight(CompletableFuture<byte[]> future, boolean owner) {}

    private final Path dir;
    private final long maxBytes;
    private final long memoryBytes;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final ConcurrentHashMap<CacheKey, Entry> index = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CacheKey, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();
    private final LinkedHashMap<CacheKey, byte[]> memory = new LinkedHashMap<>(256, 0.75f, true);
    private long memoryUsed;
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

    private NodeCache(Path dir, long maxBytes, long memoryBytes, FileChannel lockFile, FileLock lock) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.memoryBytes = memoryBytes;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** Opens (creating if needed) the cache at {@code dir}; one agent process holds it at a time. */
    public static NodeCache open(Path dir, long maxBytes, long memoryBytes) throws IOException {
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
        } catch (IOException e) {
            lockFile.close();
            throw e;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("another agent process uses the cache " + dir);
        }
        NodeCache c = new NodeCache(dir, maxBytes, memoryBytes, lockFile, lock);
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
            try (DirectoryStream<Path> shards = Files.newDirectoryStream(top)) {
                for (Path shard : shards) {
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
            index.put(f.key, new Entry(f.size, clock.incrementAndGet()));
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

    /** Whether an entry is on disk (or was, when the index was last told); no verification. */
    public boolean contains(CacheKey key) {
        return index.containsKey(key);
    }

    /** The verified bytes of an entry, or empty; a corrupt entry is deleted and reported as a miss. */
    public Optional<byte[]> get(CacheKey key) {
        byte[] m = memoryGet(key);
        if (m != null) {
            hits.incrementAndGet();
            touch(key);
            return Optional.of(m);
        }
        if (!index.containsKey(key)) {
            misses.incrementAndGet();
            return Optional.empty();
        }
        byte[] file;
        try {
            file = Files.readAllBytes(path(key));
        } catch (NoSuchFileException e) {
            forget(key);
            misses.incrementAndGet();
            return Optional.empty();
        } catch (IOException e) {
            log.warn("cache read failed key={} error={}", key.name(), e.toString());
            misses.incrementAndGet();
            return Optional.empty();
        }
        byte[] data = verified(key, file);
        if (data == null) {
            corrupt.incrementAndGet();
            log.warn("corrupt cache entry deleted kind={} name={} size={}", key.kind(), key.name(), file.length);
            delete(key);
            misses.incrementAndGet();
            return Optional.empty();
        }
        hits.incrementAndGet();
        touch(key);
        memoryPut(key, data);
        return Optional.of(data);
    }

    private static byte[] verified(CacheKey key, byte[] file) {
        if (key.kind() == CacheKey.Kind.CONTENT) {
            return ChunkHash.sha256(file, 0, file.length).equals(key.name()) ? file : null;
        }
        if (file.length < ChunkHash.BYTES) {
            return null;
        }
        ChunkHash expected = ChunkHash.read(ByteBuffer.wrap(file, 0, ChunkHash.BYTES));
        if (!ChunkHash.sha256(file, ChunkHash.BYTES, file.length - ChunkHash.BYTES).equals(expected)) {
            return null;
        }
        return Arrays.copyOfRange(file, ChunkHash.BYTES, file.length);
    }

    /**
     * Stores an entry. The caller vouches for the bytes (a CONTENT entry must hash to its name).
     * A full or failing disk costs the entry, never the read: the error is counted and logged.
     */
    public void put(CacheKey key, byte[] data) {
        memoryPut(key, data);
        if (index.containsKey(key)) {
            touch(key);
            return;
        }
        byte[] file = data;
        if (key.kind() == CacheKey.Kind.RANGE) {
            file = ByteBuffer.allocate(ChunkHash.BYTES + data.length).put(ChunkHash.sha256(data, 0, data.length).toBytes())
                    .put(data).array();
        }
        Path target = path(key);
        Path tmp = dir.resolve("tmp").resolve(key.name().hex() + "." + tmpCounter.incrementAndGet());
        try {
            Files.write(tmp, file);
            Files.createDirectories(target.getParent());
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
            return;
        }
        if (index.put(key, new Entry(file.length, clock.incrementAndGet())) == null) {
            bytes.addAndGet(file.length);
        }
        evictIfNeeded();
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
            data.ifPresent(d -> put(to, d));
            return data.isPresent();
        }
        Entry e = index.get(from);
        if (e == null) {
            return false;
        }
        Path target = path(to);
        try {
            Files.createDirectories(target.getParent());
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
        if (index.put(to, new Entry(e.size, clock.incrementAndGet())) == null) {
            bytes.addAndGet(e.size);
        }
        byte[] m = memoryGet(from);
        if (m != null) {
            memoryPut(to, m);
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
     * The owner's fetch succeeded: the entry is stored, then waiters get the bytes and the fetch is
     * retired. Storing first means a read that returned has left its chunks in the cache, and no
     * write into the cache directory outlives the read that caused it.
     */
    public void finish(CacheKey key, CompletableFuture<byte[]> f, byte[] data, boolean store) {
        try {
            if (store) {
                put(key, data);
            }
        } finally {
            f.complete(data);
            inflight.remove(key, f);
        }
    }

    public void fail(CacheKey key, CompletableFuture<byte[]> f, Throwable error) {
        inflight.remove(key, f);
        f.completeExceptionally(error);
    }

    /** Deletes an entry (a corrupt one, or one a test damages). */
    public void delete(CacheKey key) {
        memoryRemove(key);
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            log.warn("cannot delete cache entry {}: {}", key.name(), e.toString());
        }
        forget(key);
    }

    /** Drops the in-memory copy, so the next read goes to disk (and is verified there). */
    public void dropFromMemory(CacheKey key) {
        memoryRemove(key);
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

    private void touch(CacheKey key) {
        index.computeIfPresent(key, (k, e) -> new Entry(e.size, clock.incrementAndGet()));
    }

    private void evictIfNeeded() {
        if (bytes.get() <= maxBytes || !evicting.tryLock()) {
            return;
        }
        try {
            long target = maxBytes - maxBytes / 10;
            List<Map.Entry<CacheKey, Entry>> all = new ArrayList<>(index.entrySet());
            all.sort(Comparator.comparingLong(e -> e.getValue().lastUse()));
            for (Map.Entry<CacheKey, Entry> e : all) {
                if (bytes.get() <= target) {
                    break;
                }
                if (inflight.containsKey(e.getKey())) {
                    continue;
                }
                memoryRemove(e.getKey());
                try {
                    Files.deleteIfExists(path(e.getKey()));
                } catch (IOException ex) {
                    log.warn("cannot evict {}: {}", e.getKey().name(), ex.toString());
                    continue;
                }
                if (index.remove(e.getKey(), e.getValue())) {
                    bytes.addAndGet(-e.getValue().size());
                    evictions.incrementAndGet();
                }
            }
        } finally {
            evicting.unlock();
        }
    }

    private synchronized byte[] memoryGet(CacheKey key) {
        return memory.get(key);
    }

    private synchronized void memoryPut(CacheKey key, byte[] data) {
        if (data.length > memoryBytes / 4) {
            return;
        }
        byte[] old = memory.put(key, data);
        memoryUsed += data.length - (old == null ? 0 : old.length);
        var it = memory.entrySet().iterator();
        while (memoryUsed > memoryBytes && it.hasNext()) {
            memoryUsed -= it.next().getValue().length;
            it.remove();
        }
    }

    private synchronized void memoryRemove(CacheKey key) {
        byte[] old = memory.remove(key);
        if (old != null) {
            memoryUsed -= old.length;
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
