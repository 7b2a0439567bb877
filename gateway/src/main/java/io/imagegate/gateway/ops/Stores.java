package io.imagegate.gateway.ops;

import io.imagegate.chunk.ChunkReader;
import io.imagegate.chunk.ChunkRepository;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.gc.StorageReports;
import io.imagegate.gateway.write.WritePath;
import io.imagegate.meta.MetadataStore;
import java.time.Clock;

/**
 * What every operation works with: metadata, the chunk layer to read, the write path (the only way
 * an operation stores chunks or publishes under a garbage-collection lease: {@link WritePath}), the
 * clock and the gateway's settings, and the storage reports (null where none are kept).
 */
public record Stores(MetadataStore meta, ChunkReader chunks, WritePath writes, Clock clock, GatewayConfig config,
                     StorageReports reports) {

    public Stores(MetadataStore meta, ChunkRepository chunks, Clock clock, GatewayConfig config,
                  StorageReports reports) {
        this(meta, chunks, new WritePath(meta, chunks), clock, config, reports);
    }

    public Stores(MetadataStore meta, ChunkRepository chunks, Clock clock, GatewayConfig config) {
        this(meta, chunks, clock, config, null);
    }
}
