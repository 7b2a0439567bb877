package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Bytes that rot on disk are never served: the read fails, loudly, instead of returning wrong data. */
class CorruptionTest {

    static GatewayFixture gw;
    static S3Client s3;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    @Test
    void aFlippedByteInAPackFailsTheReadAndIsNeverServed() throws Exception {
        s3.createBucket(r -> r.bucket("rot"));
        byte[] data = new byte[4 << 20];
        new Random(9).nextBytes(data);
        s3.putObject(r -> r.bucket("rot").key("img"), RequestBody.fromBytes(data));
        List<Path> packs;
        try (Stream<Path> files = Files.walk(gw.dataDir().resolve("chunks"))) {
            packs = files.filter(p -> p.toString().endsWith(".pack")).toList();
        }
        assertEquals(1, packs.size(), "one upload, one pack");
        try (FileChannel ch = FileChannel.open(packs.get(0), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // the middle of the pack is the middle of some chunk's data
            long at = ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, at);
        }
        SdkException e = assertThrows(SdkException.class, () -> s3.getObjectAsBytes(r -> r.bucket("rot").key("img")));
        if (e instanceof S3Exception s3e) {
            assertEquals(500, s3e.statusCode());
        }
        // a range that avoids the damaged chunk is still served
        assertEquals(4096, s3.getObjectAsBytes(r -> r.bucket("rot").key("img").range("bytes=0-4095")).asByteArray().length);
    }
}
