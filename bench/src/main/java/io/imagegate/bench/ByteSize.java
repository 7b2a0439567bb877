package io.imagegate.bench;

import java.util.Locale;

/** A byte count as written on the command line: {@code 1g}, {@code 64k}, {@code 512m} or plain bytes (binary units). */
public record ByteSize(long bytes) {

    public static final long KIB = 1024;
    public static final long MIB = KIB * 1024;
    public static final long GIB = MIB * 1024;

    public ByteSize {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a size must be positive: " + bytes);
        }
    }

    public static ByteSize parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.length() > 1 && s.endsWith("b") && "kmgt".indexOf(s.charAt(s.length() - 2)) >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> KIB;
            case 'm' -> MIB;
            case 'g' -> GIB;
            case 't' -> GIB * 1024;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return new ByteSize(Math.multiplyExact(Long.parseLong(digits.trim()), unit));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + text + " (try 1g, 64k, 512m)");
        }
    }

    /** The size the way a person reads it: 1 GiB, 64 KiB, 1536 B. */
    @Override
    public String toString() {
        if (bytes % GIB == 0) {
            return bytes / GIB + " GiB";
        }
        if (bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes % KIB == 0) {
            return bytes / KIB + " KiB";
        }
        return bytes + " B";
    }

    /** The short form the command line takes back: 1g, 64k. */
    public String flag() {
        return toString().replace(" GiB", "g").replace(" MiB", "m").replace(" KiB", "k").replace(" B", "");
    }
}
