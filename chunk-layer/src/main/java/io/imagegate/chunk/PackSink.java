package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packs one write operation appends to: opens a pack on the first entry (so an operation that
 * stores nothing creates no file), rolls to a new one before the size limit, writes the footer
 * index and seals, or aborts and removes everything it wrote. Entries are staged in a pooled
 * buffer so a pack costs one write call per megabyte, not two per chunk. One thread at a time.
 */
final class PackSink {

    private static final Logger log = LoggerFactory.getLogger(PackSink.class);
    private static final int STAGING_BYTES = 1024 * 1024;

    private final ChunkStore store;
    private final long maxPackBytes;
    private final BufferPool buffers;
    private final Supplier<PackId> packIds;
    private final List<PackId> sealed = new ArrayList<>();
    private final List<PackReader.PackEntry> index = new ArrayList<>();
    private ChunkStore.PackOutput out;
    private PackId current;
    private byte[] stagingArray;
    private ByteBuffer staging;
    private long position;

    PackSink(ChunkStore store, long maxPackBytes, BufferPool buffers) {
        this(store, maxPackBytes, buffers, PackSink::newPackId);
    }

    /** @param packIds names each pack this sink opens (tests fix them to reproduce a pack byte for byte) */
    PackSink(ChunkStore store, long maxPackBytes, BufferPool buffers, Supplier<PackId> packIds) {
        this.store = store;
        this.maxPackBytes = maxPackBytes;
        this.buffers = buffers;
        this.packIds = packIds;
    }

    /** A new pack's id: its creation time, and 80 random bits. */
    static PackId newPackId() {
        return PackId.generate(Instant.now());
    }

    /** Appends one entry and returns where its bytes now live (valid once sealed). */
    ChunkRef append(PackReader.EntryType type, ChunkHash hash, byte[] b, int off, int len) throws IOException {
        long entryBytes = PackFormat.ENTRY_HEADER_BYTES + (long) len;
        if (out != null && !index.isEmpty()
                && position + entryBytes + PackFormat.footerBytes(index.size() + 1) > maxPackBytes) {
            sealCurrent();
        }
        if (out == null) {
            openPack();
        }
        if (staging.remaining() < PackFormat.ENTRY_HEADER_BYTES) {
            flush();
        }
        PackFormat.putEntryHeader(staging, type, len, hash);
        stage(b, off, len);
        long dataOffset = position + PackFormat.ENTRY_HEADER_BYTES;
        position += entryBytes;
        index.add(new PackReader.PackEntry(type, hash, dataOffset, len));
        return new ChunkRef(hash, current, dataOffset, len);
    }

    /** Seals the open pack, if any. Earlier packs were sealed when the writer rolled past them. */
    void sealAll() throws IOException {
        if (out != null) {
            sealCurrent();
        }
        release();
    }

    /** Discards the open pack and deletes the sealed ones; nothing refers to them yet. */
    void abortAll() {
        if (out != null) {
            out.abort();
            out = null;
        }
        for (PackId id : sealed) {
            try {
                store.delete(id);
            } catch (IOException | RuntimeException e) {
                log.warn("abandoned pack not deleted, the collector will remove it pack={} error={}", id, e.toString());
            }
        }
        sealed.clear();
        release();
    }

    /** Packs sealed so far. */
    List<PackId> sealedPacks() {
        return List.copyOf(sealed);
    }

    private void openPack() throws IOException {
        current = packIds.get();
        out = store.create(current);
        if (stagingArray == null) {
            stagingArray = buffers.acquire(STAGING_BYTES);
            staging = ByteBuffer.wrap(stagingArray);
        }
        staging.clear();
        staging.put(PackFormat.HEADER_MAGIC);
        position = PackFormat.HEADER_BYTES;
    }

    private void stage(byte[] b, int off, int len) throws IOException {
        if (len > staging.capacity() / 2) {
            flush();
            out.write(ByteBuffer.wrap(b, off, len));
            return;
        }
        if (len > staging.remaining()) {
            flush();
        }
        staging.put(b, off, len);
    }

    private void flush() throws IOException {
        staging.flip();
        out.write(staging);
        staging.clear();
    }

    private void sealCurrent() throws IOException {
        byte[] footer = new byte[(int) PackFormat.footerBytes(index.size())];
        ByteBuffer f = ByteBuffer.wrap(footer);
        for (PackReader.PackEntry e : index) {
            PackFormat.putIndexEntry(f, e);
        }
        CRC32C crc = new CRC32C();
        crc.update(footer, 0, f.position());
        f.putInt(index.size()).putInt((int) crc.getValue()).putLong(footer.length).put(PackFormat.END_MAGIC);
        stage(footer, 0, footer.length);
        flush();
        out.seal();
        sealed.add(current);
        out = null;
        index.clear();
    }

    private void release() {
        buffers.release(stagingArray);
        stagingArray = null;
        staging = null;
    }
}
