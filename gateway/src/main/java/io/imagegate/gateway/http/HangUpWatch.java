package io.imagegate.gateway.http;

import io.undertow.conduits.FixedLengthStreamSourceConduit;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.channels.ReadTimeoutException;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Notices that a request's client closed its connection while the gateway is still working on the
 * request. Once a request has been read whole, Undertow reads nothing more from its connection until
 * the response is done, so a client that hangs up goes unnoticed until something is written, which
 * for a commit, a CompleteMultipartUpload or a DeleteObjects is only the answer at the very end. Armed
 * ({@link #arm}) once the request is read whole, the watch reads the connection beneath Undertow's
 * request framing on the connection's I/O thread: the end of the stream or an error is a hang-up
 * ({@link #hungUp}); bytes of a pipelined next request are handed back to Undertow as they came, and
 * end the watch (a pipelining client's hang-up is then seen only when the answer is written). A
 * client that only shuts down its sending side is taken for gone, as Go's net/http and nginx take it:
 * S3 clients never do that while they wait for an answer. {@link #stop} runs before any response is
 * sent, so the connection is Undertow's again when the exchange ends.
 */
final class HangUpWatch implements ReadReadyHandler {

    private final HttpServerExchange exchange;
    private volatile boolean hungUp;
    /** Guarded by this: reads are resumed on {@link #raw} for the watch. */
    private boolean armed;
    /** Guarded by this: armed once already (or it cannot be), so never again. */
    private boolean used;
    private HttpServerConnection connection;
    private StreamSourceConduit raw;
    /**
     * What the connection's channel had handle its readiness (XNIO sets it once, when the channel is
     * made, and never again): given back when the watch ends, and forwarded to meanwhile.
     */
    private ReadReadyHandler channelHandler;

    HangUpWatch(HttpServerExchange exchange) {
        this.exchange = exchange;
    }

    /** Whether the client was seen to go away; false until the watch is armed. */
    boolean hungUp() {
        return hungUp;
    }

    /** Whether the watch is watching: armed and not yet stopped or done. */
    synchronized boolean watching() {
        return armed;
    }

    /**
     * Starts watching, once the request has been read whole (before, reading the body notices a
     * hang-up by itself) and when nothing of a pipelined next request is waiting. Does nothing the
     * second time.
     */
    synchronized void arm() {
        if (used || !(exchange.getConnection() instanceof HttpServerConnection c) || !readWhole(c)) {
            return;
        }
        used = true;
        if (c.getExtraBytes() != null || c.getOriginalSourceConduit() == null || !c.isOpen()) {
            return;
        }
        connection = c;
        raw = c.getOriginalSourceConduit();
        channelHandler = new ReadReadyHandler.ChannelListenerHandler<>(c.getChannel().getSourceChannel());
        armed = true;
        raw.setReadReadyHandler(this);
        raw.resumeReads();
    }

    /**
     * Whether Undertow will read nothing more of this request from the connection: it has seen the
     * body's end, or a body of declared length was read to its last byte (an operation that reads
     * exactly what a descriptor announces never asks for the end).
     */
    private boolean readWhole(HttpServerConnection c) {
        return exchange.isRequestComplete()
                || c.getChannel().getSourceChannel().getConduit() instanceof FixedLengthStreamSourceConduit f
                        && f.getRemaining() == 0;
    }

    /** Stops watching and gives the connection back to Undertow's own reading (at the exchange's end). */
    synchronized void stop() {
        if (!armed) {
            return;
        }
        armed = false;
        raw.suspendReads();
        restoreChannelHandler();
    }

    /** Runs on the connection's I/O thread when it is readable: its end, an error, or pipelined bytes. */
    @Override
    public void readReady() {
        if (!readProbe()) {
            channelHandler.readReady(); // stopped meanwhile: the readiness is Undertow's again
        }
    }

    /** Reads what made the connection readable; false when the watch was no longer armed. */
    private boolean readProbe() {
        synchronized (this) {
            if (!armed) {
                return false;
            }
            ByteBuffer probe = ByteBuffer.allocate(256);
            int n;
            try {
                n = raw.read(probe);
            } catch (ReadTimeoutException e) {
                return true; // nothing read for a while is no hang-up: the gateway is busy, not the client
            } catch (IOException e) {
                n = -1;
            }
            if (n == 0) {
                return true;
            }
            armed = false;
            raw.suspendReads();
            if (n < 0) {
                hungUp = true;
            } else {
                probe.flip();
                connection.ungetRequestBytes(new HeapBuffer(probe));
            }
            restoreChannelHandler();
            return true;
        }
    }

    @Override
    public void forceTermination() {
        hungUp = true;
        channelHandler.forceTermination();
    }

    @Override
    public void terminated() {
        hungUp = true;
        channelHandler.terminated();
    }

    /** Gives the connection's readiness back to its channel, so Undertow reads the next request. */
    private void restoreChannelHandler() {
        raw.setReadReadyHandler(channelHandler);
    }

    /** Bytes read ahead, handed back to Undertow as the start of the next request. */
    private record HeapBuffer(ByteBuffer buffer) implements PooledByteBuffer {
        @Override
        public ByteBuffer getBuffer() {
            return buffer;
        }

        @Override
        public void close() {
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    }
}
