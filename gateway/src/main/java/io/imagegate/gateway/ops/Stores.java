package io.imagegate.gateway.ops;

import io.imagegate.chunk.ChunkRepository;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.meta.MetadataStore;
import java.time.Clock;

/** What every operation works with: metadata, chunks, the clock and the gateway's settings. */
public record Stores(MetadataStore meta, ChunkRepository chunks, Clock clock, GatewayConfig config) {}
