package io.imagegate.bench.deploy;

import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.BaseImage;
import io.imagegate.agent.image.ExportStats;
import io.imagegate.agent.image.FetchLimits;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.image.LayeredDisk;
import io.imagegate.agent.image.OverlayLayer;
import io.imagegate.agent.nbd.NbdExport;
import io.imagegate.agent.nbd.NbdServer;
import io.imagegate.agent.prefetch.BootProfile;
import io.imagegate.agent.prefetch.Prefetcher;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.Manifest;
import io.imagegate.agent.remote.ObjectHead;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.Retries;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.remote.S3Endpoint;
import io.imagegate.bench.BenchTls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node running the agent, built from the agent's own classes the way its daemon builds an
 * attachment: a node cache in a directory of its own, a store client whose endpoint is the node's
 * link, the pinned version's manifest, the base image and its fetch path, an overlay for the guest's
 * writes, the NBD server, and (with prefetch) the boot profile walked in the background. The trace
 * is replayed by an NBD client over a unix socket, as qemu would read.
 */
final class AgentNode implements DeployNode {

    /** GETs in flight, the largest run, how far read-ahead goes: the agent's defaults (AgentConfig) but for --parallel. */
    record Settings(int parallelFetches, int maxRunBytes, int readAheadBytes) {}

    private final String name;
    private final Path dir;
    private final ShapedNetwork.NodeLink link;
    private final Gateway gateway;
    private final boolean prefetch;
    private final Settings settings;
    private final ExportStats stats = new ExportStats();
    private S3Access s3;
    private NodeCache cache;
    private NbdServer server;
    private OverlayLayer overlay;
    private Prefetcher prefetcher;
    private long attachNanos;
    private long replayNanos;

    AgentNode(String name, Path dir, ShapedNetwork.NodeLink link, Gateway gateway, boolean prefetch, Settings settings) {
        this.name = name;
        this.dir = dir;
        this.link = link;
        this.gateway = gateway;
        this.prefetch = prefetch;
        this.settings = settings;
    }

    @Override
    public void prepare() throws IOException {
        s3 = new S3Access(new S3Endpoint(link.endpoint(), Gateway.REGION, gateway.accessKey(), gateway.secretKey(), null,
                BenchTls.file()),
                settings.parallelFetches() + 4, Duration.ofSeconds(60));
        cache = NodeCache.open(dir.resolve("cache"), 16L << 30);
    }

    @Override
    public void boot(TraceReplay replay) throws Exception {
        long t0 = System.nanoTime();
        // attach: as Agent.resolve does, HEAD then the manifest
        ObjectRef wanted = new ObjectRef(gateway.bucket(), gateway.key(), null);
        ObjectHead head = s3.head(wanted);
        ObjectRef pinned = wanted.withVersion(head.versionId());
        Optional<Manifest> manifest = new ExtensionClient(s3).probe(pinned);
        if (manifest.isEmpty()) {
            throw new IOException("the gateway offered no manifest");
        }
        ImageVersion version = new ImageVersion.Chunked(pinned, manifest.get());
        FetchLimits limits = new FetchLimits(settings.parallelFetches(), settings.maxRunBytes(),
                settings.readAheadBytes(), Retries.defaults());
        BaseImage base = new BaseImage(version, s3, cache, limits, stats);
        overlay = OverlayLayer.create(dir.resolve("export"), 0, version.size());
        LayeredDisk disk = new LayeredDisk(base, overlay, List.of(), false, stats);
        server = NbdServer.unix(dir.resolve("nbd.sock"));
        server.addExport(new NbdExport(name, "bench node " + name, disk));
        if (prefetch) {
            Optional<byte[]> json = s3.getSmall(gateway.bucket(), BootProfile.keyFor(gateway.key()), 64 << 20);
            if (json.isEmpty()) {
                throw new IOException("no boot profile beside the image");
            }
            prefetcher = new Prefetcher(base, BootProfile.parse(json.get()), stats);
            prefetcher.start();
        }
        long t1 = System.nanoTime();
        attachNanos = t1 - t0;
        try (BlockTarget t = BlockTarget.nbd(NbdClient.unix(dir.resolve("nbd.sock"), name))) {
            replay.run(t);
        }
        replayNanos = System.nanoTime() - t1;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("attachMillis", attachNanos / 1_000_000);
        m.put("replayMillis", replayNanos / 1_000_000);
        m.put("fetchedBytes", stats.fetchedBytes.get());
        m.put("fetchRequests", stats.fetchRequests.get());
        m.put("fetchedChunks", stats.fetchedChunks.get());
        m.put("cacheHits", stats.cacheHits.get());
        m.put("readAheadChunks", stats.readAheadChunks.get());
        m.put("prefetchDone", stats.prefetchDone.get());
        m.put("prefetchTotal", stats.prefetchTotal.get());
        return m;
    }

    @Override
    public void close() {
        if (prefetcher != null) {
            prefetcher.stop();
        }
        if (server != null) {
            server.close();
        }
        if (overlay != null) {
            ShapedNetwork.closeQuietly(overlay);
        }
        if (cache != null) {
            ShapedNetwork.closeQuietly(cache);
        }
        if (s3 != null) {
            s3.close();
        }
    }
}
