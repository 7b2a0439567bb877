package io.imagegate.agent.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client: the fixed newstyle handshake, then the transmission phase. Requests are read in order
 * and served concurrently (a client may pipeline), each reply written whole under a lock. Input the
 * protocol cannot recover from (a bad magic, an oversized option or payload) closes the connection;
 * a bad request that can be answered gets an errno and the connection goes on.
 */
final class NbdConnection {

    private static final Logger log = LoggerFactory.getLogger(NbdConnection.class);
    private static final int MAX_IN_FLIGHT = 64;

    private final NbdServer server;
    private final SocketChannel channel;
    /** The channel until NBD_OPT_STARTTLS, then the TLS stream over it. */
    private ChannelReader in;
    private volatile GatheringByteChannel out;
    private volatile TlsStream tls;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile NbdExport export;
    private boolean noZeroes;
    /** Structured replies negotiated: reads answer with chunks that carry their own length. */
    private volatile boolean structured;
    /** The export for which base:allocation was selected (NBD_OPT_SET_META_CONTEXT), or null. */
    private String allocationFor;
    /** base:allocation is on for the export being served: NBD_CMD_BLOCK_STATUS answers. */
    private volatile boolean blockStatus;
    /** Descriptors one block status reply carries at most (512 KiB of them). */
    private static final int MAX_EXTENTS = 64 * 1024;

    NbdConnection(NbdServer server, SocketChannel channel) {
        this.server = server;
        this.channel = channel;
        this.in = new ChannelReader(channel);
        this.out = channel;
    }

    NbdExport export() {
        return export;
    }

    void run() {
        try {
            if (channel.getLocalAddress() instanceof java.net.InetSocketAddress) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            NbdExport chosen = handshake();
            if (chosen != null) {
                export = chosen;
                blockStatus = chosen.name().equals(allocationFor);
                transmission(chosen);
            }
        } catch (EOFException e) {
            log.debug("nbd client went away: {}", e.getMessage());
        } catch (ProtocolViolation e) {
            log.info("nbd connection closed: {}", e.getMessage());
        } catch (IOException e) {
            log.debug("nbd connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            log.warn("nbd connection failed", e);
        } finally {
            close();
        }
    }

    void close() {
        try {
            if (tls != null) {
                tls.close();
            }
            channel.close();
        } catch (IOException e) {
            log.debug("closing nbd connection: {}", e.toString());
        }
    }

    /** Returns the export to serve, or null when the client ended the negotiation. */
    private NbdExport handshake() throws IOException {
        ByteBuffer hello = ByteBuffer.allocate(18);
        hello.putLong(Nbd.NBDMAGIC).putLong(Nbd.IHAVEOPT).putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES));
        send(hello.flip());
        int clientFlags = in.readInt();
        if ((clientFlags & ~Nbd.CLIENT_FLAGS_KNOWN) != 0) {
            throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & Nbd.FLAG_NO_ZEROES) != 0;
        while (true) {
            long magic = in.readLong();
            if (magic != Nbd.IHAVEOPT) {
                throw new ProtocolViolation("bad option magic 0x" + Long.toHexString(magic));
            }
            int option = in.readInt();
            int length = in.readInt();
            if (length < 0 || length > Nbd.MAX_OPTION_LENGTH) {
                throw new ProtocolViolation("option " + option + " with length " + Integer.toUnsignedString(length));
            }
            byte[] data = in.readBytes(length);
            if (server.tls().mode() == NbdTls.Mode.REQUIRE && tls == null
                    && option != Nbd.OPT_STARTTLS && option != Nbd.OPT_ABORT) {
                if (option == Nbd.OPT_EXPORT_NAME) { // no way to answer it with an error
                    throw new ProtocolViolation("NBD_OPT_EXPORT_NAME in clear on a listener that requires TLS");
                }
                optionError(option, Nbd.REP_ERR_TLS_REQD, "this server requires TLS: connect with nbds://");
                continue;
            }
            switch (option) {
                case Nbd.OPT_STARTTLS -> startTls(option, length);
                case Nbd.OPT_EXPORT_NAME -> {
                    NbdExport e = server.find(new String(data, StandardCharsets.UTF_8)).orElse(null);
                    if (e == null) {
                        throw new ProtocolViolation("NBD_OPT_EXPORT_NAME for an unknown export");
                    }
                    ByteBuffer b = ByteBuffer.allocate(10 + (noZeroes ? 0 : 124));
                    b.putLong(e.device().size()).putShort((short) transmissionFlags(e));
                    send(b.position(b.limit()).flip());
                    return e;
                }
                case Nbd.OPT_ABORT -> {
                    optionReply(option, Nbd.REP_ACK, new byte[0]);
                    return null;
                }
                case Nbd.OPT_LIST -> list(option, length);
                case Nbd.OPT_STRUCTURED_REPLY -> {
                    if (length != 0) {
                        optionError(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                    } else {
                        structured = true;
                        optionReply(option, Nbd.REP_ACK, new byte[0]);
                    }
                }
                case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(option, data);
                case Nbd.OPT_INFO, Nbd.OPT_GO -> {
                    NbdExport e = info(option, data);
                    if (e != null && option == Nbd.OPT_GO) {
                        return e;
                    }
                }
                default -> optionError(option, Nbd.REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
    }

    /** NBD_OPT_STARTTLS: acknowledge, run the TLS handshake, and negotiate again from scratch inside it. */
    private void startTls(int option, int length) throws IOException {
        if (!server.tls().offered()) {
            optionError(option, Nbd.REP_ERR_UNSUP, "TLS is not offered on this listener");
        } else if (length != 0) {
            optionError(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
        } else if (tls != null) {
            optionError(option, Nbd.REP_ERR_INVALID, "TLS is already on");
        } else {
            optionReply(option, Nbd.REP_ACK, new byte[0]);
            TlsStream t = TlsStream.accept(channel, server.tls().context(), in.drain());
            tls = t;
            in = new ChannelReader(t.in());
            out = t.out();
            structured = false; // nothing negotiated in clear carries over
            allocationFor = null;
        }
    }

    /**
     * NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: base:allocation is the one context.
     * Setting needs structured replies first, and replaces what an earlier set selected; it holds
     * for the export it names, if that is the export finally chosen.
     */
    private void metaContext(int option, byte[] data) throws IOException {
        boolean set = option == Nbd.OPT_SET_META_CONTEXT;
        MetaContexts.Request r;
        try {
            r = MetaContexts.parse(data);
        } catch (IllegalArgumentException e) {
            optionError(option, Nbd.REP_ERR_INVALID, e.getMessage());
            return;
        }
        if (set && !structured) {
            optionError(option, Nbd.REP_ERR_INVALID, "NBD_OPT_SET_META_CONTEXT needs NBD_OPT_STRUCTURED_REPLY first");
            return;
        }
        if (server.find(r.export()).isEmpty()) {
            optionError(option, Nbd.REP_ERR_UNKNOWN, "no export named '" + r.export() + "'");
            return;
        }
        if (set) {
            allocationFor = null;
        }
        if (MetaContexts.selectsBaseAllocation(r, !set)) {
            byte[] name = MetaContexts.BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
            optionReply(option, Nbd.REP_META_CONTEXT,
                    ByteBuffer.allocate(4 + name.length).putInt(MetaContexts.BASE_ALLOCATION_ID).put(name).array());
            if (set) {
                allocationFor = r.export();
            }
        }
        optionReply(option, Nbd.REP_ACK, new byte[0]);
    }

    private void list(int option, int length) throws IOException {
        if (length != 0) {
            optionError(option, Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (NbdExport e : server.list()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            optionReply(option, Nbd.REP_SERVER, ByteBuffer.allocate(4 + name.length).putInt(name.length).put(name).array());
        }
        optionReply(option, Nbd.REP_ACK, new byte[0]);
    }

    /** NBD_OPT_INFO and NBD_OPT_GO; returns the export after a successful reply, else null. */
    private NbdExport info(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.remaining() < 4) {
            optionError(option, Nbd.REP_ERR_INVALID, "truncated request");
            return null;
        }
        int nameLength = b.getInt();
        if (nameLength < 0 || nameLength > b.remaining() - 2) {
            optionError(option, Nbd.REP_ERR_INVALID, "name length beyond the option");
            return null;
        }
        byte[] name = new byte[nameLength];
        b.get(name);
        int requests = Short.toUnsignedInt(b.getShort());
        if (b.remaining() != 2 * requests) {
            optionError(option, Nbd.REP_ERR_INVALID, "information request count does not match the length");
            return null;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < requests; i++) {
            int type = Short.toUnsignedInt(b.getShort());
            wantName |= type == Nbd.INFO_NAME;
            wantDescription |= type == Nbd.INFO_DESCRIPTION;
        }
        String exportName = new String(name, StandardCharsets.UTF_8);
        NbdExport e = server.find(exportName).orElse(null);
        if (e == null) {
            optionError(option, Nbd.REP_ERR_UNKNOWN, "no export named '" + exportName + "'");
            return null;
        }
        optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) Nbd.INFO_EXPORT)
                .putLong(e.device().size()).putShort((short) transmissionFlags(e)).array());
        // minimum 1: unaligned requests are served (read-modify-write inside the overlay)
        optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(14).putShort((short) Nbd.INFO_BLOCK_SIZE)
                .putInt(1).putInt(Nbd.PREFERRED_BLOCK).putInt(Nbd.MAX_PAYLOAD).array());
        if (wantName) {
            byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
            optionReply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + n.length).putShort((short) Nbd.INFO_NAME).put(n).array());
        }
        if (wantDescription) {
            byte[] d = e.description().getBytes(StandardCharsets.UTF_8);
            optionReply(option, Nbd.REP_INFO,
                    ByteBuffer.allocate(2 + d.length).putShort((short) Nbd.INFO_DESCRIPTION).put(d).array());
        }
        optionReply(option, Nbd.REP_ACK, new byte[0]);
        return e;
    }

    private int transmissionFlags(NbdExport e) {
        int f = Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA | Nbd.TFLAG_CAN_MULTI_CONN
                | Nbd.TFLAG_SEND_CACHE;
        if (structured) {
            f |= Nbd.TFLAG_SEND_DF; // a read is always answered in one chunk
        }
        if (e.device().readOnly()) {
            f |= Nbd.TFLAG_READ_ONLY;
        } else {
            f |= Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_SEND_FAST_ZERO;
        }
        return f;
    }

    private void optionError(int option, int type, String message) throws IOException {
        optionReply(option, type, message.getBytes(StandardCharsets.UTF_8));
    }

    private void optionReply(int option, int type, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20 + data.length);
        b.putLong(Nbd.OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(data.length).put(data);
        send(b.flip());
    }

    private void transmission(NbdExport e) throws IOException {
        BlockDevice device = e.device();
        try {
            while (true) {
                int magic = in.readInt();
                if (magic != Nbd.REQUEST_MAGIC) {
                    throw new ProtocolViolation("bad request magic 0x" + Integer.toHexString(magic));
                }
                int flags = Short.toUnsignedInt(in.readShort());
                int type = Short.toUnsignedInt(in.readShort());
                long handle = in.readLong();
                long offset = in.readLong();
                long length = Integer.toUnsignedLong(in.readInt());
                if (type == Nbd.CMD_DISC) {
                    return;
                }
                ByteBuffer payload = null;
                if (type == Nbd.CMD_WRITE) {
                    if (length > Nbd.MAX_PAYLOAD) {
                        // the payload cannot be skipped without reading it all: close instead
                        throw new ProtocolViolation("write payload of " + length + " bytes exceeds " + Nbd.MAX_PAYLOAD);
                    }
                    payload = ByteBuffer.allocate((int) length);
                    in.readFully(payload);
                    payload.flip();
                }
                Request r = new Request(flags, type, handle, offset, length, payload);
                if (type == Nbd.CMD_READ && serveRead(device, r, true)) {
                    continue; // answered here: everything it covers was local
                }
                inFlight.acquireUninterruptibly();
                Thread.ofVirtual().name("nbd-req").start(() -> {
                    try {
                        serve(device, r);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        } finally {
            // let requests already accepted finish and reply before the connection closes
            inFlight.acquireUninterruptibly(MAX_IN_FLIGHT);
            inFlight.release(MAX_IN_FLIGHT);
        }
    }

    private record Request(int flags, int type, long handle, long offset, long length, ByteBuffer payload) {}

    private void serve(BlockDevice device, Request r) {
        if (r.type == Nbd.CMD_READ) {
            serveRead(device, r, false);
            return;
        }
        if (r.type == Nbd.CMD_BLOCK_STATUS) {
            serveBlockStatus(device, r);
            return;
        }
        NbdError error = null;
        try {
            execute(device, r);
        } catch (NbdException e) {
            error = failed(r, e);
        } catch (RuntimeException e) {
            error = failed(r, e);
        }
        try {
            reply(r.handle, error);
        } catch (IOException e) {
            log.debug("nbd reply not delivered: {}", e.toString());
            close();
        }
    }

    private NbdError failed(Request r, NbdException e) {
        log.info("nbd request failed export={} type={} offset={} length={} errno={} reason={}",
                export.name(), r.type, r.offset, r.length, e.error(), e.getMessage());
        return e.error();
    }

    private NbdError failed(Request r, RuntimeException e) {
        log.warn("nbd request failed export={} type={} offset={} length={}", export.name(), r.type, r.offset,
                r.length, e);
        return NbdError.EIO;
    }

    /**
     * A READ: the device fills a reused buffer behind room for the reply header, and header and data
     * go out in one write. With {@code now}, only if the device can answer without waiting on the
     * store: returns false, having answered nothing, when it cannot.
     */
    private boolean serveRead(BlockDevice device, Request r, boolean now) {
        ByteBuffer buf = null;
        try {
            NbdError error = null;
            try {
                check(device, r);
                if (r.length > Nbd.MAX_PAYLOAD) {
                    throw new NbdException(NbdError.EINVAL, "read of " + r.length + " bytes exceeds " + Nbd.MAX_PAYLOAD);
                }
                int length = (int) r.length;
                // the part of a request in the last sector past the end (see checkRange) reads as zeros
                int inside = (int) Math.max(0, Math.min(r.length, device.size() - r.offset));
                buf = ReplyBuffers.SHARED.take(length);
                ByteBuffer data = buf.slice(ReplyBuffers.HEADER_ROOM, length);
                if (now) {
                    if (!device.readNow(r.offset, data.limit(inside))) {
                        return false;
                    }
                } else {
                    device.read(r.offset, data.limit(inside));
                }
                Zeros.fill(data.limit(length).position(inside));
            } catch (NbdException e) {
                error = failed(r, e);
            } catch (RuntimeException e) {
                error = failed(r, e);
            }
            try {
                if (error == null) {
                    writeRead(r, buf);
                } else if (structured) {
                    structuredError(r.handle, error);
                } else {
                    reply(r.handle, error);
                }
            } catch (IOException e) {
                log.debug("nbd reply not delivered: {}", e.toString());
                close();
            }
            return true;
        } finally {
            if (buf != null) {
                ReplyBuffers.SHARED.give(buf);
            }
        }
    }

    /**
     * NBD_CMD_BLOCK_STATUS for base:allocation: one structured chunk with the extents from the
     * request's offset on (one only with NBD_CMD_FLAG_REQ_ONE), or an error.
     */
    private void serveBlockStatus(BlockDevice device, Request r) {
        NbdError error = null;
        java.util.List<Extent> extents = java.util.List.of();
        try {
            if (!blockStatus || !structured) {
                throw new NbdException(NbdError.EINVAL, "NBD_CMD_BLOCK_STATUS without base:allocation selected");
            }
            check(device, r);
            if (r.length == 0) {
                throw new NbdException(NbdError.EINVAL, "block status of no bytes");
            }
            extents = device.extents(r.offset, r.length, (r.flags & Nbd.CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS);
            if (extents.isEmpty()) {
                throw new NbdException(NbdError.EINVAL, "no extent at " + r.offset);
            }
        } catch (NbdException e) {
            error = failed(r, e);
        } catch (RuntimeException e) {
            error = failed(r, e);
        }
        try {
            if (error != null) {
                if (structured) {
                    structuredError(r.handle, error);
                } else {
                    reply(r.handle, error);
                }
                return;
            }
            ByteBuffer b = structuredHeader(r.handle, Nbd.REPLY_TYPE_BLOCK_STATUS, 4 + 8 * extents.size())
                    .putInt(MetaContexts.BASE_ALLOCATION_ID);
            for (Extent x : extents) {
                b.putInt((int) x.length()).putInt(x.flags());
            }
            send(b.flip());
        } catch (IOException e) {
            log.debug("nbd reply not delivered: {}", e.toString());
            close();
        }
    }

    /** Writes a READ's header into the room in front of its data and sends both. */
    private void writeRead(Request r, ByteBuffer buf) throws IOException {
        int length = (int) r.length;
        int at;
        if (!structured) {
            at = ReplyBuffers.HEADER_ROOM - 16;
            buf.putInt(at, Nbd.SIMPLE_REPLY_MAGIC).putInt(at + 4, 0).putLong(at + 8, r.handle);
        } else if (length == 0) {
            send(structuredHeader(r.handle, Nbd.REPLY_TYPE_NONE, 0).flip());
            return;
        } else {
            at = ReplyBuffers.HEADER_ROOM - 28;
            buf.putInt(at, Nbd.STRUCTURED_REPLY_MAGIC).putShort(at + 4, (short) Nbd.REPLY_FLAG_DONE)
                    .putShort(at + 6, (short) Nbd.REPLY_TYPE_OFFSET_DATA).putLong(at + 8, r.handle)
                    .putInt(at + 16, 8 + length).putLong(at + 20, r.offset);
        }
        send(buf.limit(ReplyBuffers.HEADER_ROOM + length).position(at));
    }

    /** Validates a request before it runs: flags it may carry, the export's mode, its range. */
    private void check(BlockDevice device, Request r) throws NbdException {
        int known = switch (r.type) {
            case Nbd.CMD_READ -> structured ? Nbd.CMD_FLAG_DF : 0;
            case Nbd.CMD_WRITE -> Nbd.CMD_FLAG_FUA;
            case Nbd.CMD_WRITE_ZEROES -> Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO;
            case Nbd.CMD_TRIM -> Nbd.CMD_FLAG_FUA;
            case Nbd.CMD_BLOCK_STATUS -> Nbd.CMD_FLAG_REQ_ONE;
            default -> 0;
        };
        if ((r.flags & ~known) != 0) {
            throw new NbdException(NbdError.EINVAL, "flags 0x" + Integer.toHexString(r.flags) + " not valid here");
        }
        boolean write = r.type == Nbd.CMD_WRITE || r.type == Nbd.CMD_WRITE_ZEROES || r.type == Nbd.CMD_TRIM;
        if (write && device.readOnly()) {
            throw new NbdException(NbdError.EPERM, "the export is read-only");
        }
        if (r.type != Nbd.CMD_FLUSH) {
            checkRange(device, r, write);
        }
    }

    private void execute(BlockDevice device, Request r) throws NbdException {
        check(device, r);
        if (r.type == Nbd.CMD_WRITE_ZEROES && (r.flags & Nbd.CMD_FLAG_FAST_ZERO) != 0 && !wholeBlocks(device, r)) {
            // zeroing part of a block may read the block from the store first: not fast
            throw new NbdException(NbdError.ENOTSUP, "fast zero of a range that is not whole 4 KiB blocks");
        }
        // the part of a request in the last sector past the end (see checkRange) writes nowhere
        long inside = r.type == Nbd.CMD_FLUSH ? 0 : Math.max(0, Math.min(r.length, device.size() - r.offset));
        switch (r.type) {
            case Nbd.CMD_WRITE -> device.write(r.offset, r.payload.limit((int) inside));
            case Nbd.CMD_WRITE_ZEROES -> device.writeZeroes(r.offset, inside);
            case Nbd.CMD_TRIM -> device.trim(r.offset, inside);
            case Nbd.CMD_FLUSH -> device.flush();
            case Nbd.CMD_CACHE -> device.prefetch(r.offset, inside);
            default -> throw new NbdException(NbdError.EINVAL, "command " + r.type + " is not supported");
        }
        if ((r.flags & Nbd.CMD_FLAG_FUA) != 0) {
            device.flush();
        }
    }

    private static boolean wholeBlocks(BlockDevice device, Request r) {
        long end = Math.min(r.offset + r.length, device.size());
        return r.offset % Nbd.PREFERRED_BLOCK == 0 && (end % Nbd.PREFERRED_BLOCK == 0 || end == device.size());
    }

    /**
     * Requests must lie within the export, except that a request may reach into the rest of the last
     * 512-byte sector of an export whose size is not a multiple of 512: qemu's block layer counts
     * whole sectors, and although it trims its reads of that sector, it writes it whole.
     */
    private static void checkRange(BlockDevice device, Request r, boolean write) throws NbdException {
        long size = (device.size() + 511) / 512 * 512;
        if (r.offset < 0 || r.offset > size || r.length > size - r.offset) {
            throw new NbdException(write ? NbdError.ENOSPC : NbdError.EINVAL,
                    "range " + Long.toUnsignedString(r.offset) + "+" + r.length + " is beyond the end (" + size + ")");
        }
    }

    /** A simple reply without data: the answer to anything but a successful READ. */
    private void reply(long handle, NbdError error) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16);
        header.putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error == null ? 0 : error.code).putLong(handle).flip();
        send(header);
    }

    /** A failed READ with structured replies: one error chunk, the last. */
    private void structuredError(long handle, NbdError error) throws IOException {
        send(structuredHeader(handle, Nbd.REPLY_TYPE_ERROR, 6).putInt(error.code).putShort((short) 0).flip());
    }

    /** The 20 bytes every structured reply chunk starts with (this server's chunks are all the last one). */
    private static ByteBuffer structuredHeader(long handle, int type, int length) {
        return ByteBuffer.allocate(20 + length).putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) Nbd.REPLY_FLAG_DONE)
                .putShort((short) type).putLong(handle).putInt(length);
    }

    /** Writes one whole message (a reply); those of concurrent requests never interleave. */
    private void send(ByteBuffer b) throws IOException {
        writeLock.lock();
        try {
            writeAll(b);
        } finally {
            writeLock.unlock();
        }
    }

    private void writeAll(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** Input after which the stream cannot be trusted: the connection is closed. */
    private static final class ProtocolViolation extends IOException {
        ProtocolViolation(String message) {
            super(message);
        }
    }
}
