package io.imagegate.agent.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/** Tests' access to the bytes of a cache entry on disk: reading them, and damaging them. */
public final class CacheFiles {

    private CacheFiles() {}

    /** The entry's payload as it is on disk. */
    public static byte[] payload(NodeCache c, CacheKey k) throws IOException {
        NodeCache.Location l = c.location(k).orElseThrow(() -> new AssertionError("no entry " + k.name()));
        ByteBuffer b = ByteBuffer.allocate(l.length());
        try (FileChannel ch = FileChannel.open(l.file(), StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b, l.offset() + b.position()) > 0) {
                // keep reading
            }
        }
        return b.array();
    }

    /** Flips the bits of the payload's byte {@code at} on disk, behind the cache's back. */
    public static void flip(NodeCache c, CacheKey k, int at) throws IOException {
        NodeCache.Location l = c.location(k).orElseThrow(() -> new AssertionError("no entry " + k.name()));
        try (FileChannel ch = FileChannel.open(l.file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, l.offset() + at);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).clear();
            ch.write(one, l.offset() + at);
        }
    }
}
