package io.imagegate.gateway.http;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap that requests may hold for what they parse from their bodies (a commit's descriptor, the
 * hashes a {@code ?missing-chunks} asks about, an XML document), shared by every request of a
 * gateway: each takes what it holds from here before allocating it ({@link Call#memory()}), and
 * a request that would exceed the budget is answered 503 SlowDown at once, instead of the gateway
 * running out of memory because many clients sent large bodies and then withheld the rest.
 */
public final class MemoryBudget {

    /** {@code configured} bytes, or when 0 a quarter of the heap, at least 32 MiB. */
    public static MemoryBudget of(long configured) {
        return new MemoryBudget(configured > 0 ? configured : Math.max(32L << 20, Runtime.getRuntime().maxMemory() / 4));
    }

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public MemoryBudget(long limit) {
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** Bytes held by reservations now. */
    public long held() {
        return held.get();
    }

    /** An empty reservation, grown as its request allocates; closing it returns everything it holds. */
    public Reservation open() {
        return new Reservation();
    }

    /** What one request holds; not thread-safe (one request, one thread). */
    public final class Reservation implements AutoCloseable {

        private long bytes;

        /**
         * Takes {@code more} bytes from the budget.
         *
         * @throws S3Exception 503 SlowDown when the budget cannot give them
         */
        public void grow(long more) {
            if (more <= 0) {
                return;
            }
            long now = held.addAndGet(more);
            if (now > limit) {
                held.addAndGet(-more);
                throw new S3Exception(S3ErrorCode.SLOW_DOWN, "The gateway is holding as much request data in memory "
                        + "as it allows; please retry.").header("Retry-After", "1");
            }
            bytes += more;
        }

        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            held.addAndGet(-bytes);
            bytes = 0;
        }
    }
}
