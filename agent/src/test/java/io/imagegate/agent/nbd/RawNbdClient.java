package io.imagegate.agent.nbd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** An NBD client written byte by byte, for the requests real clients never send. */
final class RawNbdClient implements AutoCloseable {

    Socket socket;
    DataInputStream in;
    DataOutputStream out;
    int handshakeFlags;

    RawNbdClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting and answers with the client flags. */
    RawNbdClient hello(int clientFlags) throws IOException {
        if (in.readLong() != Nbd.NBDMAGIC || in.readLong() != Nbd.IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        handshakeFlags = in.readUnsignedShort();
        out.writeInt(clientFlags);
        out.flush();
        return this;
    }

    /** NBD_OPT_STARTTLS, then the TLS handshake as a client of {@code context}, checking the host name. */
    RawNbdClient startTls(javax.net.ssl.SSLContext context) throws IOException {
        option(Nbd.OPT_STARTTLS, new byte[0]);
        OptionReply r = optionReply();
        if (r.type() != Nbd.REP_ACK) {
            throw new IOException("NBD_OPT_STARTTLS refused with reply type 0x" + Integer.toHexString(r.type()));
        }
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket(socket, "127.0.0.1", socket.getPort(), true);
        var params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
        socket = tls;
        in = new DataInputStream(tls.getInputStream());
        out = new DataOutputStream(new java.io.BufferedOutputStream(tls.getOutputStream()));
        return this;
    }

    void option(int option, byte[] data) throws IOException {
        out.writeLong(Nbd.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    record OptionReply(int option, int type, byte[] data) {}

    OptionReply optionReply() throws IOException {
        if (in.readLong() != Nbd.OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic");
        }
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    /** Negotiates {@code name} with NBD_OPT_GO; returns the export size. */
    long go(String name) throws IOException {
        option(Nbd.OPT_GO, goData(name));
        long size = -1;
        while (true) {
            OptionReply r = optionReply();
            if (r.type() == Nbd.REP_ACK) {
                return size;
            }
            if (r.type() == Nbd.REP_INFO) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.data());
                if (b.getShort() == Nbd.INFO_EXPORT) {
                    size = b.getLong();
                }
                continue;
            }
            throw new IOException("NBD_OPT_GO failed with reply type 0x" + Integer.toHexString(r.type()));
        }
    }

    void request(int flags, int type, long handle, long offset, int length, byte[] payload) throws IOException {
        out.writeInt(Nbd.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt(length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    record Reply(int error, long handle) {}

    Reply reply() throws IOException {
        if (in.readInt() != Nbd.SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic");
        }
        return new Reply(in.readInt(), in.readLong());
    }

    byte[] read(long offset, int length) throws IOException {
        request(0, Nbd.CMD_READ, 1, offset, length, null);
        Reply r = reply();
        if (r.error() != 0) {
            throw new IOException("read failed with errno " + r.error());
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /** True once the server has closed the connection. */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
