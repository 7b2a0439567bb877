package io.imagegate.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.Gateway;
import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.HttpsConfig;
import io.imagegate.tls.CaBundle;
import io.imagegate.tls.ServerCertificate;
import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyFormat;
import io.imagegate.tls.TestCa.KeyType;
import io.imagegate.tls.TlsFileException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.TrustManager;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A gateway serving HTTPS with a certificate from a test CA: every S3 operation, health and
 * metrics over TLS; HTTPS beside plain HTTP; a renewal that reaches new connections while an open
 * one keeps going; a renewal that fails to load; a bad file at start-up.
 */
class HttpsGatewayTest {

    static final String ACCESS_KEY = "tls-test-root";
    static final String SECRET_KEY = "tls-test-root-secret-key";

    static TestCa ca;
    @TempDir
    Path dir;
    Path caFile;
    Path certFile;
    Path keyFile;
    TestCa.Issued issued;
    TestingServer zookeeper;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void makeCa() {
        ca = TestCa.create("gateway https test root");
    }

    @BeforeEach
    void files() throws Exception {
        caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        issued = ca.issue(KeyType.EC, "localhost", "127.0.0.1");
        certFile = issued.writeChain(dir.resolve("tls.crt"));
        keyFile = issued.writeKey(dir.resolve("tls.key"), KeyFormat.TRADITIONAL);
        zookeeper = new TestingServer(true);
        closing.add(zookeeper);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private Gateway start(HttpsConfig https) throws IOException {
        Gateway g = Gateway.start(Gateway.Options.defaults(dir.resolve("data")).withZooKeeper(zookeeper.getConnectString())
                .withHttp(GatewayConfig.defaults().withPort(0).withHttps(https))
                .withRootCredentials(ACCESS_KEY, SECRET_KEY));
        closing.add(g);
        return g;
    }

    private S3Client client(URI endpoint) throws IOException {
        CaBundle bundle = CaBundle.load(caFile);
        S3Client s3 = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClientBuilder(ApacheHttpClient.builder()
                        .tlsTrustManagersProvider(() -> new TrustManager[] {bundle.trustManager()}))
                .build();
        closing.add(s3);
        return s3;
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(CaBundle.load(caFile).sslContext()).build()) {
            return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private HttpsConnection connect(Gateway g) throws IOException {
        return new HttpsConnection(CaBundle.load(caFile).sslContext(), g.endpoint().getPort());
    }

    private static double metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not in /metrics"));
    }

    @Test
    void everyKindOfRequestHealthAndMetricsWorkOverHttps() throws Exception {
        Gateway g = start(HttpsConfig.onS3Port(certFile, keyFile));
        assertEquals("https", g.endpoint().getScheme());
        assertTrue(g.plainEndpoint().isEmpty());
        S3Client s3 = client(g.endpoint());

        s3.createBucket(b -> b.bucket("secure"));
        byte[] small = "over tls".getBytes();
        s3.putObject(b -> b.bucket("secure").key("small"), RequestBody.fromBytes(small));
        assertArrayEquals(small, s3.getObjectAsBytes(b -> b.bucket("secure").key("small")).asByteArray());

        byte[] part1 = new byte[5 << 20];
        byte[] part2 = new byte[1 << 20];
        new Random(1).nextBytes(part1);
        new Random(2).nextBytes(part2);
        String upload = s3.createMultipartUpload(b -> b.bucket("secure").key("disk.raw")).uploadId();
        String e1 = s3.uploadPart(b -> b.bucket("secure").key("disk.raw").uploadId(upload).partNumber(1),
                RequestBody.fromBytes(part1)).eTag();
        String e2 = s3.uploadPart(b -> b.bucket("secure").key("disk.raw").uploadId(upload).partNumber(2),
                RequestBody.fromBytes(part2)).eTag();
        s3.completeMultipartUpload(b -> b.bucket("secure").key("disk.raw").uploadId(upload).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
        byte[] whole = s3.getObjectAsBytes(b -> b.bucket("secure").key("disk.raw")).asByteArray();
        assertEquals(part1.length + part2.length, whole.length);
        assertArrayEquals(part2, java.util.Arrays.copyOfRange(whole, part1.length, whole.length));
        assertEquals(List.of("disk.raw", "small"),
                s3.listObjectsV2(b -> b.bucket("secure")).contents().stream().map(o -> o.key()).toList());

        assertEquals("live\n", get(g.endpoint().resolve("/health/live")).body());
        assertEquals(200, get(g.endpoint().resolve("/health/ready")).statusCode());
        String metrics = get(g.endpoint().resolve("/metrics")).body();
        assertEquals(issued.leaf().getNotAfter().getTime() / 1000, (long) metric(metrics, "imagegate_tls_certificate_not_after_seconds"));

        try (HttpClient plain = HttpClient.newHttpClient()) {
            URI http = URI.create("http://127.0.0.1:" + g.endpoint().getPort() + "/health/live");
            assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(http).build(),
                    HttpResponse.BodyHandlers.ofString()), "the S3 port speaks HTTPS only");
        }
    }

    @Test
    void httpsBesidePlainHttpWithTlsOnlyLeavesPlainHttpToHealthAndMetrics() throws Exception {
        Gateway g = start(HttpsConfig.onS3Port(certFile, keyFile).withHttpsPort(0).withTlsOnly(true));
        URI plain = g.plainEndpoint().orElseThrow();
        assertEquals("http", plain.getScheme());
        assertTrue(g.endpoint().getPort() != plain.getPort());

        client(g.endpoint()).createBucket(b -> b.bucket("beside"));
        try (HttpClient http = HttpClient.newHttpClient()) {
            var live = http.send(HttpRequest.newBuilder(plain.resolve("/health/live")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, live.statusCode());
            var metrics = http.send(HttpRequest.newBuilder(plain.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains("imagegate_s3_requests"), "metrics over plain HTTP");
        }
        S3Exception refused = assertThrows(S3Exception.class, () -> client(plain).listObjectsV2(b -> b.bucket("beside")));
        assertEquals(403, refused.statusCode());
        assertEquals("AccessDenied", refused.awsErrorDetails().errorCode());
        assertTrue(refused.requestId() != null && !refused.requestId().isEmpty());
        assertTrue(refused.awsErrorDetails().errorMessage().contains("HTTPS only"));
    }

    @Test
    void plainHttpBesideHttpsServesS3WithoutTlsOnly() throws Exception {
        Gateway g = start(HttpsConfig.onS3Port(certFile, keyFile).withHttpsPort(0));
        client(g.plainEndpoint().orElseThrow()).createBucket(b -> b.bucket("both"));
        assertEquals(List.of("both"), client(g.endpoint()).listBuckets().buckets().stream().map(b -> b.name()).toList());
    }

    @Test
    void aRenewedCertificateReachesNewConnectionsWhileAnOpenConnectionKeepsGoing() throws Exception {
        Gateway g = start(HttpsConfig.onS3Port(certFile, keyFile));
        ServerCertificate certificate = g.certificate().orElseThrow();
        try (HttpsConnection open = connect(g)) {
            assertEquals(200, open.get("/health/live").status());
            assertEquals(issued.leaf(), open.peer());

            TestCa.Issued renewed = ca.issue(KeyType.RSA, "localhost", "127.0.0.1");
            Files.move(renewed.writeKey(dir.resolve("tls.key.new"), KeyFormat.PKCS8), keyFile, StandardCopyOption.ATOMIC_MOVE);
            Files.move(renewed.writeChain(dir.resolve("tls.crt.new")), certFile, StandardCopyOption.ATOMIC_MOVE);
            assertInstanceOf(ServerCertificate.Reload.Reloaded.class, certificate.check());

            assertEquals(200, open.get("/health/ready").status(), "the open connection keeps going");
            assertEquals(issued.leaf(), open.peer());
            try (HttpsConnection fresh = connect(g)) {
                assertEquals(200, fresh.get("/health/live").status());
                X509Certificate seen = fresh.peer();
                assertEquals(renewed.leaf(), seen);
            }
            assertEquals(200, open.get("/health/live").status());
        }
    }

    @Test
    void aCertificateThatFailsToReloadKeepsTheOldOneAndSaysSo() throws Exception {
        Gateway g = start(HttpsConfig.onS3Port(certFile, keyFile));
        ServerCertificate certificate = g.certificate().orElseThrow();
        ca.issue(KeyType.EC, "localhost", "127.0.0.1").writeChain(certFile); // new certificate, old key: mismatched

        var failed = assertInstanceOf(ServerCertificate.Reload.Failed.class, certificate.check());
        assertTrue(failed.reason().contains(keyFile + ": is not the private key of the first certificate in " + certFile),
                failed.reason());
        try (HttpsConnection fresh = connect(g)) {
            assertEquals(200, fresh.get("/health/live").status());
            assertEquals(issued.leaf(), fresh.peer());
            assertEquals(1.0, metric(fresh.get("/metrics").body(), "imagegate_tls_reload_failures"));
        }
    }

    @Test
    void aBadCertificateFileStopsTheStartAndIsNamed() throws Exception {
        Path notACert = Files.writeString(dir.resolve("not-a-cert.pem"), "hello\n");
        TlsFileException e = assertThrows(TlsFileException.class, () -> start(HttpsConfig.onS3Port(notACert, keyFile)));
        assertEquals(notACert, e.file());
        assertTrue(e.getMessage().startsWith(notACert + ": holds no PEM block"), e.getMessage());

        Path missingKey = dir.resolve("missing.key");
        e = assertThrows(TlsFileException.class, () -> start(HttpsConfig.onS3Port(certFile, missingKey)));
        assertEquals(missingKey + ": no such file", e.getMessage());
    }
}
