package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The stored JSON forms of a bucket's partition map: the root lists pages, a page lists partitions
 * (docs/FORMAT-zookeeper.md, "Partition map"). Field names are explicit, as in every {@link Stored} form.
 */
final class MapData {

    private MapData() {}

    /** One range: keys from {@code lo} (inclusive) up to the next bound's {@code lo} live in {@code id}. */
    @JsonPropertyOrder({"lo", "id"})
    record Bound(@JsonProperty("lo") String lo, @JsonProperty("id") String id) {}

    /** A partition split in progress: keys at or above {@code at} move from partition {@code from} to {@code to}. */
    @JsonPropertyOrder({"from", "to", "at", "since"})
    record Move(@JsonProperty("from") String from, @JsonProperty("to") String to, @JsonProperty("at") String at,
            @JsonProperty("since") long since) {}

    /** Data of {@code map}: the pages, ascending by lower bound; the first bound is "". */
    @JsonPropertyOrder({"format", "pages"})
    record Root(@JsonProperty("format") int format, @JsonProperty("pages") List<Bound> pages) implements Stored.Doc {
        Root {
            pages = List.copyOf(pages);
        }
    }

    /** Data of {@code map/<page>}: its partitions, ascending, and at most one split in progress. */
    @JsonPropertyOrder({"partitions", "move"})
    record Page(@JsonProperty("partitions") List<Bound> partitions, @JsonProperty("move") Move move)
            implements Stored.Doc {
        Page {
            partitions = List.copyOf(partitions);
        }
    }
}
