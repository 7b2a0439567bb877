package io.imagegate.gateway.gc;

import io.imagegate.chunk.CollectorConfig;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ReferenceAudit;
import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.meta.ZkMetadataStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Gateways for the collector's specifications: a real ZooKeeper (TestingServer), gateways on it
 * sharing one local chunk directory, AWS SDK clients, and the reference audit over everything
 * the metadata holds.
 */
final class GcHarness implements AutoCloseable {

    static final String ACCESS_KEY = "gc-test-root";
    static final String SECRET_KEY = "gc-test-root-secret-key";
    /** Small chunks and parts, so small objects make many chunks and multipart uploads are cheap. */
    static final int CHUNK = 4096;

    final TestingServer zookeeper;
    final Path dir;
    final List<Gateway> gateways = new ArrayList<>();
    final List<S3Client> clients = new ArrayList<>();

    GcHarness() throws Exception {
        zookeeper = new TestingServer(true);
        dir = Files.createTempDirectory("imagegate-gc-");
    }

    /** A gateway on the shared ZooKeeper and chunk directory, collecting per {@code gc}. */
    Gateway start(GcOptions gc) throws IOException {
        GatewayConfig http = new GatewayConfig("127.0.0.1", 0, "us-east-1", List.of("localhost"), CHUNK,
                5L << 30, CHUNK, Duration.ofMinutes(15));
        Gateway g = Gateway.start(Gateway.Options.defaults(dir).withZooKeeper(zookeeper.getConnectString())
                .withHttp(http).withRootCredentials(ACCESS_KEY, SECRET_KEY).withGc(gc));
        gateways.add(g);
        clients.add(client(g.endpoint()));
        return g;
    }

    /** Collections only when asked. */
    static GcOptions manual() {
        return GcOptions.defaults().withPeriodic(false).withGrace(Duration.ZERO);
    }

    static S3Client client(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(32))
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofMinutes(2)).build())
                .build();
    }

    static ZkMetadataStore meta(Gateway g) {
        return (ZkMetadataStore) g.meta();
    }

    static DefaultChunkRepository repo(Gateway g) {
        return (DefaultChunkRepository) g.chunks();
    }

    /** A collector over gateway {@code g}'s stores with no grace period, and an optional hook. */
    static GarbageCollection collector(Gateway g, CollectorConfig.SweepHook hook) {
        return new GarbageCollection(meta(g), repo(g), CollectorConfig.defaults().withGrace(Duration.ZERO)
                .withMaxPackBytes(repo(g).config().maxPackBytes()).withHook(hook));
    }

    /** The reference audit of everything the metadata holds, as the collector's threshold sees it. */
    static ReferenceAudit.Result audit(Gateway g) throws IOException {
        List<ManifestRoot> roots = new ArrayList<>();
        meta(g).visitLiveRoots(null, r -> roots.add(ManifestRoot.decode(r.manifest())));
        return ReferenceAudit.run(repo(g), roots, 0.5);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A SigV4-signed GET of {@code pathAndQuery} (query parameters without values), as any SDK's signer makes it. */
    static HttpResponse<String> signedGet(URI endpoint, String path, String query, String accessKey, String secret)
            throws IOException, InterruptedException {
        SdkHttpFullRequest.Builder http = SdkHttpFullRequest.builder().method(SdkHttpMethod.GET)
                .protocol(endpoint.getScheme()).host(endpoint.getHost()).port(endpoint.getPort()).encodedPath(path);
        for (String p : query.split("&")) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq < 0) {
                http.putRawQueryParameter(p, (String) null);
            } else {
                http.putRawQueryParameter(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        var signed = AwsV4HttpSigner.create().sign(r -> r.request(http.build())
                .identity(AwsCredentialsIdentity.create(accessKey, secret))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false));
        HttpRequest.Builder req = HttpRequest.newBuilder(signed.request().getUri()).GET();
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(v -> req.header(name, v));
            }
        });
        return HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        clients.forEach(S3Client::close);
        for (Gateway g : gateways.reversed()) {
            g.close();
        }
        zookeeper.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
