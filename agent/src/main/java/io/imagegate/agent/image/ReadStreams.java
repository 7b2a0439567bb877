package io.imagegate.agent.image;

/**
 * The sequential streams of reads of one image: a guest reading a file, or each connection of a
 * multi-connection client (nbdcopy reads four regions at once) is one.
 *
 * <p>A read <em>continues</em> a stream only when it goes forward from it: it starts where the
 * stream's last read ended, or at most a small gap past it ({@link #GAP} or the read's own length,
 * whichever is more, so that a client's reads served one out of order still count). A stream
 * fetches nothing ahead until it has been continued twice in a row; from then on each continuation
 * doubles its window (from 64 KiB up to the read-ahead limit), but never past the bytes the stream
 * has read in sequence so far (beyond the first 64 KiB), and the chunks up to the window past the
 * read are fetched ahead, in runs as large as a run may be. The bound keeps a boot's small files,
 * each read front to back in a few small reads, from pulling in windows far past their end (a
 * 192 KiB file read in 16 KiB reads opened windows of up to 4 MiB; now of at most what it read). A
 * long scan is hardly held back: once it has read 4 MiB in sequence its window may be the limit.
 *
 * <p>A read that lands a little behind where a stream expects the next one (within
 * {@link #BEHIND}: a client's reads served out of order, or a re-read) neither continues it nor
 * replaces it; any other read starts a new stream in place of the one unused longest. So a boot,
 * whose reads cluster (inode tables, directories, libraries near each other) but jump back and
 * forth, reads ahead only where it really reads a file front to back, while a sequential scan
 * reaches the full window within a few reads.
 */
final class ReadStreams {

    static final int STREAMS = 8;
    /** The window a stream opens with, once continued twice. */
    static final long INITIAL_WINDOW = 64 * 1024;
    /** How far past a stream's expected next read a read may start and still continue it (at least). */
    static final long GAP = 4 * 1024;
    /** How far behind a stream's expected next read a read leaves the stream alone. */
    static final long BEHIND = 512 * 1024;
    /** Continuations in a row before a stream reads ahead. */
    static final int CONTINUATIONS = 2;

    /** One stream: where its next read is expected, how far ahead it fetches, and the last chunk claimed ahead. */
    private static final class Stream {
        long next = -1;
        int continued;
        long window;
        int until = -1;
        long used;
        /** Bytes read in sequence since the stream started: the window never exceeds it (past the first). */
        long run;
    }

    private final long maxWindow;
    private final Stream[] streams = new Stream[STREAMS];
    private long clock;

    ReadStreams(long maxWindow) {
        this.maxWindow = maxWindow;
        for (int i = 0; i < STREAMS; i++) {
            streams[i] = new Stream();
        }
    }

    /**
     * Records a read of {@code len} bytes at {@code offset} whose last chunk is {@code last}, and
     * returns the chunks to fetch ahead of it, {@code [from, to]}, or null: not sequential (yet), or
     * the stream's window is already claimed.
     */
    synchronized int[] record(ImageVersion v, long offset, int len, int last) {
        long end = offset + len;
        long gap = Math.max(GAP, len);
        Stream s = null;
        Stream behind = null;
        Stream oldest = streams[0];
        for (Stream x : streams) {
            if (x.next >= 0 && offset >= x.next && offset - x.next <= gap) {
                s = x;
                break;
            }
            if (behind == null && x.next >= 0 && offset < x.next && x.next - offset <= BEHIND) {
                behind = x;
            }
            if (x.used < oldest.used) {
                oldest = x;
            }
        }
        clock++;
        if (s == null) {
            if (behind != null) {
                behind.used = clock;
                behind.next = Math.max(behind.next, end);
                return null;
            }
            oldest.next = end;
            oldest.run = len;
            oldest.continued = 0;
            oldest.window = 0;
            oldest.until = -1;
            oldest.used = clock;
            return null;
        }
        s.used = clock;
        s.next = end;
        s.run += len;
        if (++s.continued < CONTINUATIONS || maxWindow <= 0) {
            return null;
        }
        s.window = Math.min(Math.min(maxWindow, s.window == 0 ? INITIAL_WINDOW : s.window * 2),
                Math.max(INITIAL_WINDOW, s.run));
        long aheadEnd = Math.min(v.size(), s.next + s.window);
        int from = Math.max(last + 1, s.until + 1);
        int to = aheadEnd <= 0 ? -1 : v.indexOf(aheadEnd - 1);
        if (from > to) {
            return null;
        }
        s.until = to;
        return new int[] {from, to};
    }
}
