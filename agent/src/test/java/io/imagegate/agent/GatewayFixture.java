package io.imagegate.agent;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.HttpsConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import software.amazon.awssdk.services.s3.S3Client;

/** A real imagegate gateway in-process: ZooKeeper's TestingServer, a chunk directory, a random port. */
public final class GatewayFixture implements AutoCloseable {

    public static final String ACCESS_KEY = "IGROOTACCESSKEY00001";
    public static final String SECRET_KEY = "imagegate/root/secret/key/for/tests/0001";

    private final TestingServer zookeeper;
    private final Path dir;
    private final Gateway gateway;
    /** The CA bundle clients trust when the gateway serves HTTPS; null for plain HTTP. */
    private final Path caBundle;

    private GatewayFixture(TestingServer zookeeper, Path dir, Gateway gateway, Path caBundle) {
        this.zookeeper = zookeeper;
        this.dir = dir;
        this.gateway = gateway;
        this.caBundle = caBundle;
    }

    public static GatewayFixture start() throws Exception {
        return start(HttpsConfig.OFF, null);
    }

    /** A gateway serving HTTPS with {@code certificate}, whose clients trust {@code caBundle}. */
    public static GatewayFixture startHttps(Path certificate, Path key, Path caBundle) throws Exception {
        return start(HttpsConfig.onS3Port(certificate, key), caBundle);
    }

    private static GatewayFixture start(HttpsConfig https, Path caBundle) throws Exception {
        TestingServer zk = new TestingServer(true);
        Path dir = Files.createTempDirectory("agent-gateway-");
        try {
            Gateway gw = Gateway.start(Gateway.Options.defaults(dir)
                    .withZooKeeper(zk.getConnectString())
                    .withHttp(GatewayConfig.defaults().withPort(0).withHttps(https))
                    .withRootCredentials(ACCESS_KEY, SECRET_KEY));
            return new GatewayFixture(zk, dir, gw, caBundle);
        } catch (Exception | Error e) {
            zk.close();
            throw e;
        }
    }

    public URI endpoint() {
        return gateway.endpoint();
    }

    /** The gateway itself, for what no S3 call does (users). */
    public Gateway gateway() {
        return gateway;
    }

    public S3Client client() {
        return S3ProxyFixture.client(endpoint(), ACCESS_KEY, SECRET_KEY, caBundle);
    }

    private boolean closed;

    /** Stops the gateway and its ZooKeeper (a second call does nothing). */
    @Override
    public void close() throws java.io.IOException {
        if (closed) {
            return;
        }
        closed = true;
        gateway.close();
        zookeeper.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
