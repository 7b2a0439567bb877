package io.imagegate.chunk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * For tests: a store that misbehaves on demand, the way s3proxy's latency and failure
 * middlewares do: fail the next N reads or seals (or a random fraction of them), delay reads,
 * hold reads until released, or flip a byte in what the next N reads return. Everything else
 * passes through.
 */
public final class FaultInjectingChunkStore extends ForwardingChunkStore {

    private final AtomicInteger readFailures = new AtomicInteger();
    private final AtomicInteger sealFailures = new AtomicInteger();
    private final AtomicInteger corruptions = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private volatile Supplier<IOException> readError = () -> new IOException("injected read failure");
    private volatile Duration readDelay = Duration.ZERO;
    private volatile CountDownLatch gate;
    private volatile double failFraction;
    private final Random random = new Random();

    public FaultInjectingChunkStore(ChunkStore delegate) {
        super(delegate);
    }

    /** The next {@code n} reads throw what {@code error} makes, without reading. */
    public FaultInjectingChunkStore failReads(int n, Supplier<IOException> error) {
        readError = error;
        readFailures.set(n);
        return this;
    }

    /** The next {@code n} seals abort the pack and throw. */
    public FaultInjectingChunkStore failSeals(int n) {
        sealFailures.set(n);
        return this;
    }

    /** From now on every read and every seal fails with probability {@code fraction} (0 stops it). */
    public FaultInjectingChunkStore failRandomly(double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in 0..1: " + fraction);
        }
        synchronized (random) {
            random.setSeed(seed);
        }
        failFraction = fraction;
        return this;
    }

    /** The next {@code n} reads return their bytes with the first one flipped. */
    public FaultInjectingChunkStore corruptReads(int n) {
        corruptions.set(n);
        return this;
    }

    /** Every read first waits this long. */
    public FaultInjectingChunkStore delayReads(Duration delay) {
        readDelay = delay;
        return this;
    }

    /** Reads from now on wait until {@link #release()}; {@link #heldReads()} counts the waiting. */
    public FaultInjectingChunkStore holdReads() {
        gate = new CountDownLatch(1);
        return this;
    }

    /** Lets held reads (and later ones) through. */
    public void release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Reads waiting at the gate now. */
    public int heldReads() {
        return held.get();
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        try {
            if (!readDelay.isZero()) {
                Thread.sleep(readDelay);
            }
            CountDownLatch g = gate;
            if (g != null) {
                held.incrementAndGet();
                try {
                    g.await();
                } finally {
                    held.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted in an injected delay");
        }
        if (takeOne(readFailures) || randomFailure()) {
            throw readError.get();
        }
        int start = dst.position();
        super.read(pack, offset, dst);
        if (dst.position() > start && takeOne(corruptions)) {
            dst.put(start, (byte) (dst.get(start) ^ 0x5a));
        }
    }

    @Override
    public PackOutput create(PackId id) throws IOException {
        PackOutput out = super.create(id);
        return new PackOutput() {
            @Override
            public void write(ByteBuffer src) throws IOException {
                out.write(src);
            }

            @Override
            public long position() {
                return out.position();
            }

            @Override
            public void seal() throws IOException {
                if (takeOne(sealFailures) || randomFailure()) {
                    out.abort();
                    throw new IOException("injected seal failure");
                }
                out.seal();
            }

            @Override
            public void abort() {
                out.abort();
            }

            @Override
            public void close() {
                out.close();
            }
        };
    }

    private boolean randomFailure() {
        double f = failFraction;
        if (f <= 0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < f;
        }
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0;
    }
}
