package io.imagegate.chunk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Byte layout of a pack (see docs/FORMAT-chunks.md); all integers big-endian. */
final class PackFormat {

    static final byte[] HEADER_MAGIC = "imgpack1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END_MAGIC = "imgpend1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 8;
    /** type u8, reserved u8[3], length u32, sha256[32]; the entry's bytes follow. */
    static final int ENTRY_HEADER_BYTES = 40;
    /** type u8, reserved u8[3], length u32, data offset u64, sha256[32]. */
    static final int INDEX_ENTRY_BYTES = 48;
    /** entry count u32, crc32c of the index u32, footer length u64, end magic. */
    static final int TRAILER_BYTES = 24;

    private PackFormat() {}

    static void putEntryHeader(ByteBuffer dst, PackReader.EntryType type, int length, ChunkHash hash) {
        dst.put(type.code()).put((byte) 0).putShort((short) 0).putInt(length);
        hash.write(dst);
    }

    static void putIndexEntry(ByteBuffer dst, PackReader.PackEntry e) {
        dst.put(e.type().code()).put((byte) 0).putShort((short) 0).putInt(e.length()).putLong(e.offset());
        e.hash().write(dst);
    }

    /** Bytes a sealed pack takes once {@code entries} more index entries and the trailer are added. */
    static long footerBytes(int entries) {
        return (long) entries * INDEX_ENTRY_BYTES + TRAILER_BYTES;
    }
}
