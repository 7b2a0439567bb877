package io.imagegate.bench.deploy;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Replays a boot trace as fast as the target serves it: requests in their recorded start order, each
 * started once every request that had ended before it started (in the recording) has ended here too.
 * That keeps the guest's order and its queue depth and drops its think time (the recording ran under
 * software emulation, whose CPU time says nothing about a real node's).
 */
final class TraceReplay {

    private final List<BootTrace.Request> requests;
    private final int[] byEnd;

    TraceReplay(BootTrace trace) {
        this.requests = trace.requests();
        Integer[] idx = new Integer[requests.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Long.compare(requests.get(a).endUs(), requests.get(b).endUs()));
        this.byEnd = Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /** Runs the whole trace against {@code target}; throws when a request failed. */
    void run(BlockTarget target) {
        int n = requests.size();
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] done = new CompletableFuture[n];
        int p = 0;
        for (int i = 0; i < n; i++) {
            BootTrace.Request r = requests.get(i);
            while (p < n && requests.get(byEnd[p]).endUs() <= r.startUs()) {
                CompletableFuture<Void> before = done[byEnd[p]];
                if (before != null) {
                    before.join();
                }
                p++;
            }
            done[i] = target.submit(r);
        }
        CompletableFuture.allOf(done).join();
    }
}
