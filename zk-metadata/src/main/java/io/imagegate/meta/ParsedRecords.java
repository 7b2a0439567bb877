package io.imagegate.meta;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Parsed forms of the records read on every request (a key's state, a user), by their exact
 * bytes: the same bytes always parse to the same immutable record, so a GET of an unchanged key
 * skips the JSON parse. Bounded: the map is emptied when it grows past its limit.
 */
final class ParsedRecords<T> {

    private static final int LIMIT = 8192;

    private final Function<byte[], T> parser;
    private final ConcurrentHashMap<ByteBuffer, T> parsed = new ConcurrentHashMap<>();

    /** @param parser the stored form's decoder ({@link Stored}) */
    ParsedRecords(Function<byte[], T> parser) {
        this.parser = parser;
    }

    T read(byte[] data) {
        ByteBuffer key = ByteBuffer.wrap(data);
        T record = parsed.get(key);
        if (record == null) {
            record = parser.apply(data);
            if (parsed.size() >= LIMIT) {
                parsed.clear();
            }
            // the buffer wraps the caller's array: ZooKeeper hands out a fresh array per read and
            // nobody writes to it afterwards, so the key stays equal to what it was parsed from
            parsed.put(key, record);
        }
        return record;
    }
}
