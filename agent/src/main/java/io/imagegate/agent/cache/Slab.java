package io.imagegate.agent.cache;

import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * One file of cached chunks and its index: {@code N.data} holds entries' payloads one after another,
 * {@code N.index} one fixed-size record per entry saying where its payload lies. Entries are only
 * ever appended; a slab is evicted, both files deleted, as a whole.
 *
 * <p>Index record, 96 bytes, big-endian: u16 magic {@code 0x4943}, u8 kind (0 content, 1 range),
 * u8 zero, u32 length, u64 offset in the data file, 32-byte name, 32-byte SHA-256 of the payload,
 * 12 zero bytes, u32 CRC32C of the 92 bytes before it. Nothing is synced: a record whose bytes or
 * whose payload did not reach the disk fails its CRC (then it is skipped) or its SHA-256 at its
 * first read after a restart (then the entry is deleted).
 */
final class Slab implements AutoCloseable {

    static final int RECORD = 96;
    private static final short MAGIC = 0x4943;

    final long number;
    final Path data;
    final Path index;
    private final FileChannel dataChannel;
    private final FileChannel indexChannel;
    /** Bytes of the data file handed out (appended or being appended). */
    private long end;
    private long records;
    /** When an entry of this slab was last read or written (the cache's clock): eviction takes the oldest. */
    volatile long lastUse;

    private Slab(long number, Path data, Path index, FileChannel dataChannel, FileChannel indexChannel, long end,
                 long records) {
        this.number = number;
        this.data = data;
        this.index = index;
        this.dataChannel = dataChannel;
        this.indexChannel = indexChannel;
        this.end = end;
        this.records = records;
    }

    static Path dataFile(Path dir, long number) {
        return dir.resolve(String.format("%08d.data", number));
    }

    static Path indexFile(Path dir, long number) {
        return dir.resolve(String.format("%08d.index", number));
    }

    /** A new, empty slab to append to. */
    static Slab create(Path dir, long number) throws IOException {
        Path d = dataFile(dir, number);
        Path i = indexFile(dir, number);
        FileChannel dc = FileChannel.open(d, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileChannel ic = FileChannel.open(i, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new Slab(number, d, i, dc, ic, 0, 0);
        } catch (IOException e) {
            dc.close();
            throw e;
        }
    }

    /** A record read back from an index file. */
    record Found(CacheKey key, long offset, int length, ChunkHash sha) {}

    /** Opens a slab left by an earlier process for reading, handing each valid record to {@code found}. */
    static Slab open(Path dir, long number, Consumer<Found> found) throws IOException {
        Path d = dataFile(dir, number);
        Path i = indexFile(dir, number);
        FileChannel dc = FileChannel.open(d, StandardOpenOption.READ);
        try {
            long size = dc.size();
            byte[] all = Files.readAllBytes(i);
            ByteBuffer b = ByteBuffer.wrap(all);
            for (int at = 0; at + RECORD <= all.length; at += RECORD) {
                Found f = parse(b.slice(at, RECORD));
                if (f != null && f.offset >= 0 && f.length >= 0 && f.offset + f.length <= size) {
                    found.accept(f);
                }
            }
            return new Slab(number, d, i, dc, null, size, all.length / RECORD);
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
    }

    private static Found parse(ByteBuffer r) {
        CRC32C crc = new CRC32C();
        crc.update(r.slice(0, RECORD - 4));
        if (r.getShort(0) != MAGIC || (int) crc.getValue() != r.getInt(RECORD - 4)) {
            return null;
        }
        int kind = r.get(2);
        if (kind < 0 || kind >= CacheKey.Kind.values().length) {
            return null;
        }
        int length = r.getInt(4);
        long offset = r.getLong(8);
        ChunkHash name = ChunkHash.read(r.position(16));
        ChunkHash sha = ChunkHash.read(r.position(48));
        return new Found(new CacheKey(CacheKey.Kind.values()[kind], name), offset, length, sha);
    }

    /** Whether this slab still takes entries (only the one a process created does). */
    boolean appendable() {
        return indexChannel != null;
    }

    synchronized long bytes() {
        return end + records * RECORD;
    }

    /** Reserves room for a payload of {@code length} bytes and its record; returns {offset, record slot}. */
    synchronized long[] reserve(int length) {
        long[] r = {end, records * RECORD};
        end += length;
        records++;
        return r;
    }

    /** Writes a payload and then its record at the places {@link #reserve} gave. */
    void append(CacheKey key, ByteBuffer payload, ChunkHash sha, long[] at) throws IOException {
        int length = payload.remaining();
        ByteBuffer p = payload.duplicate();
        long pos = at[0];
        while (p.hasRemaining()) {
            pos += dataChannel.write(p, pos);
        }
        ByteBuffer r = ByteBuffer.allocate(RECORD);
        r.putShort(MAGIC).put((byte) key.kind().ordinal()).put((byte) 0).putInt(length).putLong(at[0]);
        key.name().write(r);
        sha.write(r);
        CRC32C crc = new CRC32C();
        crc.update(r.array(), 0, RECORD - 4);
        r.putInt(RECORD - 4, (int) crc.getValue()).clear();
        long rpos = at[1];
        while (r.hasRemaining()) {
            rpos += indexChannel.write(r, rpos);
        }
    }

    /** Reads payload bytes at {@code position}; false when the file ends first. */
    boolean read(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = dataChannel.read(dst, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        try {
            dataChannel.close();
        } finally {
            if (indexChannel != null) {
                indexChannel.close();
            }
        }
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(index);
        Files.deleteIfExists(data);
    }
}
