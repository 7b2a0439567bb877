package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault-injecting decorator fails a random fraction of reads and seals when asked, and none otherwise. */
class FaultInjectingChunkStoreTest {

    @TempDir
    Path dir;

    @Test
    void failRandomlyFailsAboutThatFractionOfReadsAndSealsAndZeroStopsIt() throws IOException {
        try (LocalChunkStore local = LocalChunkStore.open(dir)) {
            FaultInjectingChunkStore faults = new FaultInjectingChunkStore(local).failRandomly(0.3, 7);
            byte[] data = {1, 2, 3, 4};
            PackId pack = PackId.generate(Instant.now());
            try (ChunkStore.PackOutput out = local.create(pack)) {
                out.write(ByteBuffer.wrap(data));
                out.seal();
            }
            int failedReads = 0;
            int failedSeals = 0;
            for (int i = 0; i < 400; i++) {
                try {
                    ByteBuffer b = ByteBuffer.allocate(4);
                    faults.read(pack, 0, b);
                    assertArrayEquals(data, b.array());
                } catch (IOException e) {
                    failedReads++;
                }
                try (ChunkStore.PackOutput out = faults.create(PackId.generate(Instant.now()))) {
                    out.write(ByteBuffer.wrap(data));
                    out.seal();
                } catch (IOException e) {
                    failedSeals++;
                }
            }
            assertTrue(failedReads > 60 && failedReads < 180, "failed reads " + failedReads);
            assertTrue(failedSeals > 60 && failedSeals < 180, "failed seals " + failedSeals);
            faults.failRandomly(0, 7);
            for (int i = 0; i < 100; i++) {
                faults.read(pack, 0, ByteBuffer.allocate(4));
            }
            assertEquals(400 - failedSeals + 1, local.list().count(), "a failed seal leaves no pack");
        }
    }
}
