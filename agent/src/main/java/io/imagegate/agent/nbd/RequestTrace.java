package io.imagegate.agent.nbd;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block device that logs every request it serves (operation, offset, length, start and end in
 * microseconds) to {@code DIR/EXPORT.trace.csv}: the access trace of a guest, for benchmarks that
 * replay it. Off unless the JVM runs with {@code -Dimagegate.agent.trace=DIR}; then {@link #wrap}
 * returns the device unchanged.
 */
public final class RequestTrace implements BlockDevice {

    public static final String PROPERTY = "imagegate.agent.trace";
    private static final Logger log = LoggerFactory.getLogger(RequestTrace.class);

    private final BlockDevice device;
    private final BufferedWriter out;
    private final long t0 = System.nanoTime();

    private RequestTrace(BlockDevice device, BufferedWriter out) {
        this.device = device;
        this.out = out;
    }

    /** {@code device} traced when {@value #PROPERTY} names a directory, else {@code device} itself. */
    public static BlockDevice wrap(String export, BlockDevice device) {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            return device;
        }
        try {
            Path file = Path.of(dir).resolve(export + ".trace.csv");
            Files.createDirectories(file.getParent());
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            w.write("# imagegate-agent NBD request trace, export " + export + ", size " + device.size()
                    + ", started " + Instant.now() + "\nop,offset,length,start_us,end_us,error\n");
            w.flush();
            log.info("tracing nbd requests export={} file={}", export, file);
            return new RequestTrace(device, w);
        } catch (IOException e) {
            log.warn("nbd request trace not written export={} error={}", export, e.toString());
            return device;
        }
    }

    private interface Op {
        void run() throws NbdException;
    }

    private void traced(char op, long offset, long length, Op call) throws NbdException {
        long start = System.nanoTime();
        String error = "";
        try {
            call.run();
        } catch (NbdException e) {
            error = e.error().name();
            throw e;
        } finally {
            long end = System.nanoTime();
            String line = op + "," + offset + "," + length + "," + (start - t0) / 1000 + "," + (end - t0) / 1000 + ","
                    + error + "\n";
            synchronized (out) {
                try {
                    out.write(line);
                    out.flush();
                } catch (IOException e) {
                    log.debug("trace line lost: {}", e.toString());
                }
            }
        }
    }

    @Override public long size() { return device.size(); }
    @Override public boolean readOnly() { return device.readOnly(); }
    @Override public void read(long offset, ByteBuffer dst) throws NbdException {
        traced('R', offset, dst.remaining(), () -> device.read(offset, dst));
    }
    @Override public void write(long offset, ByteBuffer src) throws NbdException {
        traced('W', offset, src.remaining(), () -> device.write(offset, src));
    }
    @Override public void writeZeroes(long offset, long length) throws NbdException {
        traced('Z', offset, length, () -> device.writeZeroes(offset, length));
    }
    @Override public void trim(long offset, long length) throws NbdException {
        traced('T', offset, length, () -> device.trim(offset, length));
    }
    @Override public void flush() throws NbdException {
        traced('F', 0, 0, device::flush);
    }
    @Override public void prefetch(long offset, long length) throws NbdException {
        traced('C', offset, length, () -> device.prefetch(offset, length));
    }
    @Override public java.util.List<Extent> extents(long offset, long length, int maxExtents) throws NbdException {
        return device.extents(offset, length, maxExtents); // metadata only: not part of a trace
    }
}
