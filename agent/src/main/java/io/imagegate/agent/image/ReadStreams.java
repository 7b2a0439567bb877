package io.imagegate.agent.image;

/**
 * The sequential streams of reads of one image: a guest reading a file, or each connection of a
 * multi-connection client (nbdcopy reads four regions at once) is one. A read that continues a
 * stream doubles its window (from 256 KiB up to the read-ahead limit), and the chunks up to the
 * window past the read are fetched ahead, in runs as large as a run may be; a read that continues
 * none starts a new stream in place of the one unused longest.
 */
final class ReadStreams {

    private static final int STREAMS = 8;
    private static final long INITIAL_WINDOW = 256 * 1024;

    /** One stream: where its next read is expected, how far ahead it fetches, and the last chunk claimed ahead. */
    private static final class Stream {
        long next = -1;
        long window;
        int until = -1;
        long used;
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
     * returns the chunks to fetch ahead of it, {@code [from, to]}, or null: not sequential, or the
     * stream's window is already claimed.
     */
    synchronized int[] record(ImageVersion v, long offset, int len, int last) {
        long end = offset + len;
        long slack = Math.max(len, 128 * 1024) * 4L;
        Stream s = null;
        Stream oldest = streams[0];
        for (Stream x : streams) {
            if (x.next >= 0 && Math.abs(offset - x.next) <= slack) {
                s = x;
                break;
            }
            if (x.used < oldest.used) {
                oldest = x;
            }
        }
        if (s == null) {
            oldest.next = end;
            oldest.window = 0;
            oldest.until = -1;
            oldest.used = ++clock;
            return null;
        }
        s.used = ++clock;
        s.next = Math.max(s.next, end);
        s.window = Math.min(maxWindow, s.window == 0 ? INITIAL_WINDOW : s.window * 2);
        if (s.window <= 0) {
            return null;
        }
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
