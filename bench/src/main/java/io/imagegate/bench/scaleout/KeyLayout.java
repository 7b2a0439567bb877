package io.imagegate.bench.scaleout;

import java.util.List;
import java.util.function.IntFunction;

/**
 * The keys of the big bucket: {@code dirs} "directories" of equally many keys,
 * {@code img-00421/blk-00037}, zero-padded so that key order is index order. The listings checked
 * against it: everything, a prefix, the directories by delimiter, and both together.
 */
record KeyLayout(int keys, int dirs) {

    KeyLayout {
        if (keys <= 0 || dirs <= 0 || keys % dirs != 0) {
            throw new IllegalArgumentException("--keys must be a positive multiple of --dirs");
        }
    }

    int perDir() {
        return keys / dirs;
    }

    private int dirWidth() {
        return Math.max(2, String.valueOf(dirs - 1).length());
    }

    private int keyWidth() {
        return Math.max(2, String.valueOf(perDir() - 1).length());
    }

    String dir(int d) {
        return "img-" + pad(d, dirWidth()) + "/";
    }

    String key(int i) {
        return dir(i / perDir()) + "blk-" + pad(i % perDir(), keyWidth());
    }

    private static String pad(int v, int width) {
        String s = Integer.toString(v);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    /** A listing and what it must return, in order: keys and common prefixes as one sorted sequence. */
    record ListCase(String name, String prefix, String delimiter, int expected, IntFunction<String> at) {
        String describe() {
            return (prefix == null ? "" : "prefix " + prefix + " ") + (delimiter == null ? "" : "delimiter '" + delimiter + "' ")
                    + "→ " + expected + (delimiter == null ? " keys" : " entries");
        }
    }

    /**
     * The listings: everything; a prefix covering about 1% of the directories (a hundred when
     * there are enough); all directories by delimiter; the directories under that prefix; the
     * keys of one directory by delimiter.
     */
    List<ListCase> cases() {
        int w = dirWidth();
        int drop = dirs >= 100 ? 2 : 1;
        int mid = dirs / 2;
        String dirDigits = pad(mid, w);
        String prefix = "img-" + dirDigits.substring(0, w - drop);
        int span = (int) Math.pow(10, drop);
        int firstDir = Integer.parseInt(dirDigits.substring(0, w - drop)) * span;
        int lastDir = Math.min(dirs, firstDir + span); // exclusive
        int inPrefix = lastDir - firstDir;
        String oneDir = dir(mid);
        int k = perDir();
        return List.of(
                new ListCase("all", null, null, keys, this::key),
                new ListCase("prefix", prefix, null, inPrefix * k, i -> key(firstDir * k + i)),
                new ListCase("delimiter", null, "/", dirs, this::dir),
                new ListCase("prefix+delimiter", prefix, "/", inPrefix, i -> dir(firstDir + i)),
                new ListCase("dir+delimiter", oneDir, "/", k, i -> key(mid * k + i)));
    }
}
