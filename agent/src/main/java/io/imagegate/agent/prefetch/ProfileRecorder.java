package io.imagegate.agent.prefetch;

import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.image.ReadObserver;
import java.time.Instant;
import java.util.LinkedHashSet;

/** Records the first touch of each chunk by the guest, in order, until stopped or full. */
public final class ProfileRecorder implements ReadObserver {

    private static final int MAX_CHUNKS = 1 << 20;

    private final LinkedHashSet<Long> offsets = new LinkedHashSet<>();
    private int chunkSize;
    private boolean stopped;

    @Override
    public synchronized void read(ImageVersion version, int firstChunk, int lastChunk) {
        if (stopped) {
            return;
        }
        chunkSize = version.gridSize();
        for (int i = firstChunk; i <= lastChunk && offsets.size() < MAX_CHUNKS; i++) {
            offsets.add(version.offset(i));
        }
    }

    public synchronized int size() {
        return offsets.size();
    }

    /** Stops recording and returns the profile (possibly empty). */
    public synchronized BootProfile stop(String object, String versionId) {
        stopped = true;
        return new BootProfile(object, versionId, Instant.now(), chunkSize,
                offsets.stream().mapToLong(Long::longValue).toArray());
    }

    public synchronized boolean stopped() {
        return stopped;
    }
}
