package io.imagegate.gateway.cli;

import io.imagegate.chunk.FaultInjectingChunkStore;
import io.imagegate.gateway.ChunkStoreOptions;
import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.HttpsConfig;
import io.imagegate.gateway.RootCredentials;
import io.imagegate.gateway.gc.GcOptions;
import io.imagegate.tls.ServerCertificate;
import io.imagegate.tls.TlsFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code imagegate serve}: runs a gateway until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the S3 gateway. By default: chunks and an embedded ZooKeeper under --data.")
final class ServeCommand implements Runnable {

    @Option(names = "--data", defaultValue = "./data", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--port", defaultValue = "9000", description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--zookeeper", description = "Join this ZooKeeper ensemble (host:port,...) instead of embedding one.")
    String zookeeper;

    @Mixin
    ZooKeeperAuthOption zookeeperAuth;

    @Option(names = "--zookeeper-port", defaultValue = "0",
            description = "Client port of the embedded ZooKeeper (default: any free port, written to DATA/zookeeper).")
    int zookeeperPort;

    @Option(names = "--region", defaultValue = "us-east-1", description = "Region the gateway reports (default: ${DEFAULT-VALUE}).")
    String region;

    @Option(names = "--domain", split = ",", defaultValue = "localhost",
            description = "Host names for virtual-hosted-style requests (bucket.DOMAIN); default: ${DEFAULT-VALUE}.")
    List<String> domains;

    @Option(names = "--chunk-size", defaultValue = "65536",
            description = "Chunk size of new buckets in bytes, a power of two from 4096 to 4194304 (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--chunks", description = "Keep chunks in an S3 service: s3://BUCKET/PREFIX (keys from "
            + "$IMAGEGATE_CHUNKS_ACCESS_KEY/$IMAGEGATE_CHUNKS_SECRET_KEY, else the AWS default chain). Default: DATA/chunks.")
    String chunks;

    @Option(names = "--chunks-endpoint", description = "URL of the S3 service for --chunks (default: AWS S3).")
    String chunksEndpoint;

    @Option(names = "--chunks-region", description = "Region to sign chunk-store requests for (default: us-east-1).")
    String chunksRegion;

    @Option(names = "--chunks-cache-mb", defaultValue = "256", description = "Memory cache in front of --chunks, MiB (default: ${DEFAULT-VALUE}).")
    long chunksCacheMb;

    @Option(names = "--chunks-cache-dir", description = "Optional disk tier of that cache.")
    Path chunksCacheDir;

    @Option(names = "--chunks-cache-dir-mb", defaultValue = "10240", description = "Bound of the disk tier, MiB (default: ${DEFAULT-VALUE}).")
    long chunksCacheDirMb;

    @Option(names = "--gc-interval", defaultValue = "1h", converter = DurationConverter.class,
            description = "Time between garbage collections; every gateway tries, one at a time collects (default: ${DEFAULT-VALUE}).")
    Duration gcInterval;

    @Option(names = "--gc-delay", defaultValue = "10m", converter = DurationConverter.class,
            description = "Time from start-up to the first garbage collection (default: ${DEFAULT-VALUE}).")
    Duration gcDelay;

    @Option(names = "--gc-grace", defaultValue = "1h", converter = DurationConverter.class,
            description = "The collector never touches packs younger than this (default: ${DEFAULT-VALUE}).")
    Duration gcGrace;

    @Option(names = "--no-gc", description = "Collect garbage only when `imagegate gc` asks.")
    boolean noGc;

    // bench/run chaos only, hidden from --help and off unless given: chunk-store faults in this process
    @Option(names = "--chaos-chunk-failures", hidden = true, defaultValue = "0",
            description = "Fraction of chunk-store reads and seals that fail (benchmarks only).")
    double chaosChunkFailures;

    @Option(names = "--chaos-chunk-delay", hidden = true, defaultValue = "0s", converter = DurationConverter.class,
            description = "Delay before every chunk-store read (benchmarks only).")
    Duration chaosChunkDelay;

    @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:IMAGEGATE_TLS_CERT}",
            description = "Serve HTTPS with this PEM certificate chain (leaf first); re-read when it changes "
                    + "(default: $IMAGEGATE_TLS_CERT).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:IMAGEGATE_TLS_KEY}",
            description = "The PEM private key of --tls-cert: RSA or EC, PKCS#1, SEC1 or PKCS#8, unencrypted "
                    + "(default: $IMAGEGATE_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--https-port", paramLabel = "N", defaultValue = "${env:IMAGEGATE_HTTPS_PORT}",
            description = "Serve HTTPS on this port and keep plain HTTP on --port (default: HTTPS on --port, no plain HTTP).")
    Integer httpsPort;

    @Option(names = "--tls-only", description = "With --https-port: plain HTTP serves only /health and /metrics; "
            + "S3 requests there get 403 AccessDenied (without --https-port there is no plain HTTP anyway).")
    boolean tlsOnly;

    @Option(names = "--tls-reload-check", defaultValue = "10s", converter = DurationConverter.class,
            description = "How often the certificate files are looked at for a renewal (default: ${DEFAULT-VALUE}).")
    Duration tlsReloadCheck;

    @Option(names = "--public-bucket-metrics", description = "Serve the per-bucket series of /metrics (every "
            + "tenant's bucket names and sizes) to unauthenticated scrapes too; otherwise only to a scrape signed by "
            + "an administrator.")
    boolean publicBucketMetrics;

    @Override
    public void run() {
        GatewayConfig defaults = GatewayConfig.defaults();
        if (chunkSize < GatewayConfig.MIN_CHUNK_SIZE || chunkSize > GatewayConfig.MAX_CHUNK_SIZE || Integer.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("--chunk-size must be a power of two from 4096 to 4194304");
        }
        GatewayConfig http = new GatewayConfig(host, port, region, domains, chunkSize, defaults.maxPutSize(),
                defaults.minPartSize(), defaults.maxSkew(), https()).withPublicBucketMetrics(publicBucketMetrics);
        ChunkStoreOptions store = chunks == null ? ChunkStoreOptions.local()
                : new ChunkStoreOptions(chunks, chunksEndpoint, chunksRegion,
                        System.getenv(ChunkStoreOptions.ACCESS_ENV), System.getenv(ChunkStoreOptions.SECRET_ENV), chunksCacheMb << 20, chunksCacheDir, chunksCacheDirMb << 20);
        Gateway.Options options = new Gateway.Options(data, zookeeper, zookeeperPort, http, null, store)
                .withZooKeeperAuth(zookeeperAuth.resolve())
                .withGc(GcOptions.defaults().withInterval(gcInterval).withInitialDelay(gcDelay).withGrace(gcGrace)
                        .withPeriodic(!noGc));
        Gateway gateway;
        try {
            gateway = Gateway.start(options, chaosFaults());
        } catch (TlsFileException e) {
            String flag = e.file().equals(tlsCert) ? "--tls-cert " : "--tls-key ";
            throw new IllegalStateException("could not start: " + flag + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start: " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "imagegate-shutdown"));
        banner(gateway);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpsConfig https() {
        if (tlsCert == null && tlsKey == null) {
            if (httpsPort != null || tlsOnly) {
                throw new IllegalArgumentException("--https-port and --tls-only need --tls-cert and --tls-key");
            }
            return HttpsConfig.OFF;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new IllegalArgumentException(tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        }
        return new HttpsConfig(tlsCert, tlsKey, httpsPort == null ? HttpsConfig.ON_S3_PORT : httpsPort, tlsOnly,
                tlsReloadCheck);
    }

    /** No faults, unless the hidden benchmark options ask for chunk-store failures or delays. */
    private Gateway.Faults chaosFaults() {
        if (chaosChunkFailures <= 0 && chaosChunkDelay.isZero()) {
            return Gateway.Faults.NONE;
        }
        System.err.println("imagegate: chunk-store fault injection is ON (failures " + chaosChunkFailures + ", read delay "
                + chaosChunkDelay + "): for benchmarks only");
        return Gateway.Faults.NONE.withChunkStore(s -> new FaultInjectingChunkStore(s)
                .failRandomly(chaosChunkFailures, System.nanoTime()).delayReads(chaosChunkDelay));
    }

    private void banner(Gateway gateway) {
        RootCredentials root = gateway.root();
        Optional<ServerCertificate> tls = gateway.certificate();
        String endpoint = tls.map(c -> ClientHints.endpoint(gateway.endpoint(), c.current().leaf()))
                .orElse(gateway.endpoint()).toString();
        System.out.println();
        System.out.println("imagegate " + Version.get() + " is serving S3 at " + endpoint);
        if (tls.isPresent()) {
            System.out.println("  tls:       " + tls.get().current().describe());
            System.out.println("             from " + tlsCert.toAbsolutePath() + " and " + tlsKey.toAbsolutePath()
                    + ", read again when they change");
            gateway.plainEndpoint().ifPresent(plain -> System.out.println("  plain:     " + plain
                    + (tlsOnly ? " (health and metrics only)" : "")));
        }
        System.out.println("  data:      " + data.toAbsolutePath().normalize());
        System.out.println("  chunks:    " + gateway.chunkStoreDescription());
        System.out.println("  zookeeper: " + (zookeeper != null ? zookeeper
                : gateway.embeddedZooKeeper().orElse("?") + " (embedded)"));
        String ak;
        String sk;
        if (root.source().equals("environment")) {
            System.out.println("  root user: keys from $" + RootCredentials.ACCESS_ENV + " and $" + RootCredentials.SECRET_ENV);
            ak = "$" + RootCredentials.ACCESS_ENV;
            sk = "$" + RootCredentials.SECRET_ENV;
        } else {
            System.out.println("  root user: keys " + (root.generated() ? "generated and saved in " : "from ") + root.source());
            System.out.println("    access key: " + root.accessKey());
            System.out.println("    secret key: " + root.secretKey());
            ak = root.accessKey();
            sk = root.secretKey();
        }
        System.out.println();
        System.out.println("Try it:");
        System.out.println("  export AWS_ACCESS_KEY_ID=" + ak + " AWS_SECRET_ACCESS_KEY=" + sk + " AWS_DEFAULT_REGION=" + region);
        String aws = "aws --endpoint-url " + endpoint;
        if (tls.isPresent()) {
            String bundle = ClientHints.caBundle(tlsCert, tls.get().current().chain());
            if (bundle.equals(ClientHints.CA_PLACEHOLDER)) {
                System.out.println("  # " + ClientHints.CA_PLACEHOLDER + ": the certificate of the CA that issued "
                        + tlsCert.toAbsolutePath() + " (no --ca-bundle for a publicly trusted one)");
            }
            aws += " --ca-bundle " + bundle;
        }
        System.out.println("  " + aws + " s3 mb s3://images");
        System.out.println("  " + aws + " s3 cp disk.raw s3://images/disk.raw");
        System.out.println();
        System.out.flush();
    }
}
