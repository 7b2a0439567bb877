package io.imagegate.agent.nbd;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A connection's bytes after NBD_OPT_STARTTLS: a server-side TLS socket layered on the accepted TCP
 * socket. Reads (the connection's thread) and writes (the repliers, one at a time) may run at once.
 */
final class TlsStream implements AutoCloseable {

    private final SSLSocket socket;
    private final ReadableByteChannel in;
    private final GatheringByteChannel out;

    private TlsStream(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = Channels.newChannel(socket.getInputStream());
        this.out = new Output(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
    }

    /**
     * Runs the server side of the TLS handshake on {@code channel} (a blocking TCP channel).
     *
     * @param early bytes the client sent after STARTTLS that were already read (normally none)
     */
    static TlsStream accept(SocketChannel channel, SSLContext context, byte[] early) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(channel.socket(),
                new ByteArrayInputStream(early), true);
        s.setUseClientMode(false);
        s.startHandshake();
        return new TlsStream(s);
    }

    ReadableByteChannel in() {
        return in;
    }

    GatheringByteChannel out() {
        return out;
    }

    /**
     * Ends TLS with a close_notify alone: a plain close of a TLS 1.3 socket whose peer has not closed
     * yet also sends user_canceled, which GnuTLS (libnbd, qemu) reports as a fatal alert.
     */
    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed() && !socket.isOutputShutdown()) {
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            // the peer is gone: nothing to tell it
        } finally {
            socket.close();
        }
    }

    /** Writes through the TLS socket; each call ends with one flush, so a reply's parts share records. */
    private static final class Output implements GatheringByteChannel {
        private final OutputStream stream;
        private volatile boolean open = true;

        Output(OutputStream stream) {
            this.stream = stream;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (!open) {
                throw new ClosedChannelException();
            }
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += put(srcs[i]);
            }
            stream.flush();
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        private int put(ByteBuffer b) throws IOException {
            int n = b.remaining();
            if (b.hasArray()) {
                stream.write(b.array(), b.arrayOffset() + b.position(), n);
                b.position(b.limit());
            } else {
                byte[] copy = new byte[n];
                b.get(copy);
                stream.write(copy);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            open = false;
            stream.close();
        }
    }
}
