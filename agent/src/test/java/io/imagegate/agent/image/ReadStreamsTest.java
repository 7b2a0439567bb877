package io.imagegate.agent.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.remote.ObjectRef;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The read-ahead detector alone, fed traces of reads: what it fetches ahead of each. */
class ReadStreamsTest {

    private static final int CHUNK = 64 * 1024;
    private static final long SIZE = 2L << 30;
    private static final long MAX_WINDOW = 4L << 20;
    private static final ImageVersion IMAGE = new ImageVersion.Plain("s", new ObjectRef("b", "disk.raw", null),
            "\"e\"", SIZE, CHUNK);

    /** What a trace made the detector fetch: chunks read, chunks fetched ahead, the widest window. */
    private record Outcome(BitSet read, BitSet ahead, long widest, int aheadCalls) {
        int overfetch() {
            BitSet extra = (BitSet) ahead.clone();
            extra.andNot(read);
            return extra.cardinality();
        }
    }

    private static Outcome replay(ReadStreams streams, List<long[]> reads) {
        BitSet read = new BitSet();
        BitSet ahead = new BitSet();
        long widest = 0;
        int calls = 0;
        for (long[] r : reads) {
            long offset = r[0];
            int len = (int) r[1];
            int first = IMAGE.indexOf(offset);
            int last = IMAGE.indexOf(offset + len - 1);
            read.set(first, last + 1);
            int[] range = streams.record(IMAGE, offset, len, last);
            if (range != null) {
                calls++;
                assertTrue(range[0] > last && range[0] <= range[1], "ahead of the read, not empty");
                ahead.set(range[0], range[1] + 1);
                widest = Math.max(widest, IMAGE.offset(range[1]) + CHUNK - (offset + len));
            }
        }
        return new Outcome(read, ahead, widest, calls);
    }

    private static List<long[]> sequential(long from, long to, int len) {
        List<long[]> out = new ArrayList<>();
        for (long o = from; o < to; o += len) {
            out.add(new long[] {o, len});
        }
        return out;
    }

    @Test
    void aSequentialScanReadsAheadAfterTwoContinuationsAndGrowsToTheLimit() {
        ReadStreams streams = new ReadStreams(MAX_WINDOW);
        List<long[]> scan = sequential(0, 64L << 20, 256 * 1024);
        assertNull(streams.record(IMAGE, 0, 256 * 1024, 3), "a first read is no stream yet");
        assertNull(streams.record(IMAGE, 256 * 1024, 256 * 1024, 7), "one continuation opens no window");
        int[] third = streams.record(IMAGE, 512 * 1024, 256 * 1024, 11);
        assertEquals(12, third[0], "the second continuation fetches ahead, from the next chunk");
        assertEquals(12, third[1], "a first window of 64 KiB: one chunk");

        Outcome o = replay(new ReadStreams(MAX_WINDOW), scan);
        assertEquals(MAX_WINDOW, o.widest(), "the window grows to the read-ahead limit");
        BitSet tail = o.ahead().get(o.read().length(), o.read().length() + 1024);
        assertEquals(MAX_WINDOW / CHUNK, tail.cardinality(), "it stands the full window past the last read");
        int from = 32; // 2 MiB in, the window is wider than a read
        assertEquals(o.read().length() - from, o.ahead().get(from, o.read().length()).cardinality(),
                "from then on, every chunk the scan reads was fetched ahead of it");
    }

    @Test
    void aScanWhoseReadsArriveOutOfOrderStillReachesTheLimit() {
        List<long[]> scan = sequential(0, 64L << 20, 256 * 1024);
        for (int i = 0; i + 1 < scan.size(); i += 2) {
            Collections.swap(scan, i, i + 1); // each pair served second first, as concurrent workers may
        }
        Outcome o = replay(new ReadStreams(MAX_WINDOW), scan);
        assertEquals(MAX_WINDOW, o.widest());
    }

    @Test
    void fourInterleavedScansEachReachTheLimit() {
        // nbdcopy's four connections, each reading its quarter in order, their reads interleaved
        long quarter = 512L << 20;
        List<long[]> reads = new ArrayList<>();
        int len = 256 * 1024;
        for (long o = 0; o < 16L << 20; o += len) {
            for (int c = 0; c < 4; c++) {
                reads.add(new long[] {c * quarter + o, len});
            }
        }
        Outcome o = replay(new ReadStreams(MAX_WINDOW), reads);
        for (int c = 0; c < 4; c++) {
            int end = IMAGE.indexOf(c * quarter + (16L << 20));
            assertEquals(MAX_WINDOW / CHUNK, o.ahead().get(end, end + 1024).cardinality(),
                    "scan " + c + " stands the full window ahead");
        }
    }

    @Test
    void aClusteredBootLikeTraceReadsAheadLittle() {
        // reads the way a boot makes them: small (4-16 KiB), in clusters of half a MiB around
        // inode tables, directories and libraries, jumping back and forth inside each cluster
        Random random = new Random(42);
        List<long[]> reads = new ArrayList<>();
        for (int cluster = 0; cluster < 150; cluster++) {
            long base = (long) random.nextInt(2000) * (1 << 20);
            for (int i = 0; i < 12; i++) {
                reads.add(new long[] {base + (long) random.nextInt(128) * 4096, 4096L * (1 + random.nextInt(4))});
            }
        }
        Outcome o = replay(new ReadStreams(MAX_WINDOW), reads);
        int chunksRead = o.read().cardinality();
        assertTrue(o.overfetch() * 20 <= chunksRead, "read ahead and never read: " + o.overfetch()
                + " chunks for " + chunksRead + " read (at most 5%)");
    }

    @Test
    void shortFilesReadFrontToBackReadAheadNoMoreThanTheyRead() {
        // a boot reads many small files whole, each in a few reads that continue one another, then
        // goes elsewhere: read ahead past a file's end is never read. 300 files of 3 to 12 reads of
        // 16 KiB (48-192 KiB), each somewhere else; the reads of each file arrive in order.
        Random random = new Random(14);
        List<long[]> reads = new ArrayList<>();
        for (int file = 0; file < 300; file++) {
            long base = (long) random.nextInt(2000) * (1 << 20) + (long) random.nextInt(16) * CHUNK;
            int n = 3 + random.nextInt(10);
            for (int i = 0; i < n; i++) {
                reads.add(new long[] {base + i * 16384L, 16384});
            }
        }
        Outcome o = replay(new ReadStreams(MAX_WINDOW), reads);
        int chunksRead = o.read().cardinality();
        // before the window was bounded by the bytes read in sequence, windows doubling to 4 MiB fetched
        // 9,009 chunks ahead and never read for these 683 read (13 for each); bounded, 560
        assertTrue(o.overfetch() <= chunksRead, "read ahead and never read: " + o.overfetch()
                + " chunks for " + chunksRead + " read (at most as many)");
    }

    @Test
    void theRecordedBootReadsAheadLittle() throws java.io.IOException {
        // the boot of bench/build-boot-image's Debian guest as the agent served it (bench/record-boot-trace),
        // reads in the order they started
        java.nio.file.Path trace = java.nio.file.Path.of("../bench/traces/debian12-boot.csv");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(trace), "no " + trace.toAbsolutePath());
        List<long[]> reads = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(trace)) {
            String[] f = line.split(",");
            if (f[0].equals("R")) {
                reads.add(new long[] {Long.parseLong(f[3]), Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        reads.sort(java.util.Comparator.comparingLong(r -> r[0]));
        Outcome o = replay(new ReadStreams(MAX_WINDOW), reads.stream().map(r -> new long[] {r[1], r[2]}).toList());
        int chunksRead = o.read().cardinality();
        assertTrue(chunksRead > 700, "chunks the boot read: " + chunksRead);
        // with windows bounded only by the limit: 177 chunks (11.1 MiB) ahead and never read, 25% of the 722
        // read; bounded by the bytes read in sequence, 41 (5.7%)
        assertTrue(o.overfetch() * 10 <= chunksRead, "read ahead and never read: " + o.overfetch()
                + " chunks for " + chunksRead + " read (at most 10%)");
    }

    @Test
    void backwardAndRandomReadsReadNothingAhead() {
        List<long[]> backward = new ArrayList<>();
        for (long o = (64L << 20) - CHUNK; o >= 0; o -= CHUNK) {
            backward.add(new long[] {o, CHUNK});
        }
        assertEquals(0, replay(new ReadStreams(MAX_WINDOW), backward).aheadCalls(), "backward scan");

        List<long[]> backwardSmall = new ArrayList<>();
        for (long o = (8L << 20) - 4096; o >= 0; o -= 4096) {
            backwardSmall.add(new long[] {o, 4096});
        }
        assertEquals(0, replay(new ReadStreams(MAX_WINDOW), backwardSmall).aheadCalls(), "backward 4 KiB steps");

        Random random = new Random(7);
        List<long[]> scattered = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            scattered.add(new long[] {(random.nextLong(SIZE - CHUNK) / 512) * 512, 512L * (1 + random.nextInt(64))});
        }
        assertEquals(0, replay(new ReadStreams(MAX_WINDOW), scattered).aheadCalls(), "random reads");
    }

    @Test
    void noWindowNoReadAhead() {
        assertEquals(0, replay(new ReadStreams(0), sequential(0, 16L << 20, 256 * 1024)).aheadCalls());
    }
}
