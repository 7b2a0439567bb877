package io.imagegate.s3compat.history;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Records operations as clients run them: the monotonic time just before the call and just after
 * its answer, with what was asked and what came back. Safe for any number of client threads.
 */
public final class Recorder {

    private final long origin = System.nanoTime();
    private final AtomicInteger ids = new AtomicInteger();
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

    /** Nanoseconds since the recorder began. */
    public long now() {
        return System.nanoTime() - origin;
    }

    /** Runs one call and records it; the call turns every failure into a {@link Response}. */
    public Op record(int process, int gateway, Request request, Supplier<Response> call) {
        int id = ids.getAndIncrement();
        long invoked = now();
        Response response = call.get();
        Op op = new Op(id, process, gateway, invoked, now(), request, response);
        ops.add(op);
        return op;
    }

    public int size() {
        return ops.size();
    }

    public History history(Set<String> versionedBuckets, Map<String, String> notes) {
        return new History(versionedBuckets, new ArrayList<>(ops), notes);
    }
}
