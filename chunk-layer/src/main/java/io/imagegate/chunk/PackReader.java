package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads what a sealed pack holds without any manifest: its footer index for the garbage collector,
 * or a front-to-back scan of its entries for recovery when the footer is damaged.
 */
public final class PackReader {

    /** Largest entry a scan accepts; anything longer is damage, not data. */
    private static final int MAX_ENTRY_BYTES = 64 * 1024 * 1024;

    private PackReader() {}

    /** What a pack entry holds. */
    public enum EntryType {
        CHUNK((byte) 1), MANIFEST_PAGE((byte) 2);

        private final byte code;

        EntryType(byte code) {
            this.code = code;
        }

        public byte code() {
            return code;
        }

        static EntryType of(byte code) {
            return switch (code) {
                case 1 -> CHUNK;
                case 2 -> MANIFEST_PAGE;
                default -> null;
            };
        }
    }

    /** One entry of a pack: {@code length} bytes at {@code offset} (the data, past the entry header). */
    public record PackEntry(EntryType type, ChunkHash hash, long offset, int length) {

        public ChunkRef ref(PackId pack) {
            return new ChunkRef(hash, pack, offset, length);
        }
    }

    /** The entries listed in the pack's footer, in the order they were written. */
    public static List<PackEntry> readIndex(ChunkStore store, ChunkStore.PackInfo pack) throws IOException {
        if (pack.size() < PackFormat.HEADER_BYTES + PackFormat.TRAILER_BYTES) {
            throw new CorruptPackException(pack.id(), "too short for a pack: " + pack.size() + " bytes");
        }
        ByteBuffer trailer = ByteBuffer.allocate(PackFormat.TRAILER_BYTES);
        store.read(pack.id(), pack.size() - PackFormat.TRAILER_BYTES, trailer);
        trailer.flip();
        int count = trailer.getInt();
        int crc = trailer.getInt();
        long footerLength = trailer.getLong();
        byte[] magic = new byte[8];
        trailer.get(magic);
        if (!Arrays.equals(magic, PackFormat.END_MAGIC)) {
            throw new CorruptPackException(pack.id(), "no end magic");
        }
        if (count < 0 || count > (Integer.MAX_VALUE - PackFormat.TRAILER_BYTES) / PackFormat.INDEX_ENTRY_BYTES
                || footerLength != PackFormat.footerBytes(count)
                || footerLength > pack.size() - PackFormat.HEADER_BYTES) {
            throw new CorruptPackException(pack.id(), "footer of " + count + " entries does not fit");
        }
        ByteBuffer index = ByteBuffer.allocate(count * PackFormat.INDEX_ENTRY_BYTES);
        long indexStart = pack.size() - footerLength;
        store.read(pack.id(), indexStart, index);
        CRC32C crc32c = new CRC32C();
        crc32c.update(index.array());
        if ((int) crc32c.getValue() != crc) {
            throw new CorruptPackException(pack.id(), "footer index checksum mismatch");
        }
        index.flip();
        return parseIndex(pack.id(), index, count, indexStart);
    }

    private static List<PackEntry> parseIndex(PackId id, ByteBuffer index, int count, long indexStart)
            throws CorruptPackException {
        List<PackEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            EntryType type = EntryType.of(index.get());
            index.get();
            index.getShort();
            int length = index.getInt();
            long offset = index.getLong();
            ChunkHash hash = ChunkHash.read(index);
            if (type == null || length < 0 || offset < PackFormat.HEADER_BYTES + PackFormat.ENTRY_HEADER_BYTES
                    || offset > indexStart - length) { // not offset + length: a corrupt offset near 2^63 wraps
                throw new CorruptPackException(id, "footer entry " + i + " is malformed");
            }
            entries.add(new PackEntry(type, hash, offset, length));
        }
        return entries;
    }

    /**
     * Walks the entries from the front, checking each one's SHA-256, and stops at the footer or
     * at the first entry that is damaged. What it returns is intact; what follows a damaged entry
     * cannot be located without the footer.
     */
    public static List<PackEntry> scan(ChunkStore store, ChunkStore.PackInfo pack) throws IOException {
        if (pack.size() < PackFormat.HEADER_BYTES) {
            // not a read past the end (an IOException from the store): a pack this short is corrupt
            throw new CorruptPackException(pack.id(), "too short for a pack header: " + pack.size() + " bytes");
        }
        long end = entriesEnd(store, pack);
        ByteBuffer magic = ByteBuffer.allocate(PackFormat.HEADER_BYTES);
        store.read(pack.id(), 0, magic);
        if (!Arrays.equals(magic.array(), PackFormat.HEADER_MAGIC)) {
            throw new CorruptPackException(pack.id(), "no header magic");
        }
        List<PackEntry> entries = new ArrayList<>();
        MessageDigest md = ChunkHash.newDigest();
        long pos = PackFormat.HEADER_BYTES;
        while (pos + PackFormat.ENTRY_HEADER_BYTES <= end) {
            PackEntry entry = scanEntry(store, pack.id(), pos, end, md);
            if (entry == null) {
                break;
            }
            entries.add(entry);
            pos = entry.offset() + entry.length();
        }
        return entries;
    }

    private static PackEntry scanEntry(ChunkStore store, PackId id, long pos, long end, MessageDigest md)
            throws IOException {
        ByteBuffer header = ByteBuffer.allocate(PackFormat.ENTRY_HEADER_BYTES);
        store.read(id, pos, header);
        header.flip();
        EntryType type = EntryType.of(header.get());
        header.position(4);
        int length = header.getInt();
        ChunkHash hash = ChunkHash.read(header);
        long dataStart = pos + PackFormat.ENTRY_HEADER_BYTES;
        if (type == null || length < 0 || length > MAX_ENTRY_BYTES || dataStart + length > end) {
            return null;
        }
        byte[] data = new byte[length];
        store.read(id, dataStart, ByteBuffer.wrap(data));
        if (!ChunkHash.of(md.digest(data)).equals(hash)) {
            return null;
        }
        return new PackEntry(type, hash, dataStart, length);
    }

    /** Where the entries stop: the footer's start if the trailer is readable, else the pack's end. */
    private static long entriesEnd(ChunkStore store, ChunkStore.PackInfo pack) throws IOException {
        try {
            List<PackEntry> index = readIndex(store, pack);
            return pack.size() - PackFormat.footerBytes(index.size());
        } catch (CorruptPackException e) {
            return pack.size();
        }
    }
}
