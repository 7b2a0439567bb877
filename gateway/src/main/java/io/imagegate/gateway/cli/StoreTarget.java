package io.imagegate.gateway.cli;

import io.imagegate.chunk.ChunkStore;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.LocalChunkStore;
import io.imagegate.chunk.s3.S3ChunkStore;
import io.imagegate.chunk.s3.S3StoreConfig;
import io.imagegate.gateway.ChunkStoreOptions;
import io.imagegate.meta.EmbeddedZooKeeper;
import io.imagegate.meta.ZkMetadataStore;
import io.imagegate.meta.ZkStoreConfig;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a gateway's data lives, for administration commands that work while gateways run: the
 * embedded default under a data directory (its ZooKeeper attached to, or started when no gateway
 * runs; chunks in DATA/chunks, which processes may share), or an ensemble and an S3 chunk store.
 */
final class StoreTarget {

    @Option(names = "--data", description = "Data directory of an embedded-default gateway (default: ./data).")
    Path data;

    @Option(names = "--zookeeper", description = "ZooKeeper connect string of a cluster (default: the embedded one under --data).")
    String zookeeper;

    @Option(names = "--chunks", description = "Chunks in an S3 service: s3://BUCKET/PREFIX (keys from "
            + "$IMAGEGATE_CHUNKS_ACCESS_KEY/$IMAGEGATE_CHUNKS_SECRET_KEY, else the AWS default chain). Default: DATA/chunks.")
    String chunks;

    @Option(names = "--chunks-endpoint", description = "URL of the S3 service for --chunks (default: AWS S3).")
    String chunksEndpoint;

    @Mixin
    ZooKeeperAuthOption auth;

    @Option(names = "--chunks-region", description = "Region to sign chunk-store requests for (default: us-east-1).")
    String chunksRegion;

    /** What a command does with the metadata and the chunks. */
    @FunctionalInterface
    interface Action<T> {
        T run(ZkMetadataStore meta, DefaultChunkRepository chunks) throws Exception;
    }

    <T> T run(Action<T> action) throws Exception {
        Path dir = (data != null ? data : Path.of("data")).toAbsolutePath().normalize();
        EmbeddedZooKeeper.Connection embedded = zookeeper == null ? EmbeddedZooKeeper.attach(dir.resolve("zookeeper")) : null;
        try (EmbeddedZooKeeper.Connection zk = embedded;
             ZkMetadataStore meta = ZkMetadataStore.connect(zookeeper != null ? zookeeper : embedded.connectString(),
                     ZkStoreConfig.defaults().withAuth(auth.resolve()));
             DefaultChunkRepository repo = new DefaultChunkRepository(openChunks(dir))) {
            return action.run(meta, repo);
        }
    }

    private ChunkStore openChunks(Path dir) throws java.io.IOException {
        if (chunks == null) {
            return LocalChunkStore.open(dir.resolve("chunks"));
        }
        S3StoreConfig config = S3StoreConfig.fromUri(chunks, chunksEndpoint, System.getenv(ChunkStoreOptions.ACCESS_ENV),
                System.getenv(ChunkStoreOptions.SECRET_ENV));
        return S3ChunkStore.open(chunksRegion == null ? config : config.withRegion(chunksRegion));
    }
}
