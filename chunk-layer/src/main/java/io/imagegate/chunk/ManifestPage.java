package io.imagegate.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A manifest page, parsed once and then shared by every reader through the page cache: the raw
 * bytes plus the cumulative entry offsets a reader binary-searches. Accessors read fields straight
 * from the bytes so the read path allocates nothing per chunk. Byte layouts: docs/FORMAT-chunks.md.
 */
final class ManifestPage {

    static final byte LEAF = 1;
    static final byte INNER = 2;
    static final byte PARTS = 3;
    static final byte VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int LEAF_ENTRY = ChunkRef.BYTES;
    static final int INNER_ENTRY = ChunkRef.BYTES + 8;
    static final int PARTS_ENTRY = 16 + ChunkRef.BYTES;
    static final byte PART_EMPTY = 0;
    static final byte PART = 1;
    static final byte PART_GROUP = 2;
    /** Pages longer than this are refused as corrupt before a buffer is allocated for them. */
    static final int MAX_PAGE_BYTES = 16 * 1024 * 1024;

    /** What an entry names, as a reader descending the tree sees it. */
    enum Child { CHUNK, PAGE, EMPTY }

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final ChunkRef EMPTY_REF = new ChunkRef(new ChunkHash(0, 0, 0, 0), PackId.ZERO, 0, 0);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    final byte[] bytes;
    final byte kind;
    final int count;
    final long size;
    private final int stride;
    private final int refAt;
    private final long[] ends;
    private final PackId[] packs;
    private final int[] partEnds;

    private ManifestPage(byte[] bytes, byte kind, int count, long size) {
        this.bytes = bytes;
        this.kind = kind;
        this.count = count;
        this.size = size;
        this.stride = kind == LEAF ? LEAF_ENTRY : kind == INNER ? INNER_ENTRY : PARTS_ENTRY;
        this.refAt = kind == PARTS ? 16 : 0;
        this.ends = new long[count];
        this.packs = new PackId[count];
        this.partEnds = kind == PARTS ? new int[count] : null;
    }

    // ---- reading -------------------------------------------------------------------------------

    /** Parses and checks a page whose hash has already been verified. */
    static ManifestPage parse(byte[] b) throws CorruptChunkException {
        if (b.length < HEADER_BYTES) {
            throw new CorruptChunkException("manifest page of " + b.length + " bytes has no header");
        }
        byte kind = b[0];
        int count = (int) INT.get(b, 4);
        long size = (long) LONG.get(b, 8);
        if (kind < LEAF || kind > PARTS || b[1] != VERSION || b[2] != 0 || b[3] != 0 || count < 0 || size < 0) {
            throw new CorruptChunkException("manifest page header is malformed: kind " + kind + " version " + b[1]);
        }
        int stride = kind == LEAF ? LEAF_ENTRY : kind == INNER ? INNER_ENTRY : PARTS_ENTRY;
        if ((long) count * stride + HEADER_BYTES != b.length) { // before sizing arrays by count
            throw new CorruptChunkException("manifest page of " + count + " entries has " + b.length + " bytes");
        }
        ManifestPage p = new ManifestPage(b, kind, count, size);
        p.index();
        return p;
    }

    private void index() throws CorruptChunkException {
        long end = 0;
        long parts = 0;
        PackId last = null;
        for (int i = 0; i < count; i++) {
            long entrySize = readEntrySize(i);
            checkEntry(i, entrySize);
            end += entrySize;
            if (end < 0) {
                throw new CorruptChunkException("manifest page sizes overflow");
            }
            ends[i] = end;
            int p = at(i) + refAt + ChunkHash.BYTES;
            PackId pack = new PackId((long) LONG.get(bytes, p), (long) LONG.get(bytes, p + 8));
            packs[i] = pack.equals(last) ? last : pack; // refs of one page mostly share a pack
            last = packs[i];
            if (partEnds != null) {
                parts += partCountAt(i);
                if (parts > Integer.MAX_VALUE) {
                    throw new CorruptChunkException("parts page counts overflow");
                }
                partEnds[i] = (int) parts;
            }
        }
        if (end != size) {
            throw new CorruptChunkException("manifest page entries add up to " + end + ", header says " + size);
        }
    }

    private long readEntrySize(int i) {
        int a = at(i);
        return switch (kind) {
            case LEAF -> Integer.toUnsignedLong((int) INT.get(bytes, a + 56));
            case INNER -> (long) LONG.get(bytes, a + ChunkRef.BYTES);
            default -> (long) LONG.get(bytes, a + 8);
        };
    }

    private void checkEntry(int i, long entrySize) throws CorruptChunkException {
        int a = at(i);
        boolean ok = entrySize >= 0 && (long) LONG.get(bytes, a + refAt + 48) >= 0
                && (int) INT.get(bytes, a + refAt + 56) >= 0;
        if (kind == LEAF) {
            ok &= entrySize <= ManifestRoot.MAX_CHUNK_SIZE;
        } else if (kind == INNER) {
            ok &= refLength(i) <= MAX_PAGE_BYTES && !refInZeroPack(i);
        } else {
            byte pk = bytes[a];
            int depth = bytes[a + 1] & 0xFF;
            ok &= bytes[a + 2] == 0 && bytes[a + 3] == 0 && partCountAt(i) >= 1;
            ok &= switch (pk) {
                case PART_EMPTY -> entrySize == 0 && partCountAt(i) == 1;
                case PART -> partCountAt(i) == 1 && (depth > 0
                        ? refLength(i) <= MAX_PAGE_BYTES && !refInZeroPack(i)
                        : entrySize == refLength(i) && entrySize <= ManifestRoot.MAX_CHUNK_SIZE);
                case PART_GROUP -> depth > 0 && refLength(i) <= MAX_PAGE_BYTES && !refInZeroPack(i);
                default -> false;
            };
        }
        if (!ok) {
            throw new CorruptChunkException("manifest page entry " + i + " is malformed");
        }
    }

    private boolean refInZeroPack(int i) {
        int a = at(i) + refAt + 32;
        return (long) LONG.get(bytes, a) == 0 && (long) LONG.get(bytes, a + 8) == 0;
    }

    /** The entry holding byte {@code rel} of this page (ignoring empty entries), or -1 past the end. */
    int find(long rel) {
        if (rel < 0 || rel >= size) {
            return -1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > rel) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    Child child(int i) {
        if (kind == LEAF) {
            return Child.CHUNK;
        }
        if (kind == INNER) {
            return Child.PAGE;
        }
        byte pk = bytes[at(i)];
        return pk == PART_EMPTY ? Child.EMPTY : pk == PART_GROUP || depthAt(i) > 0 ? Child.PAGE : Child.CHUNK;
    }

    long start(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    long end(int i) {
        return ends[i];
    }

    PackId pack(int i) {
        return packs[i];
    }

    long packOffset(int i) {
        return (long) LONG.get(bytes, at(i) + refAt + 48);
    }

    int refLength(int i) {
        return (int) INT.get(bytes, at(i) + refAt + 56);
    }

    boolean isZero(int i) {
        return packs[i].isZero();
    }

    /** True when {@code digest} (32 bytes) is the hash entry {@code i} names. */
    boolean hashMatches(int i, byte[] digest) {
        int a = at(i) + refAt;
        return Arrays.equals(bytes, a, a + ChunkHash.BYTES, digest, 0, ChunkHash.BYTES);
    }

    ChunkHash hash(int i) {
        return ChunkHash.read(ByteBuffer.wrap(bytes, at(i) + refAt, ChunkHash.BYTES));
    }

    ChunkRef ref(int i) {
        return new ChunkRef(hash(i), packs[i], packOffset(i), refLength(i));
    }

    /** Parts pages: height of what entry {@code i} names, 0 for a single-chunk part. */
    int depthAt(int i) {
        return kind == PARTS ? bytes[at(i) + 1] & 0xFF : kind == LEAF ? 0 : -1;
    }

    boolean isGroup(int i) {
        return kind == PARTS && bytes[at(i)] == PART_GROUP;
    }

    int partCountAt(int i) {
        return (int) INT.get(bytes, at(i) + 4);
    }

    /** Parts pages: parts in this page and below. */
    int partCount() {
        return count == 0 ? 0 : partEnds[count - 1];
    }

    /** Parts pages: the entry holding part {@code n} (1-based within this page). */
    int entryOfPart(int n) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (partEnds[mid] >= n) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    int partsBefore(int i) {
        return i == 0 ? 0 : partEnds[i - 1];
    }

    /** Approximate heap bytes, for the cache's bound. */
    long weight() {
        return 96L + bytes.length + 12L * count + (partEnds == null ? 0 : 4L * count);
    }

    private int at(int i) {
        return HEADER_BYTES + i * stride;
    }

    // ---- writing -------------------------------------------------------------------------------

    /** The bytes of a page of {@code kind} holding {@code entries}. */
    static byte[] encode(byte kind, List<PageEntry> entries) {
        int stride = kind == LEAF ? LEAF_ENTRY : kind == INNER ? INNER_ENTRY : PARTS_ENTRY;
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + entries.size() * stride);
        long size = 0;
        for (PageEntry e : entries) {
            size += e.size();
        }
        b.put(kind).put(VERSION).putShort((short) 0).putInt(entries.size()).putLong(size);
        for (PageEntry e : entries) {
            switch (kind) {
                case LEAF -> e.ref().write(b);
                case INNER -> {
                    e.ref().write(b);
                    b.putLong(e.size());
                }
                default -> {
                    b.put(e.partKind()).put((byte) e.depth()).putShort((short) 0);
                    b.putInt(e.partCount()).putLong(e.size());
                    (e.ref() == null ? EMPTY_REF : e.ref()).write(b);
                }
            }
        }
        return b.array();
    }

    /** A one-entry leaf page held only in memory, so a single-chunk object reads like any other. */
    static ManifestPage single(ChunkRef chunk) throws CorruptChunkException {
        return parse(encode(LEAF, List.of(PageEntry.chunk(chunk))));
    }
}
