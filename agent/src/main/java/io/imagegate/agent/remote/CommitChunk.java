package io.imagegate.agent.remote;

import io.imagegate.chunk.ChunkHash;

/** One changed chunk of a commit: where it goes, its hash, and whether its bytes travel in the body. */
public record CommitChunk(long offset, int length, ChunkHash hash, boolean upload) {

    public CommitChunk withUpload(boolean u) {
        return new CommitChunk(offset, length, hash, u);
    }
}
