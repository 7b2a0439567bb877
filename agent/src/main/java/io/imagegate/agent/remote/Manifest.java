package io.imagegate.agent.remote;

import io.imagegate.chunk.ChunkHash;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A version's chunk list as imagegate's {@code ?manifest} extension returns it: contiguous chunks in
 * order, each with its length and SHA-256, zero runs marked. Held compactly (about 45 bytes a chunk:
 * a 2 GiB image at 64 KiB chunks is 1.5 MB).
 */
public final class Manifest {

    private final String versionId;
    private final String etag;
    private final long size;
    private final int chunkSize;
    private final long[] offsets;
    private final int[] lengths;
    private final byte[] hashes;
    private final BitSet zero;

    Manifest(String versionId, String etag, long size, int chunkSize, long[] offsets, int[] lengths, byte[] hashes,
             BitSet zero) {
        this.versionId = versionId;
        this.etag = etag;
        this.size = size;
        this.chunkSize = chunkSize;
        this.offsets = offsets;
        this.lengths = lengths;
        this.hashes = hashes;
        this.zero = zero;
    }

    public String versionId() {
        return versionId;
    }

    public String etag() {
        return etag;
    }

    public long size() {
        return size;
    }

    /** The bucket's nominal chunk size: the grid commits are cut on. */
    public int chunkSize() {
        return chunkSize;
    }

    public int count() {
        return offsets.length;
    }

    public long offset(int i) {
        return offsets[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public boolean zero(int i) {
        return zero.get(i);
    }

    public ChunkHash hash(int i) {
        int at = 32 * i;
        return new ChunkHash((long) LONGS.get(hashes, at), (long) LONGS.get(hashes, at + 8),
                (long) LONGS.get(hashes, at + 16), (long) LONGS.get(hashes, at + 24));
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /** The chunk holding byte {@code pos} (0 <= pos < size). */
    public int indexOf(long pos) {
        int i = Arrays.binarySearch(offsets, pos);
        return i >= 0 ? i : -i - 2;
    }

    private static final long FILE_MAGIC = 0x49474d414e494631L; // "IGMANIF1"

    /**
     * Keeps the manifest beside an attachment, so that a restarted agent serves without asking the
     * store: magic "IGMANIF1", UTF version id and ETag (empty for none), u64 size, u32 chunk size,
     * u32 count, then per chunk u32 length, u8 zero flag, 32-byte SHA-256. Replaced atomically.
     */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeLong(FILE_MAGIC);
            out.writeUTF(versionId == null ? "" : versionId);
            out.writeUTF(etag == null ? "" : etag);
            out.writeLong(size);
            out.writeInt(chunkSize);
            out.writeInt(count());
            for (int i = 0; i < count(); i++) {
                out.writeInt(lengths[i]);
                out.writeByte(zero.get(i) ? 1 : 0);
                out.write(hashes, 32 * i, 32);
            }
        }
        try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            f.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static Manifest read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readLong() != FILE_MAGIC) {
                throw new IOException(file + " is not a saved manifest");
            }
            String v = in.readUTF();
            String e = in.readUTF();
            Builder b = new Builder();
            b.header(v.isEmpty() ? null : v, e.isEmpty() ? null : e, in.readLong(), in.readInt());
            int n = in.readInt();
            byte[] hash = new byte[32];
            for (int i = 0; i < n; i++) {
                int length = in.readInt();
                boolean isZero = in.readByte() != 0;
                in.readFully(hash);
                b.add(b.nextOffset(), length, hash, isZero);
            }
            try {
                return b.build();
            } catch (IllegalArgumentException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** Collects pages of the extension's answer into one manifest. */
    static final class Builder {
        /** The most chunks one manifest may hold: its hashes fit one array (4 TiB at 64 KiB chunks). */
        static final int MAX_CHUNKS = Integer.MAX_VALUE / 32 - 16;
        private String versionId;
        private String etag;
        private long size = -1;
        private int chunkSize;
        private long[] offsets = new long[1024];
        private int[] lengths = new int[1024];
        private byte[] hashes = new byte[32 * 1024];
        private final BitSet zero = new BitSet();
        private int n;
        private boolean started;

        void header(String versionId, String etag, long size, int chunkSize) {
            this.versionId = versionId;
            this.etag = etag;
            this.size = size;
            this.chunkSize = chunkSize;
            this.started = true;
        }

        /** Whether a page's header has been taken already. */
        boolean started() {
            return started;
        }

        boolean sameHeader(String versionId, String etag, long size, int chunkSize) {
            return java.util.Objects.equals(this.versionId, versionId) && java.util.Objects.equals(this.etag, etag)
                    && this.size == size && this.chunkSize == chunkSize;
        }

        /** Makes room for {@code more} chunks at once (a page whose count is known). */
        void reserve(int more) {
            long want = (long) n + more;
            if (want > MAX_CHUNKS) {
                throw new IllegalArgumentException("a manifest of more than " + MAX_CHUNKS + " chunks");
            }
            if (want > offsets.length) {
                int cap = (int) Math.min(MAX_CHUNKS, Math.max(want, 2L * offsets.length));
                offsets = Arrays.copyOf(offsets, cap);
                lengths = Arrays.copyOf(lengths, cap);
                hashes = Arrays.copyOf(hashes, 32 * cap);
            }
        }

        long nextOffset() {
            return n == 0 ? 0 : offsets[n - 1] + lengths[n - 1];
        }

        void add(long offset, int length, byte[] hash, boolean isZero) {
            add(offset, length, hash, 0, isZero);
        }

        /** Adds a chunk whose SHA-256 is {@code hash[at, at + 32)}. */
        void add(long offset, int length, byte[] hash, int at, boolean isZero) {
            if (offset != nextOffset() || length <= 0) {
                throw new IllegalArgumentException("manifest chunks are not contiguous at offset " + offset);
            }
            if (n == offsets.length) {
                reserve(1);
            }
            offsets[n] = offset;
            lengths[n] = length;
            System.arraycopy(hash, at, hashes, 32 * n, 32);
            zero.set(n, isZero);
            n++;
        }

        Manifest build() {
            if (nextOffset() != size) {
                throw new IllegalArgumentException("manifest chunks cover " + nextOffset() + " of " + size + " bytes");
            }
            if (chunkSize <= 0) {
                throw new IllegalArgumentException("manifest without a chunk size");
            }
            return new Manifest(versionId, etag, size, chunkSize, Arrays.copyOf(offsets, n), Arrays.copyOf(lengths, n),
                    Arrays.copyOf(hashes, 32 * n), zero);
        }
    }
}
