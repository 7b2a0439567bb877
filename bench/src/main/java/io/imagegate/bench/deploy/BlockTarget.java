package io.imagegate.bench.deploy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/** Where a node's boot trace is replayed: an NBD export (agent, nbdkit) or a local copy of the image. */
interface BlockTarget extends AutoCloseable {

    /** Starts one request of the trace; the future completes when it has been served. */
    CompletableFuture<Void> submit(BootTrace.Request r);

    @Override
    void close();

    /** An NBD connection, as qemu's nbd driver holds one. */
    static BlockTarget nbd(NbdClient c) {
        return new BlockTarget() {
            @Override
            public CompletableFuture<Void> submit(BootTrace.Request r) {
                return switch (r.op()) {
                    case 'R' -> c.submit(NbdClient.CMD_READ, r.offset(), r.length());
                    case 'W' -> c.submit(NbdClient.CMD_WRITE, r.offset(), r.length());
                    case 'Z' -> c.submit(NbdClient.CMD_WRITE_ZEROES, r.offset(), r.length());
                    case 'T' -> c.submit(NbdClient.CMD_TRIM, r.offset(), r.length());
                    case 'F' -> c.submit(NbdClient.CMD_FLUSH, 0, 0);
                    case 'C' -> c.submit(NbdClient.CMD_CACHE, r.offset(), r.length());
                    default -> CompletableFuture.completedFuture(null);
                };
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    /**
     * A node that has the whole image on local disk: reads come from the image file, writes go to a
     * sparse scratch file of the node's own (flushes sync it).
     */
    static BlockTarget local(Path image, Path scratch) throws IOException {
        FileChannel in = FileChannel.open(image, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(scratch, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        return new BlockTarget() {
            @Override
            public CompletableFuture<Void> submit(BootTrace.Request r) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        switch (r.op()) {
                            case 'R' -> {
                                ByteBuffer b = ByteBuffer.allocate((int) r.length());
                                while (b.hasRemaining() && in.read(b, r.offset() + b.position()) >= 0) {
                                    // until full or the end of the file
                                }
                            }
                            case 'W' -> {
                                ByteBuffer b = ByteBuffer.allocate((int) r.length());
                                while (b.hasRemaining()) {
                                    out.write(b, r.offset() + b.position());
                                }
                            }
                            case 'F' -> out.force(false);
                            default -> { }
                        }
                        f.complete(null);
                    } catch (IOException | RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
                return f;
            }

            @Override
            public void close() {
                ShapedNetwork.closeQuietly(in);
                ShapedNetwork.closeQuietly(out);
            }
        };
    }
}
