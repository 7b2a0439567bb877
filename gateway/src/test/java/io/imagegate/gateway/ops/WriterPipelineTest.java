package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.checksum.Checksummer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The two-thread upload pipeline delivers every byte in order, and a writer failure reaches the reader. */
class WriterPipelineTest {

    /** Collects what it is given; fails at the write that would pass {@code failAfter} bytes. */
    static final class CollectingWriter implements ObjectWriter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long failAfter;

        CollectingWriter(long failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            if (bytes.size() + len > failAfter) {
                throw new IOException("disk full");
            }
            bytes.write(buf, off, len);
        }

        @Override
        public ManifestRoot finish() {
            throw new UnsupportedOperationException();
        }

        @Override
        public WriteStats stats() {
            return null;
        }

        @Override
        public void abort() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void everyByteReachesTheWriterInOrderWithItsChecksum() throws IOException {
        byte[] data = new byte[3_000_000];
        new Random(1).nextBytes(data);
        CollectingWriter writer = new CollectingWriter(Long.MAX_VALUE);
        Checksummer crc = ChecksumAlgorithm.CRC32C.newChecksummer();
        try (WriterPipeline p = new WriterPipeline(writer, crc, 64 * 1024)) {
            for (int off = 0; off < data.length; ) {
                byte[] buf = p.buffer();
                int n = Math.min(buf.length - 7, data.length - off);
                System.arraycopy(data, off, buf, 0, n);
                p.submit(buf, n);
                off += n;
            }
            p.drain();
        }
        assertArrayEquals(data, writer.bytes.toByteArray());
        assertEquals(ChecksumAlgorithm.CRC32C.base64Of(data), crc.base64Digest());
    }

    @Test
    void aWriterFailureSurfacesInTheReadingThread() {
        CollectingWriter writer = new CollectingWriter(200_000);
        IOException e = assertThrows(IOException.class, () -> {
            try (WriterPipeline p = new WriterPipeline(writer, ChecksumAlgorithm.CRC32.newChecksummer(), 64 * 1024)) {
                for (int i = 0; i < 100; i++) {
                    byte[] buf = p.buffer();
                    p.submit(buf, buf.length);
                }
                p.drain();
            }
        });
        assertEquals("disk full", e.getMessage());
    }
}
