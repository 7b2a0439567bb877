package io.imagegate.bench.deploy;

import java.util.Locale;

/** A link speed as written on the command line: {@code 1gbit}, {@code 100mbit}, {@code 10g} (bits per second, decimal), {@code 0} unlimited. */
record Bandwidth(long bitsPerSecond) {

    static Bandwidth parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace("/s", "").replace("bps", "").replace("bit", "");
        long unit = 1;
        if (s.endsWith("k")) {
            unit = 1_000L;
        } else if (s.endsWith("m")) {
            unit = 1_000_000L;
        } else if (s.endsWith("g")) {
            unit = 1_000_000_000L;
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return new Bandwidth(Math.round(Double.parseDouble(digits) * unit));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a bandwidth: " + text + " (try 1gbit, 100mbit, 0 for unlimited)");
        }
    }

    @Override
    public String toString() {
        if (bitsPerSecond == 0) {
            return "unlimited";
        }
        if (bitsPerSecond % 1_000_000_000L == 0) {
            return bitsPerSecond / 1_000_000_000L + " Gbit/s";
        }
        if (bitsPerSecond % 1_000_000L == 0) {
            return bitsPerSecond / 1_000_000L + " Mbit/s";
        }
        return bitsPerSecond + " bit/s";
    }
}
