package io.imagegate.s3compat;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.HttpsConfig;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.tls.CaBundle;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.TrustManager;
import org.apache.curator.test.TestingServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A real gateway for a test class: a ZooKeeper TestingServer, a local chunk directory and the
 * S3 endpoint on a random port, with clients configured as a user would configure them
 * (path-style addressing is the only setting). Tests act as {@link #TENANT}, an ordinary user
 * created with the store's user API: the root user is an administrator who may act on every
 * bucket, and tests run as it would never meet a cross-user check. {@link #rootClient()} is for
 * what only an administrator may do.
 */
public final class GatewayFixture implements AutoCloseable {

    /** The root user's keys: an administrator. */
    public static final String ACCESS_KEY = "IGROOTACCESSKEY00001";
    public static final String SECRET_KEY = "imagegate/root/secret/key/for/tests/0001";

    /** The non-admin user the tests act as. */
    public static final String TENANT = "tenant";
    public static final String TENANT_ACCESS_KEY = "IGTENANTACCESSKEY001";
    public static final String TENANT_SECRET_KEY = "imagegate/tenant/secret/key/tests/0001";

    private final TestingServer zookeeper;
    private final Path dir;
    private final Gateway gateway;
    /** What the clients trust when the gateway serves HTTPS; null for plain HTTP. */
    private final CaBundle trust;

    private GatewayFixture(TestingServer zookeeper, Path dir, Gateway gateway, CaBundle trust) {
        this.zookeeper = zookeeper;
        this.dir = dir;
        this.gateway = gateway;
        this.trust = trust;
    }

    public static GatewayFixture start() {
        return start(HttpsConfig.OFF, null);
    }

    /** A gateway serving HTTPS on its S3 port with {@code certificate}; its clients trust {@code caBundle}. */
    public static GatewayFixture startHttps(Path certificate, Path key, Path caBundle) {
        try {
            return start(HttpsConfig.onS3Port(certificate, key), CaBundle.load(caBundle));
        } catch (IOException e) {
            throw new IllegalStateException("could not read the test CA bundle", e);
        }
    }

    private static GatewayFixture start(HttpsConfig https, CaBundle trust) {
        try {
            TestingServer zk = new TestingServer(true);
            Path dir = Files.createTempDirectory("imagegate-test-");
            Gateway gateway = startGateway(zk.getConnectString(), dir, https);
            ensureTenant(gateway.meta());
            return new GatewayFixture(zk, dir, gateway, trust);
        } catch (Exception e) {
            throw new IllegalStateException("could not start a gateway for the test", e);
        }
    }

    /** Another gateway on the same ZooKeeper and the same chunk directory: a cluster with this one. */
    public Gateway startPeer() throws IOException {
        return startGateway(zookeeper.getConnectString(), dir, HttpsConfig.OFF);
    }

    private static Gateway startGateway(String zookeeper, Path dir, HttpsConfig https) throws IOException {
        return Gateway.start(Gateway.Options.defaults(dir)
                .withZooKeeper(zookeeper)
                .withHttp(GatewayConfig.defaults().withPort(0).withHttps(https))
                .withRootCredentials(ACCESS_KEY, SECRET_KEY));
    }

    public Gateway gateway() {
        return gateway;
    }

    public URI endpoint() {
        return gateway.endpoint();
    }

    /** The ZooKeeper server itself, for tests that stop and restart it. */
    public TestingServer zookeeper() {
        return zookeeper;
    }

    public String zookeeperConnect() {
        return zookeeper.getConnectString();
    }

    public Path dataDir() {
        return dir;
    }

    /** Creates the non-admin {@link #TENANT} in a gateway's metadata, unless it exists. */
    public static void ensureTenant(MetadataStore meta) {
        if (meta.userByAccessKey(TENANT_ACCESS_KEY).isEmpty()) {
            try {
                meta.createUser(new UserRecord(TENANT, TENANT_ACCESS_KEY, TENANT_SECRET_KEY, null, false));
            } catch (MetadataException.UserExists e) {
                // created by another gateway of the same cluster meanwhile
            }
        }
    }

    /** A client acting as the non-admin {@link #TENANT}. */
    public S3Client client() {
        return client(TENANT_ACCESS_KEY, TENANT_SECRET_KEY);
    }

    /** A client acting as the root user, an administrator: for what only an administrator may do. */
    public S3Client rootClient() {
        return client(ACCESS_KEY, SECRET_KEY);
    }

    public S3Client client(String accessKey, String secretKey) {
        return client(endpoint(), accessKey, secretKey, trust);
    }

    /** A client of any plain-HTTP gateway, acting as the non-admin {@link #TENANT} (see {@link #ensureTenant}). */
    public static S3Client client(URI endpoint) {
        return client(endpoint, TENANT_ACCESS_KEY, TENANT_SECRET_KEY, null);
    }

    private static S3Client client(URI endpoint, String accessKey, String secretKey, CaBundle trust) {
        ApacheHttpClient.Builder http = ApacheHttpClient.builder().maxConnections(32);
        if (trust != null) {
            http.tlsTrustManagersProvider(() -> new TrustManager[] {trust.trustManager()});
        }
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClientBuilder(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofMinutes(2)).build())
                .build();
    }

    /** A bucket name no other test uses. */
    public static String uniqueBucket(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() throws IOException {
        gateway.close();
        zookeeper.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
