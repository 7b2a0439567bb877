package io.imagegate.agent.remote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads one page of {@code ?manifest&format=binary} (docs/API.md) into a {@link Manifest.Builder}:
 * a 32-byte header, the version id and ETag, then 36-byte records (u32 length with the zero flag in
 * its top bit, 32-byte SHA-256), straight into the builder's arrays: nothing is allocated per chunk.
 * The bytes come from the network, so every field is checked before it is used, and a page that
 * does not continue the pages before it exactly is refused.
 */
final class BinaryManifestPage {

    static final String CONTENT_TYPE = "application/vnd.imagegate.manifest";
    static final int MAGIC = 0x49474D46; // "IGMF"
    static final int HEADER = 32;
    static final int RECORD = 36;
    private static final int ZERO_FLAG = 0x8000_0000;

    private BinaryManifestPage() {}

    /**
     * Adds the page's chunks to {@code b} (whose header it sets from the first page, and checks
     * against it on later pages); returns the offset of the next page, or -1 after the last one.
     */
    static long add(Manifest.Builder b, byte[] page) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(page);
        if (page.length < HEADER + 4) {
            throw new IOException("a binary manifest page of " + page.length + " bytes is shorter than its header");
        }
        if (in.getInt() != MAGIC) {
            throw new IOException("not a binary manifest page");
        }
        int format = in.get();
        int flags = in.get();
        int reserved = in.getShort();
        if (format != 1 || (flags & ~1) != 0 || reserved != 0) {
            throw new IOException("binary manifest format " + format + " with flags " + flags + " is not known");
        }
        boolean truncated = (flags & 1) != 0;
        int chunkSize = in.getInt();
        int count = in.getInt();
        long size = in.getLong();
        long first = in.getLong();
        String versionId = string(in);
        String etag = string(in);
        if (chunkSize <= 0 || size < 0 || count < 0 || (long) count * RECORD != in.remaining()) {
            throw new IOException("binary manifest page: chunk size " + chunkSize + ", size " + size + ", " + count
                    + " records in " + in.remaining() + " bytes");
        }
        if (truncated && count == 0) {
            throw new IOException("binary manifest page: truncated without a chunk");
        }
        if (b.started()) {
            if (!b.sameHeader(versionId, etag, size, chunkSize)) {
                throw new IOException("binary manifest page of another version than the pages before it");
            }
        } else {
            b.header(versionId, etag, size, chunkSize);
        }
        if (count > 0 && first != b.nextOffset()) {
            throw new IOException("binary manifest page starts at " + first + ", not at " + b.nextOffset());
        }
        b.reserve(count);
        for (int i = 0; i < count; i++) {
            int word = in.getInt();
            int length = word & ~ZERO_FLAG;
            long offset = b.nextOffset();
            if (length == 0 || offset + length > size) {
                throw new IOException("binary manifest record " + i + ": length " + length + " at offset " + offset
                        + " of " + size + " bytes");
            }
            b.add(offset, length, page, in.position(), (word & ZERO_FLAG) != 0);
            in.position(in.position() + 32);
        }
        return truncated ? b.nextOffset() : -1;
    }

    /** A u16-length-prefixed UTF-8 string; null for an empty one. */
    private static String string(ByteBuffer in) throws IOException {
        if (in.remaining() < 2) {
            throw new IOException("binary manifest page ends inside its header");
        }
        int n = Short.toUnsignedInt(in.getShort());
        if (n > in.remaining()) {
            throw new IOException("binary manifest page ends inside its header");
        }
        ByteBuffer s = in.slice(in.position(), n);
        in.position(in.position() + n);
        try {
            return n == 0 ? null : StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(s).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("binary manifest page: a string that is not UTF-8", e);
        }
    }
}
