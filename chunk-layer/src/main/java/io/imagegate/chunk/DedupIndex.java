package io.imagegate.chunk;

import java.util.Optional;

/**
 * Chunks already stored that a new upload may reuse instead of writing again: those of the
 * key's current version and of any copy or commit base. Manifests are the index; there is no
 * global chunk table.
 */
public interface DedupIndex {

    DedupIndex NONE = hash -> Optional.empty();

    Optional<ChunkRef> find(ChunkHash hash);
}
