package io.imagegate.gateway.ops;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.gc.StorageReports;
import io.imagegate.meta.MetadataStore;
import java.time.Clock;

/**
 * What every operation works with: metadata, chunks, the clock and the gateway's settings, and
 * the storage reports (null where none are kept).
 */
public record Stores(MetadataStore meta, ChunkRepository chunks, Clock clock, GatewayConfig config,
                     StorageReports reports) {

    public Stores(MetadataStore meta, ChunkRepository chunks, Clock clock, GatewayConfig config) {
        this(meta, chunks, clock, config, null);
    }
}
