package io.imagegate.gateway.ops;

import io.imagegate.chunk.ObjectWriter;
import io.imagegate.gateway.checksum.Checksummer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs the second half of an upload's work (the object checksum, chunking, SHA-256 naming and
 * pack writes) on a thread of its own, while the request thread keeps reading the body and
 * computing its MD5: the two halves overlap on separate cores instead of taking turns. Buffers
 * circulate between the two threads, so memory stays bounded at a few buffers per upload.
 */
final class WriterPipeline implements AutoCloseable {

    private static final int BUFFERS = 4;
    private static final Slice END = new Slice(new byte[0], 0);

    private record Slice(byte[] data, int length) {}

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Slice> full = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread consumer;
    private volatile Throwable failure;
    private volatile boolean cancelled;

    WriterPipeline(ObjectWriter writer, Checksummer checksum, int bufferSize) {
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[bufferSize]);
        }
        consumer = Thread.ofVirtual().name("upload-writer").start(() -> consume(writer, checksum));
    }

    private void consume(ObjectWriter writer, Checksummer checksum) {
        try {
            while (true) {
                Slice s = full.take();
                if (s == END || cancelled) {
                    return;
                }
                checksum.update(s.data(), 0, s.length());
                writer.write(s.data(), 0, s.length());
                free.put(s.data());
            }
        } catch (Throwable t) {
            failure = t;
            // unblock a producer waiting for a free buffer
            free.offer(new byte[0]);
        }
    }

    /** A buffer to fill; blocks while the writer is behind. */
    byte[] buffer() throws IOException {
        rethrow();
        try {
            byte[] b = free.take();
            rethrow();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        }
    }

    /** Hands {@code length} bytes of a buffer from {@link #buffer()} to the writer. */
    void submit(byte[] buffer, int length) throws IOException {
        try {
            full.put(new Slice(buffer, length));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        }
    }

    /** Waits until the writer has taken every submitted byte; rethrows what it failed with. */
    void drain() throws IOException {
        try {
            full.put(END);
            consumer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        }
        rethrow();
    }

    private void rethrow() throws IOException {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof UncheckedIOException u) {
            throw u.getCause();
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        throw new IOException("the upload writer failed", t);
    }

    /**
     * Stops the writer thread if the upload ends early (the caller aborts the writer itself). No
     * interrupt: an interrupted file write would close the pack's channel under the writer.
     */
    @Override
    public void close() {
        if (!consumer.isAlive()) {
            return;
        }
        cancelled = true;
        full.clear();
        full.offer(END);
        boolean interrupted = false;
        while (consumer.isAlive()) {
            try {
                consumer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
