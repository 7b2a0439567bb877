package io.imagegate.chunk;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs as files in a local directory: {@code packs/<last two hex digits of the id>/<id>.pack},
 * written under {@code tmp/} and renamed into place when sealed. Reads are positional and share a
 * bounded set of open files across threads. See docs/FORMAT-chunks.md for the layout.
 */
public final class LocalChunkStore implements ChunkStore {

    private static final Logger log = LoggerFactory.getLogger(LocalChunkStore.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PACK_SUFFIX = ".pack";
    private static final String REDIRECT_SUFFIX = ".redirect";

    private final Path packsDir;
    private final Path redirectsDir;
    private final Path tmpDir;
    private final ClockCache<PackId, OpenPack> openPacks;
    private volatile boolean closed;

    private LocalChunkStore(Path dir, LocalStoreConfig config) {
        this.packsDir = dir.resolve("packs");
        this.redirectsDir = dir.resolve("redirects");
        this.tmpDir = dir.resolve("tmp");
        this.openPacks = new ClockCache<>(config.openPackCacheSize(), p -> 1, OpenPack::release);
    }

    public static LocalChunkStore open(Path dir) throws IOException {
        return open(dir, LocalStoreConfig.defaults());
    }

    /** Opens (creating if needed) the store in {@code dir} and deletes stale temporary packs. */
    public static LocalChunkStore open(Path dir, LocalStoreConfig config) throws IOException {
        LocalChunkStore store = new LocalChunkStore(dir, config);
        store.prepareDirectories();
        int removed = store.removeStaleTemps(Instant.now().minus(config.tempMaxAge()));
        log.info("local chunk store opened dir={} staleTempsRemoved={}", dir, removed);
        return store;
    }

    /** Where a sealed pack lives (whether or not it exists). */
    public Path packPath(PackId id) {
        String hex = id.hex();
        return packsDir.resolve(hex.substring(30)).resolve(hex + PACK_SUFFIX);
    }

    @Override
    public PackOutput create(PackId id) throws IOException {
        ensureOpen();
        if (id.isZero()) {
            throw new IllegalArgumentException("the zero pack is never stored");
        }
        Path target = packPath(id);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path tmp = tmpDir.resolve(id.hex() + "." + HexFormat.of().toHexDigits(RANDOM.nextInt()) + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new LocalPackOutput(ch, tmp, target);
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        ensureOpen();
        Objects.requireNonNull(pack, "pack");
        if (pack.isZero()) {
            throw new IllegalArgumentException("the zero pack is never stored");
        }
        long pos = offset;
        for (int attempt = 0; ; attempt++) {
            OpenPack open = acquire(pack);
            try {
                while (dst.hasRemaining()) {
                    int n = open.channel.read(dst, pos);
                    if (n < 0) {
                        throw new EOFException("pack " + pack + " ends before offset " + pos);
                    }
                    pos += n;
                }
                return;
            } catch (ClosedChannelException e) {
                // an interrupted reader closes a shared channel under everyone: drop it, reopen once
                openPacks.remove(pack, open);
                if (attempt > 0 || closed || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
            } finally {
                open.release();
            }
        }
    }

    /** Lazy: walks one fan-out directory at a time; a failure midway is an UncheckedIOException. */
    @Override
    public Stream<PackInfo> list() throws IOException {
        ensureOpen();
        return IntStream.range(0, 256)
                .mapToObj(i -> packsDir.resolve(HexFormat.of().toHexDigits((byte) i)))
                .flatMap(LocalChunkStore::packsIn);
    }

    @Override
    public void delete(PackId pack) throws IOException {
        ensureOpen();
        openPacks.remove(pack);
        Files.deleteIfExists(packPath(pack));
    }

    /** Where the redirect record of a rewritten pack lives (whether or not it exists). */
    public Path redirectPath(PackId id) {
        String hex = id.hex();
        return redirectsDir.resolve(hex.substring(30)).resolve(hex + REDIRECT_SUFFIX);
    }

    @Override
    public Optional<byte[]> readRedirect(PackId pack) throws IOException {
        ensureOpen();
        try {
            return Optional.of(Files.readAllBytes(redirectPath(pack)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Written like a pack: a temp file, fsync, an atomic link to its name that never replaces, fsync of the directory. */
    @Override
    public void writeRedirect(PackId pack, byte[] record) throws IOException {
        ensureOpen();
        Path target = redirectPath(pack);
        Path fanout = target.getParent();
        if (!Files.isDirectory(fanout)) {
            Files.createDirectories(fanout);
            fsyncDirectory(redirectsDir);
            fsyncDirectory(redirectsDir.getParent());
        }
        Path tmp = tmpDir.resolve(pack.hex() + "." + HexFormat.of().toHexDigits(RANDOM.nextInt()) + ".redirect.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(record);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.createLink(target, tmp); // atomic, and fails rather than replace an existing record
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory(fanout);
    }

    @Override
    public void deleteRedirect(PackId pack) throws IOException {
        ensureOpen();
        Files.deleteIfExists(redirectPath(pack));
    }

    /** Lazy, like {@link #list()}. */
    @Override
    public Stream<PackId> listRedirects() throws IOException {
        ensureOpen();
        return IntStream.range(0, 256)
                .mapToObj(i -> redirectsDir.resolve(HexFormat.of().toHexDigits((byte) i)))
                .flatMap(LocalChunkStore::redirectsIn);
    }

    private static Stream<PackId> redirectsIn(Path fanout) {
        Stream<Path> files;
        try {
            files = Files.list(fanout);
        } catch (NoSuchFileException e) {
            return Stream.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String prefix = fanout.getFileName().toString();
        return files.map(f -> {
            String name = f.getFileName().toString();
            if (name.length() != 32 + REDIRECT_SUFFIX.length() || !name.endsWith(REDIRECT_SUFFIX)
                    || !name.startsWith(prefix, 30)) {
                return null;
            }
            try {
                PackId id = PackId.parse(name.substring(0, 32));
                return id.hex().equals(name.substring(0, 32)) ? id : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }).filter(Objects::nonNull);
    }

    @Override
    public void close() {
        closed = true;
        openPacks.clear();
    }

    private static Stream<PackInfo> packsIn(Path fanout) {
        Stream<Path> files;
        try {
            files = Files.list(fanout);
        } catch (NoSuchFileException e) {
            return Stream.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String prefix = fanout.getFileName().toString();
        return files.map(f -> packInfo(f, prefix)).filter(Objects::nonNull);
    }

    /** A sealed pack's info, or null for anything else (foreign files, a pack deleted meanwhile). */
    private static PackInfo packInfo(Path file, String fanout) {
        String name = file.getFileName().toString();
        if (name.length() != 32 + PACK_SUFFIX.length() || !name.endsWith(PACK_SUFFIX)
                || !name.startsWith(fanout, 30) || !HexFormat.isHexDigit(name.charAt(0))) {
            return null;
        }
        try {
            PackId id = PackId.parse(name.substring(0, 32));
            if (!id.hex().equals(name.substring(0, 32))) {
                return null; // upper-case hex: not a name this store wrote
            }
            return new PackInfo(id, Files.readAttributes(file, BasicFileAttributes.class).size());
        } catch (IllegalArgumentException | NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private OpenPack acquire(PackId pack) throws IOException {
        while (true) {
            OpenPack cached = openPacks.get(pack);
            if (cached != null && cached.retain()) {
                return cached;
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(packPath(pack), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new PackNotFoundException(pack);
            }
            OpenPack fresh = new OpenPack(ch);
            OpenPack winner = openPacks.putIfAbsent(pack, fresh);
            if (winner != fresh) {
                fresh.release();
            }
            if (winner.retain()) {
                return winner;
            }
        }
    }

    private void prepareDirectories() throws IOException {
        Files.createDirectories(tmpDir);
        boolean created = false;
        for (int i = 0; i < 256; i++) {
            Path fanout = packsDir.resolve(HexFormat.of().toHexDigits((byte) i));
            if (!Files.isDirectory(fanout)) {
                Files.createDirectories(fanout);
                created = true;
            }
        }
        if (created) {
            fsyncDirectory(packsDir);
            fsyncDirectory(packsDir.getParent());
        }
    }

    private int removeStaleTemps(Instant olderThan) throws IOException {
        int removed = 0;
        try (Stream<Path> temps = Files.list(tmpDir)) {
            for (Path tmp : (Iterable<Path>) temps::iterator) {
                try {
                    if (Files.getLastModifiedTime(tmp).toInstant().isBefore(olderThan) && Files.deleteIfExists(tmp)) {
                        removed++;
                    }
                } catch (NoSuchFileException e) {
                    // removed by someone else meanwhile
                }
            }
        }
        return removed;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** An open pack file shared by readers; closed when the cache and the last reader let go. */
    private static final class OpenPack {
        final FileChannel channel;
        private final AtomicInteger refs = new AtomicInteger(1); // the cache's reference

        OpenPack(FileChannel channel) {
            this.channel = channel;
        }

        boolean retain() {
            for (int r = refs.get(); r > 0; r = refs.get()) {
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
            return false;
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                try {
                    channel.close();
                } catch (IOException e) {
                    log.warn("closing a pack file failed error={}", e.toString());
                }
            }
        }
    }

    /** A pack being written to a temporary file; sealing makes it durable, then visible. */
    private static final class LocalPackOutput implements PackOutput {
        private final FileChannel channel;
        private final Path tmp;
        private final Path target;
        private long position;
        private boolean sealed;
        private boolean aborted;
        private boolean moved;

        LocalPackOutput(FileChannel channel, Path tmp, Path target) {
            this.channel = channel;
            this.tmp = tmp;
            this.target = target;
        }

        @Override
        public void write(ByteBuffer src) throws IOException {
            ensureWritable();
            while (src.hasRemaining()) {
                position += channel.write(src);
            }
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void seal() throws IOException {
            ensureWritable();
            channel.force(true);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            fsyncDirectory(target.getParent());
            sealed = true;
        }

        @Override
        public void abort() {
            if (sealed || aborted) {
                return;
            }
            aborted = true;
            try {
                channel.close();
                Files.deleteIfExists(moved ? target : tmp);
            } catch (IOException e) {
                log.warn("aborted pack not removed path={} error={}", moved ? target : tmp, e.toString());
            }
        }

        @Override
        public void close() {
            abort();
        }

        private void ensureWritable() {
            if (sealed || aborted) {
                throw new IllegalStateException("pack output is " + (sealed ? "sealed" : "aborted"));
            }
        }
    }
}
