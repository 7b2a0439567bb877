package io.imagegate.s3compat.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recorded history: every operation of a run, in order of invocation, and which of the
 * buckets it used have versioning enabled (the others are unversioned).
 */
public record History(Set<String> versionedBuckets, List<Op> ops, Map<String, String> notes) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public History {
        versionedBuckets = Set.copyOf(versionedBuckets);
        ops = ops.stream().sorted(Comparator.comparingLong(Op::invoked).thenComparingInt(Op::id)).toList();
        notes = Map.copyOf(notes);
    }

    public History(Set<String> versionedBuckets, List<Op> ops) {
        this(versionedBuckets, ops, Map.of());
    }

    public boolean versioned(String bucket) {
        return versionedBuckets.contains(bucket);
    }

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    public static History read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), History.class);
    }
}
