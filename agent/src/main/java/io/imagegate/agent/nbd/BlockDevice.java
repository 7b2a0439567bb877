package io.imagegate.agent.nbd;

import java.nio.ByteBuffer;

/**
 * What an NBD export serves: a fixed-size byte array that can be read, written, zeroed and made
 * durable. Offsets and lengths are checked against {@link #size()} by the server before a call.
 * Implementations are called from many threads at once.
 */
public interface BlockDevice {

    long size();

    boolean readOnly();

    /** Fills {@code dst} (position to limit) with the bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws NbdException;

    /**
     * As {@link #read}, when that needs no waiting on anything remote (all it covers is local):
     * then fills {@code dst} and returns true; else returns false, with the bytes of {@code dst}
     * unspecified, and the caller reads with {@link #read}. Lets the server answer such reads on
     * the connection's own thread instead of handing each to a thread of its own.
     */
    default boolean readNow(long offset, ByteBuffer dst) throws NbdException {
        return false;
    }

    /**
     * The allocation of {@code [offset, offset + length)} (within the export) from {@code offset}
     * on, as runs of {@link Extent} flags, adjacent runs of one state merged, at most
     * {@code maxExtents} of them (they may then cover less than the range). By default all data.
     */
    default java.util.List<Extent> extents(long offset, long length, int maxExtents) throws NbdException {
        return java.util.List.of(new Extent(length, Extent.DATA));
    }

    /** Writes the remaining bytes of {@code src} at {@code offset}; durable once a later {@link #flush()} returns. */
    void write(long offset, ByteBuffer src) throws NbdException;

    /** Makes the range read as zeros. */
    void writeZeroes(long offset, long length) throws NbdException;

    /** The client no longer needs the range; it may read back as anything (here: zeros). */
    void trim(long offset, long length) throws NbdException;

    /** Makes every write completed before this call durable. */
    void flush() throws NbdException;

    /** A hint that the range will be read soon: fetch it into the local cache. */
    void prefetch(long offset, long length) throws NbdException;
}
