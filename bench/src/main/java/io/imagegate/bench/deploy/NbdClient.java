package io.imagegate.bench.deploy;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A minimal NBD client, standing in for the hypervisor: fixed newstyle handshake with NBD_OPT_GO,
 * then simple replies; many requests in flight on one connection, answered in any order. It is what
 * replays a boot trace against the agent's NBD server and against nbdkit alike.
 */
public final class NbdClient implements AutoCloseable {

    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long REPLY_MAGIC = 0x3e889045565a9L;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    private static final int OPT_GO = 7;
    private static final int REP_ACK = 1;
    private static final int REP_INFO = 3;
    public static final short CMD_READ = 0;
    static final short CMD_WRITE = 1;
    static final short CMD_FLUSH = 3;
    static final short CMD_TRIM = 4;
    static final short CMD_CACHE = 5;
    static final short CMD_WRITE_ZEROES = 6;

    private record Pending(CompletableFuture<Void> done, int readLength) {}

    private final SocketChannel ch;
    private final long size;
    private final int flags;
    private final ReentrantLock sending = new ReentrantLock();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    private final Thread reader;
    private volatile IOException broken;

    private NbdClient(SocketChannel ch, String export) throws IOException {
        this.ch = ch;
        ByteBuffer hello = read(18);
        if (hello.getLong() != NBDMAGIC || hello.getLong() != IHAVEOPT) {
            throw new IOException("not an NBD newstyle server");
        }
        hello.getShort(); // handshake flags: fixed newstyle, no zeroes
        write(ByteBuffer.allocate(4).putInt(3).flip());
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(16 + 4 + name.length + 2);
        go.putLong(IHAVEOPT).putInt(OPT_GO).putInt(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
        write(go.flip());
        long sz = -1;
        int fl = 0;
        while (true) {
            ByteBuffer h = read(20);
            if (h.getLong() != REPLY_MAGIC) {
                throw new IOException("bad option reply magic");
            }
            h.getInt();
            int type = h.getInt();
            int len = h.getInt();
            ByteBuffer data = read(len);
            if (type == REP_ACK) {
                break;
            }
            if (type < 0) {
                throw new IOException("NBD_OPT_GO refused (" + Integer.toHexString(type) + "): "
                        + StandardCharsets.UTF_8.decode(data));
            }
            if (type == REP_INFO && len >= 12 && data.getShort() == 0) {
                sz = data.getLong();
                fl = data.getShort() & 0xffff;
            }
        }
        if (sz < 0) {
            throw new IOException("the server sent no export size");
        }
        this.size = sz;
        this.flags = fl;
        this.reader = Thread.ofVirtual().name("nbd-replies").start(this::readReplies);
    }

    public static NbdClient unix(Path socket, String export) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        return connect(ch, UnixDomainSocketAddress.of(socket), export);
    }

    private static NbdClient connect(SocketChannel ch, SocketAddress to, String export) throws IOException {
        try {
            ch.connect(to);
            return new NbdClient(ch, export);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    long size() {
        return size;
    }

    int transmissionFlags() {
        return flags;
    }

    /** Sends one command; the future completes when the server answered it (exceptionally on an error). */
    public CompletableFuture<Void> submit(short type, long offset, long length) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (broken != null) {
            done.completeExceptionally(broken);
            return done;
        }
        long handle = handles.incrementAndGet();
        pending.put(handle, new Pending(done, type == CMD_READ ? (int) length : 0));
        int payload = type == CMD_WRITE ? (int) length : 0;
        ByteBuffer req = ByteBuffer.allocate(28 + payload);
        req.putInt(REQUEST_MAGIC).putShort((short) 0).putShort(type).putLong(handle).putLong(offset)
                .putInt((int) length);
        req.position(28 + payload).flip(); // a write's payload: zeros (the replay moves the guest's sizes, not its bytes)
        sending.lock();
        try {
            write(req);
        } catch (IOException e) {
            pending.remove(handle);
            done.completeExceptionally(e);
        } finally {
            sending.unlock();
        }
        return done;
    }

    private void readReplies() {
        ByteBuffer sink = ByteBuffer.allocateDirect(4 << 20);
        try {
            while (true) {
                ByteBuffer h = read(16);
                if (h.getInt() != SIMPLE_REPLY_MAGIC) {
                    throw new IOException("bad reply magic");
                }
                int error = h.getInt();
                long handle = h.getLong();
                Pending p = pending.remove(handle);
                if (p == null) {
                    throw new IOException("reply to unknown handle " + handle);
                }
                if (error == 0 && p.readLength > 0) {
                    int left = p.readLength;
                    while (left > 0) {
                        sink.clear().limit(Math.min(sink.capacity(), left));
                        left -= fill(sink);
                    }
                }
                if (error != 0) {
                    p.done.completeExceptionally(new IOException("NBD error " + error));
                } else {
                    p.done.complete(null);
                }
            }
        } catch (IOException e) {
            broken = e;
            pending.values().forEach(p -> p.done.completeExceptionally(e));
            pending.clear();
        }
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        fill(b);
        return b.flip();
    }

    private int fill(ByteBuffer b) throws IOException {
        int n = 0;
        while (b.hasRemaining()) {
            int r = ch.read(b);
            if (r < 0) {
                throw new IOException("the NBD server closed the connection");
            }
            n += r;
        }
        return n;
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() {
        try {
            sending.lock();
            try {
                ByteBuffer disc = ByteBuffer.allocate(28);
                disc.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) 2).putLong(0).putLong(0).putInt(0);
                write(disc.flip());
            } finally {
                sending.unlock();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        ShapedNetwork.closeQuietly(ch);
        reader.interrupt();
    }
}
