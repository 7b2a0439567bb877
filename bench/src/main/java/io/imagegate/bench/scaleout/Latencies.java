package io.imagegate.bench.scaleout;

import java.util.Arrays;

/** Percentiles of request latencies, in milliseconds. */
record Latencies(int count, double p50, double p90, double p99, double max, double mean) {

    static final Latencies NONE = new Latencies(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Latencies of(long[] nanos, int n) {
        if (n == 0) {
            return NONE;
        }
        long[] v = Arrays.copyOf(nanos, n);
        Arrays.sort(v);
        double sum = 0;
        for (long x : v) {
            sum += x;
        }
        return new Latencies(n, ms(pct(v, 0.50)), ms(pct(v, 0.90)), ms(pct(v, 0.99)), ms(v[n - 1]), sum / n / 1e6);
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** A growable array of latencies, one per thread. */
    static final class Recorder {
        private long[] values = new long[1024];
        private int size;

        void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        int size() {
            return size;
        }

        static Latencies merge(Iterable<Recorder> recorders) {
            int n = 0;
            for (Recorder r : recorders) {
                n += r.size;
            }
            long[] all = new long[n];
            int at = 0;
            for (Recorder r : recorders) {
                System.arraycopy(r.values, 0, all, at, r.size);
                at += r.size;
            }
            return of(all, n);
        }
    }
}
