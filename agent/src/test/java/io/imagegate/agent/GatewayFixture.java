package io.imagegate.agent;

import io.imagegate.gateway.Gateway;
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

    private GatewayFixture(TestingServer zookeeper, Path dir, Gateway gateway) {
        this.zookeeper = zookeeper;
        this.dir = dir;
        this.gateway = gateway;
    }

    public static GatewayFixture start() throws Exception {
        TestingServer zk = new TestingServer(true);
        Path dir = Files.createTempDirectory("agent-gateway-");
        try {
            Gateway gw = Gateway.start(Gateway.Options.defaults(dir)
                    .withZooKeeper(zk.getConnectString())
                    .withPort(0)
                    .withRootCredentials(ACCESS_KEY, SECRET_KEY));
            return new GatewayFixture(zk, dir, gw);
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
        return S3ProxyFixture.client(endpoint(), ACCESS_KEY, SECRET_KEY);
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
