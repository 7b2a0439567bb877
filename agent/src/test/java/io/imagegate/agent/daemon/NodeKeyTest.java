package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.GatewayFixture;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.meta.PolicyDocument;
import io.imagegate.meta.UserRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The node key of README.md ("A node key"), its policy read from the README itself, used by a real
 * agent against a real gateway: the node's user, which owns nothing, attaches images of another
 * user's bucket, reads them, and commits snapshots of {@code vm-*} disks; a snapshot of any other
 * key, an image in another bucket, and every delete are 403 AccessDenied, and the images stay as
 * they were.
 */
class NodeKeyTest {

    static final String OWNER_AK = "AKIANODEKEYOWNER0001";
    static final String OWNER_SK = "node-key-owner-secret-0001";
    static final String NODE_AK = "AKIANODEKEYNODE00001";
    static final String NODE_SK = "node-key-node-secret-00001";

    /** The node-key policy exactly as README.md shows it. */
    static String readmePolicy() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.readString(dir.resolve("README.md")).contains("node-key.json")) {
            dir = dir.getParent();
            assertTrue(dir != null, "README.md with the node-key policy, above " + Path.of("").toAbsolutePath());
        }
        String readme = Files.readString(dir.resolve("README.md"));
        String start = "cat > node-key.json <<'JSON'\n";
        int a = readme.indexOf(start);
        int b = readme.indexOf("\nJSON\n", a);
        assertTrue(a >= 0 && b > a, "README.md shows the node-key policy");
        return readme.substring(a + start.length(), b + 1);
    }

    static void denied(Executable call) {
        S3Exception e = assertThrows(S3Exception.class, call);
        assertEquals(403, e.statusCode(), e.getMessage());
        assertEquals("AccessDenied", e.awsErrorDetails().errorCode());
    }

    @Test
    void aNodeKeyReadsImagesCommitsSnapshotsOfVmDisksAndDeletesNothing(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        Tools.require("nbdcopy");
        try (GatewayFixture gw = GatewayFixture.start()) {
            gw.gateway().meta().createUser(new UserRecord("tenant", OWNER_AK, OWNER_SK, null, false));
            gw.gateway().meta().createUser(new UserRecord("node-7", NODE_AK, NODE_SK, null, false));
            gw.gateway().meta().putUserPolicy("node-7", new PolicyDocument(readmePolicy()));
            try (S3Client owner = S3ProxyFixture.client(gw.endpoint(), OWNER_AK, OWNER_SK, null);
                 S3Client node = S3ProxyFixture.client(gw.endpoint(), NODE_AK, NODE_SK, null);
                 Agent agent = AgentHarness.start(dir)) {
                byte[] base = Images.disk(2 * 1024 * 1024 + 333, 7);
                Images.bucket(owner, "images", true);
                Images.bucket(owner, "other", true);
                String baseVersion = Images.put(owner, "images", "base/debian.raw", base);
                String vmVersion = Images.put(owner, "images", "vm-7.raw", base);
                String otherVersion = Images.put(owner, "other", "vm-7.raw", base);

                // reads: a base image, through the manifest path
                AttachResult read = agent.attach(AgentHarness.attach(gw.endpoint(), "s3://images/base/debian.raw",
                        NODE_AK, NODE_SK).withExport("base").withMode("manifest"));
                assertEquals(baseVersion, read.versionId());
                Path copy = dir.resolve("base.raw");
                Tools.ok(List.of("nbdcopy", read.url(), copy.toString()));
                assertArrayEquals(base, Files.readAllBytes(copy));

                // commits: a snapshot of the VM's disk is a new version the owner reads
                AttachResult vm = agent.attach(AgentHarness.attach(gw.endpoint(), "s3://images/vm-7.raw",
                        NODE_AK, NODE_SK).withExport("vm").withMode("manifest"));
                assertEquals(vmVersion, vm.versionId());
                QemuIo.run(vm.url(), "write -P 0x5a 65536 65536", "flush");
                SnapshotResult snap = agent.snapshot("vm", true);
                byte[] expected = base.clone();
                QemuIo.apply(expected, 0x5a, 65536, 65536);
                assertArrayEquals(expected, Images.get(node, "images", "vm-7.raw", snap.versionId()));
                assertArrayEquals(base, Images.get(owner, "images", "vm-7.raw", vmVersion), "the old version stays");
                // the snapshot is the node's version (a version belongs to its writer): the bucket's
                // owner reads it once its bucket policy allows it to (README, "A node key")
                denied(() -> Images.get(owner, "images", "vm-7.raw", snap.versionId()));
                owner.putBucketPolicy(r -> r.bucket("images").policy("{\"Version\":\"2012-10-17\",\"Statement\":[{"
                        + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::000000000000:user/tenant\"},"
                        + "\"Action\":[\"s3:GetObject\",\"s3:GetObjectVersion\"],\"Resource\":\"arn:aws:s3:::images/*\"}]}"));
                assertArrayEquals(expected, Images.get(owner, "images", "vm-7.raw", snap.versionId()));

                // a snapshot of a key outside vm-*: refused, nothing written
                QemuIo.run(read.url(), "write -P 0x66 0 4096", "flush");
                AgentException refused = assertThrows(AgentException.class, () -> agent.snapshot("base", true));
                assertTrue(refused.getMessage().contains("403") || refused.getMessage().contains("AccessDenied"),
                        refused.getMessage());
                assertEquals(baseVersion, owner.headObject(r -> r.bucket("images").key("base/debian.raw")).versionId());
                assertArrayEquals(base, Images.get(owner, "images", "base/debian.raw", null));

                // another bucket: not even attached
                AgentException elsewhere = assertThrows(AgentException.class, () -> agent.attach(AgentHarness.attach(
                        gw.endpoint(), "s3://other/vm-7.raw", NODE_AK, NODE_SK).withExport("other")));
                assertTrue(elsewhere.getMessage().contains("403") || elsewhere.getMessage().contains("AccessDenied"),
                        elsewhere.getMessage());

                // every delete, with the node's key, of what it may read and commit to
                denied(() -> node.deleteObject(r -> r.bucket("images").key("vm-7.raw")));
                denied(() -> node.deleteObject(r -> r.bucket("images").key("vm-7.raw").versionId(snap.versionId())));
                denied(() -> node.deleteObject(r -> r.bucket("images").key("base/debian.raw")));
                denied(() -> node.deleteObject(r -> r.bucket("other").key("vm-7.raw").versionId(otherVersion)));
                denied(() -> node.deleteObjects(r -> r.bucket("images").delete(Delete.builder().objects(
                        ObjectIdentifier.builder().key("vm-7.raw").build()).build())));
                denied(() -> node.deleteBucket(r -> r.bucket("images")));
                denied(() -> node.deleteBucketPolicy(r -> r.bucket("images")));
                denied(() -> node.createBucket(r -> r.bucket("node-7-own")));
                denied(() -> node.putObject(r -> r.bucket("images").key("vm-7.raw"),
                        software.amazon.awssdk.core.sync.RequestBody.fromString("over")));
                assertEquals(snap.versionId(), owner.headObject(r -> r.bucket("images").key("vm-7.raw")).versionId());
                assertEquals(3, owner.listObjectVersions(r -> r.bucket("images")).versions().size(),
                        "base, vm-7 and its snapshot: nothing deleted");
            }
        }
    }
}
