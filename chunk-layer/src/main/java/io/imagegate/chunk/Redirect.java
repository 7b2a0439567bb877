package io.imagegate.chunk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Where the live entries of a pack the collector rewrote went: one record per rewritten pack,
 * naming the one pack that now holds them and, for each entry, its old and new data offset.
 * Manifests keep naming the old pack; a reader that finds the old pack gone follows its redirect.
 * Entries the rewrite dropped (no live reference named them) are not in the record. Immutable
 * once written. Byte layout: docs/FORMAT-chunks.md, section 8.
 */
public final class Redirect {

    static final byte[] MAGIC = "imgredr1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 8 + PackId.BYTES + PackId.BYTES + 4;
    static final int ENTRY_BYTES = 1 + 3 + 4 + 8 + 8 + ChunkHash.BYTES;
    static final int CRC_BYTES = 4;

    /** One moved entry: {@code length} data bytes at {@code oldOffset} of the old pack are at {@code newOffset} of the new. */
    public record Entry(PackReader.EntryType type, ChunkHash hash, long oldOffset, long newOffset, int length) {}

    /** A position in a pack. */
    public record Location(PackId pack, long offset) {}

    private final PackId from;
    private final PackId to;
    private final List<Entry> entries;
    private final long[] oldOffsets;

    public Redirect(PackId from, PackId to, List<Entry> entries) {
        if (from.isZero() || to.isZero() || from.equals(to)) {
            throw new IllegalArgumentException("a redirect leads from one stored pack to another");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::oldOffset));
        for (int i = 0; i < sorted.size(); i++) {
            Entry a = sorted.get(i);
            if (a.oldOffset() > Long.MAX_VALUE - a.length() || a.newOffset() > Long.MAX_VALUE - a.length()) {
                throw new IllegalArgumentException("redirect entry at " + a.oldOffset() + " ends past 2^63");
            }
            // two entries never start at one offset (each has its header), even empty ones: entryAt finds one
            if (i > 0 && (sorted.get(i - 1).oldOffset() + sorted.get(i - 1).length() > a.oldOffset()
                    || sorted.get(i - 1).oldOffset() == a.oldOffset())) {
                throw new IllegalArgumentException("redirect entries overlap at " + a.oldOffset());
            }
        }
        this.from = from;
        this.to = to;
        this.entries = List.copyOf(sorted);
        this.oldOffsets = sorted.stream().mapToLong(Entry::oldOffset).toArray();
    }

    public PackId from() {
        return from;
    }

    public PackId to() {
        return to;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The entry whose data started exactly at {@code oldOffset} of the old pack, or null. */
    public Entry entryAt(long oldOffset) {
        int i = Arrays.binarySearch(oldOffsets, oldOffset);
        return i >= 0 ? entries.get(i) : null;
    }

    /**
     * Where bytes {@code [offset, offset + length)} of the old pack now are, or null when the record
     * does not cover all of them. A range may span several entries (a reader coalesces chunks that
     * were back to back): they must have been back to back in the old pack and stay so in the new
     * one, which the collector guarantees by copying live entries in their order.
     */
    public Location locate(long offset, long length) {
        if (length <= 0 || offset < 0 || offset > Long.MAX_VALUE - length) {
            return null;
        }
        int i = Arrays.binarySearch(oldOffsets, offset);
        if (i < 0) {
            i = -i - 2; // the entry starting before offset
        }
        if (i < 0) {
            return null;
        }
        Entry first = entries.get(i);
        if (offset >= first.oldOffset() + first.length()) {
            return null; // in an entry header, or in bytes that were not kept
        }
        long delta = first.newOffset() - first.oldOffset();
        long end = offset + length;
        Entry e = first;
        while (end > e.oldOffset() + e.length()) {
            if (i + 1 >= entries.size()) {
                return null;
            }
            Entry next = entries.get(++i);
            boolean backToBack = next.oldOffset() == e.oldOffset() + e.length() + PackFormat.ENTRY_HEADER_BYTES;
            if (!backToBack || next.newOffset() - next.oldOffset() != delta) {
                return null;
            }
            e = next;
        }
        return new Location(to, offset + delta);
    }

    /** Approximate heap bytes, for the readers' cache. */
    long weight() {
        return 96L + entries.size() * 96L;
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + entries.size() * ENTRY_BYTES + CRC_BYTES);
        b.put(MAGIC);
        from.write(b);
        to.write(b);
        b.putInt(entries.size());
        for (Entry e : entries) {
            b.put(e.type().code()).put((byte) 0).putShort((short) 0).putInt(e.length());
            b.putLong(e.oldOffset()).putLong(e.newOffset());
            e.hash().write(b);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Parses and checks a record read for pack {@code from}. */
    public static Redirect decode(PackId from, byte[] bytes) throws CorruptPackException {
        if (bytes.length < HEADER_BYTES + CRC_BYTES
                || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptPackException(from, "redirect record has no header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(MAGIC.length);
        PackId named = PackId.read(b);
        PackId to = PackId.read(b);
        int n = b.getInt();
        if (!named.equals(from) || n < 0 || (long) HEADER_BYTES + (long) n * ENTRY_BYTES + CRC_BYTES != bytes.length) {
            throw new CorruptPackException(from, "redirect record is malformed");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - CRC_BYTES);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - CRC_BYTES, CRC_BYTES).getInt()) {
            throw new CorruptPackException(from, "redirect record checksum mismatch");
        }
        List<Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            PackReader.EntryType type = PackReader.EntryType.of(b.get());
            b.get();
            b.getShort();
            int length = b.getInt();
            long oldOffset = b.getLong();
            long newOffset = b.getLong();
            ChunkHash hash = ChunkHash.read(b);
            if (type == null || length < 0 || oldOffset < 0 || newOffset < 0) {
                throw new CorruptPackException(from, "redirect entry " + i + " is malformed");
            }
            entries.add(new Entry(type, hash, oldOffset, newOffset, length));
        }
        try {
            return new Redirect(from, to, entries);
        } catch (IllegalArgumentException e) {
            throw new CorruptPackException(from, "redirect record is inconsistent: " + e.getMessage());
        }
    }
}
