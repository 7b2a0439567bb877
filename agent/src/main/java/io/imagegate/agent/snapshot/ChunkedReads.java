package io.imagegate.agent.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/** Runs per-chunk work of a snapshot on virtual threads, a bounded number at once, results in order. */
final class ChunkedReads {

    private ChunkedReads() {}

    @FunctionalInterface
    interface Work<T> {
        T run(int index) throws IOException;
    }

    static <T> List<T> map(List<Integer> indexes, int parallel, Work<T> work) throws IOException {
        Semaphore slots = new Semaphore(parallel);
        List<Future<T>> futures = new ArrayList<>(indexes.size());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i : indexes) {
                slots.acquireUninterruptibly();
                futures.add(ex.submit(() -> {
                    try {
                        return work.run(i);
                    } finally {
                        slots.release();
                    }
                }));
            }
            List<T> out = new ArrayList<>(futures.size());
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
