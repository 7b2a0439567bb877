package io.imagegate.meta;

import java.util.List;

/** The JSON forms of a bucket's partition map: the root lists pages, a page lists partitions. */
final class MapData {

    private MapData() {}

    /** One range: keys from {@code lo} (inclusive) up to the next bound's {@code lo} live in {@code id}. */
    record Bound(String lo, String id) {}

    /** A partition split in progress: keys at or above {@code at} move from partition {@code from} to {@code to}. */
    record Move(String from, String to, String at, long since) {}

    /** Data of {@code map}: the pages, ascending by lower bound; the first bound is "". */
    record Root(int format, List<Bound> pages) {
        Root {
            pages = List.copyOf(pages);
        }
    }

    /** Data of {@code map/<page>}: its partitions, ascending, and at most one split in progress. */
    record Page(List<Bound> partitions, Move move) {
        Page {
            partitions = List.copyOf(partitions);
        }
    }
}
