package io.imagegate.chunk;

import java.io.IOException;

/**
 * Stored bytes that do not match the SHA-256 their reference names, or a manifest page that does
 * not parse. Thrown before any of the bad bytes reach a caller.
 */
public class CorruptChunkException extends IOException {

    private final transient PackId pack;
    private final long offset;

    public CorruptChunkException(String message, PackId pack, long offset) {
        super(message + " (pack " + pack + " offset " + offset + ")");
        this.pack = pack;
        this.offset = offset;
    }

    public CorruptChunkException(String message) {
        super(message);
        this.pack = null;
        this.offset = -1;
    }

    /** The pack holding the bad bytes, or null when unknown. */
    public PackId pack() {
        return pack;
    }

    /** The bad bytes' offset in {@link #pack()}, or -1 when unknown. */
    public long offset() {
        return offset;
    }
}
