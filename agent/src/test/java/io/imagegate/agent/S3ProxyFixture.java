package io.imagegate.agent;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * s3proxy in-process: the "any S3 service" peer, which knows nothing of imagegate's extensions.
 * In memory by default, or on a directory so that it can be stopped and started again (outages).
 */
public final class S3ProxyFixture implements AutoCloseable {

    public static final String ACCESS_KEY = "AGENTTESTACCESSKEY01";
    public static final String SECRET_KEY = "agent/test/secret/key/0000000000000001";

    private final Path dir;
    private S3Proxy proxy;
    private int port;

    private S3ProxyFixture(Path dir) {
        this.dir = dir;
    }

    public static S3ProxyFixture inMemory() throws Exception {
        S3ProxyFixture f = new S3ProxyFixture(null);
        f.startOn(0);
        return f;
    }

    public static S3ProxyFixture onDisk(Path dir) throws Exception {
        S3ProxyFixture f = new S3ProxyFixture(dir);
        f.startOn(0);
        return f;
    }

    private void startOn(int wanted) throws Exception {
        var store = dir == null ? new TransientNio2BlobStore() : new FilesystemNio2BlobStore(dir.toString());
        proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + wanted))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(25);
        }
        port = proxy.getPort();
    }

    /** Stops serving (connections are refused) until {@link #restart()}. */
    public void stop() throws Exception {
        proxy.stop();
    }

    /** Serves again on the same port (the data survives only on disk). */
    public void restart() throws Exception {
        startOn(port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public S3Client client() {
        return client(endpoint());
    }

    public static S3Client client(URI endpoint) {
        return client(endpoint, ACCESS_KEY, SECRET_KEY);
    }

    public static S3Client client(URI endpoint, String ak, String sk) {
        return client(endpoint, ak, sk, null);
    }

    /** A client that trusts the CA bundle {@code caBundle} (null: the JDK's authorities). */
    @SuppressWarnings("deprecation") // the Apache 4 client, as in the rest of the project
    public static S3Client client(URI endpoint, String ak, String sk, Path caBundle) {
        ApacheHttpClient.Builder http = ApacheHttpClient.builder().maxConnections(16);
        if (caBundle != null) {
            try {
                javax.net.ssl.TrustManager[] trust = {io.imagegate.tls.CaBundle.load(caBundle).trustManager()};
                http.tlsTrustManagersProvider(() -> trust);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ak, sk)))
                .httpClientBuilder(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofMinutes(2)).build())
                .build();
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop", e);
        }
    }
}
