package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.Tools;
import io.imagegate.tls.TestCa;
import io.imagegate.tls.TestCa.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The agent against a gateway that serves HTTPS with a certificate from a test CA: with the CA
 * bundle it reads (presigned range GETs) and commits snapshots (SDK calls and the commit extension)
 * over TLS, in both the manifest and the plain-S3 paths; without it, or with a bad bundle, attach
 * fails and says why.
 */
class HttpsEndpointTest {

    private static final int SIZE = 3 * 1024 * 1024 + 333;
    @TempDir
    static Path tls;
    private static Path caBundle;
    private static GatewayFixture gateway;
    private static S3Client s3;
    private static byte[] image;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = TestCa.create("agent https root");
        ca.issue(KeyType.EC, "localhost", "127.0.0.1").writeTo(tls);
        caBundle = ca.writeCertificate(tls.resolve("ca.pem"));
        gateway = GatewayFixture.startHttps(tls.resolve("tls.crt"), tls.resolve("tls.key"), caBundle);
        s3 = gateway.client();
        Images.bucket(s3, "images", true);
        image = Images.disk(SIZE, 21);
        Images.put(s3, "images", "disk.raw", image);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private static AttachRequest attach(String object, String export) {
        return AgentHarness.attach(gateway.endpoint(), object, GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY)
                .withExport(export);
    }

    @Test
    void readsAndSnapshotsOverHttpsWithTheCaBundle(@TempDir Path dir) throws Exception {
        Tools.require("nbdcopy");
        Tools.require("qemu-io");
        assertTrue(gateway.endpoint().toString().startsWith("https://"));
        try (Agent agent = AgentHarness.start(dir)) {
            for (String mode : List.of("manifest", "plain")) {
                String key = "disk-" + mode + ".raw";
                Images.put(s3, "images", key, image);
                AttachResult a = agent.attach(attach("s3://images/" + key, mode).withMode(mode)
                        .withCaBundle(caBundle.toString()));
                assertEquals(mode, a.mode());
                Path out = dir.resolve(mode + ".raw");
                Tools.ok(List.of("nbdcopy", a.url(), out.toString()));
                assertArrayEquals(image, Files.readAllBytes(out), mode);
                assertTrue(AgentHarness.export(agent, mode).fetchRequests() > 0);

                QemuIo.run(a.url(), "write -P 0x5a 65536 4096", "flush");
                SnapshotResult snap = agent.snapshot(mode, true);
                byte[] expected = image.clone();
                QemuIo.apply(expected, 0x5a, 65536, 4096);
                assertArrayEquals(expected, Images.get(s3, "images", key, snap.versionId()), mode);
            }
        }
    }

    @Test
    void theAttachCommandTakesCaBundleAsAwsCliDoes(@TempDir Path dir) throws Exception {
        try (Agent agent = AgentHarness.start(dir)) {
            String control = dir.resolve("control.sock").toString();
            System.setProperty("aws.accessKeyId", GatewayFixture.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", GatewayFixture.SECRET_KEY);
            try {
                Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a bundle\n");
                var refused = cli("attach", "s3://images/disk.raw", "--endpoint", gateway.endpoint().toString(),
                        "--ca-bundle", garbage.toString(), "--listen", "127.0.0.1:0", "--profile", "off", "--control", control);
                assertEquals(1, refused.exit());
                assertTrue(refused.err().contains("--ca-bundle " + garbage + ": holds no PEM block"), refused.err());

                var attached = cli("attach", "s3://images/disk.raw", "--endpoint", gateway.endpoint().toString(),
                        "--ca-bundle", caBundle.toString(), "--listen", "127.0.0.1:0", "--profile", "off", "--control", control);
                assertEquals(0, attached.exit(), attached.err());
                assertTrue(attached.out().strip().startsWith("nbd://127.0.0.1:"), attached.out());
                assertEquals(caBundle.toString(), AttachmentRecord.read(dir.resolve("data/exports/disk.raw")).caBundle(),
                        "kept for a restart of the agent");
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        }
    }

    private static CommandLineTest.Run cli(String... args) {
        return CommandLineTest.cli(args);
    }

    @Test
    void withoutTheCaBundleOrWithABadOneAttachFailsSayingWhy(@TempDir Path dir) throws Exception {
        try (Agent agent = AgentHarness.start(dir)) {
            AgentException untrusted = assertThrows(AgentException.class, () -> agent.attach(attach("s3://images/disk.raw", "a")));
            assertTrue(untrusted.getMessage().contains("PKIX path building failed")
                    || untrusted.getMessage().contains("unable to find valid certification path"), untrusted.getMessage());

            Path missing = dir.resolve("missing-ca.pem");
            AgentException bad = assertThrows(AgentException.class,
                    () -> agent.attach(attach("s3://images/disk.raw", "b").withCaBundle(missing.toString())));
            assertEquals("--ca-bundle " + missing + ": no such file", bad.getMessage());

            Path otherCa = TestCa.create("another root").writeCertificate(dir.resolve("other-ca.pem"));
            AgentException wrong = assertThrows(AgentException.class,
                    () -> agent.attach(attach("s3://images/disk.raw", "c").withCaBundle(otherCa.toString())));
            assertTrue(wrong.getMessage().contains("PKIX path building failed")
                    || wrong.getMessage().contains("unable to find valid certification path"), wrong.getMessage());
            assertTrue(agent.status().exports().isEmpty());
        }
    }
}
