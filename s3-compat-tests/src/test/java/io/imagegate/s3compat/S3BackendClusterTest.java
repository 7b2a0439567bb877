package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imagegate.gateway.ChunkStoreOptions;
import io.imagegate.gateway.Gateway;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The scale-out shape: three gateways over a 3-server ZooKeeper ensemble (Curator's
 * TestingCluster) with their chunks in an S3 service (s3proxy in this JVM). Runs every
 * consistency scenario of {@link ClusterConsistencyTest}, and loses no acknowledged write when
 * the ZooKeeper leader is killed under load.
 */
class S3BackendClusterTest extends ClusterConsistencyTest {

    static final String CHUNKS_KEY = "CHUNKSACCESSKEY00001";
    static final String CHUNKS_SECRET = "chunks-secret-key-for-the-test-0000001";

    static TestingCluster ensemble;
    static S3Proxy s3proxy;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        ensemble = new TestingCluster(3);
        ensemble.start();
        dir = Files.createTempDirectory("imagegate-s3-cluster-");
        Properties p = new Properties();
        Files.createDirectories(dir.resolve("blobs"));
        p.setProperty("jclouds.filesystem.basedir", dir.resolve("blobs").toString());
        s3proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", p))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, CHUNKS_KEY, CHUNKS_SECRET)
                .build();
        s3proxy.start();
        for (int i = 0; i < 500 && !"STARTED".equals(s3proxy.getState()); i++) {
            Thread.sleep(10);
        }
        URI s3 = URI.create("http://127.0.0.1:" + s3proxy.getPort());
        try (S3Client admin = S3Client.builder().endpointOverride(s3).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials
                        .create(CHUNKS_KEY, CHUNKS_SECRET)).build()) {
            admin.createBucket(r -> r.bucket("imagegate-chunks"));
        }
        Gateway first = startGateway(s3, "g1");
        second = startGateway(s3, "g2");
        third = startGateway(s3, "g3");
        gatewayOne = first;
        GatewayFixture.ensureTenant(first.meta());
        a = GatewayFixture.client(first.endpoint());
        b = GatewayFixture.client(second.endpoint());
        c = GatewayFixture.client(third.endpoint());
    }

    static Gateway gatewayOne;

    private static Gateway startGateway(URI s3, String name) throws Exception {
        // each gateway has its own data directory: nothing is shared but ZooKeeper and the S3 bucket
        return Gateway.start(Gateway.Options.defaults(dir.resolve(name))
                .withZooKeeper(ensemble.getConnectString())
                .withPort(0)
                .withRootCredentials(GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY)
                .withChunks(ChunkStoreOptions.s3("s3://imagegate-chunks/cluster/", s3.toString(), CHUNKS_KEY, CHUNKS_SECRET)));
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        c.close();
        third.close();
        second.close();
        gatewayOne.close();
        s3proxy.stop();
        ensemble.close();
    }

    @Test
    void killingTheZooKeeperLeaderUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        a.createBucket(r -> r.bucket("leader-change"));
        a.putBucketVersioning(r -> r.bucket("leader-change").versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        S3Client[] clients = {a, b, c};
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<String>> writes = new ArrayList<>();
        for (int t = 0; t < 60; t++) {
            S3Client client = clients[t % 3];
            String body = "write " + t;
            String key = "k" + (t % 4);
            writes.add(pool.submit(() -> {
                try {
                    return key + "@" + client.putObject(r -> r.bucket("leader-change").key(key), RequestBody.fromString(body)).versionId();
                } catch (S3Exception e) {
                    // refused while the ensemble elects: not acknowledged, so it may be absent
                    return null;
                }
            }));
            if (t == 20) {
                TestingZooKeeperServer leader = leader();
                org.junit.jupiter.api.Assertions.assertNotNull(leader, "the ensemble has a leader to kill");
                leader.kill();
            }
        }
        Set<String> acknowledged = new HashSet<>();
        for (Future<String> f : writes) {
            String ack = f.get();
            if (ack != null) {
                acknowledged.add(ack);
            }
        }
        pool.shutdown();
        Set<String> stored = new HashSet<>();
        for (ObjectVersion v : b.listObjectVersions(r -> r.bucket("leader-change")).versions()) {
            stored.add(v.key() + "@" + v.versionId());
        }
        assertEquals(stored, acknowledged, "every acknowledged write is stored, and nothing unacknowledged is");
    }

    /** The server whose four-letter "srvr" answer says it leads. */
    private static TestingZooKeeperServer leader() throws Exception {
        for (TestingZooKeeperServer s : ensemble.getServers()) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.getInstanceSpec().getPort())) {
                socket.getOutputStream().write("srvr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                if (answer.contains("Mode: leader")) {
                    return s;
                }
            }
        }
        return null;
    }

}
