package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.ListQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZKUtil;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** A store with a ZooKeeper identity keeps its metadata, secret keys among it, from every other client. */
class ZkAuthTest extends ZkTestSupport {

    private static final ZkAuth IDENTITY = new ZkAuth("imagegate", "a-long-zk-password");

    private ZkStoreConfig secured(String root, ZkAuth auth) {
        return config().withRoot(root).withAuth(auth);
    }

    private ZooKeeper rawClient(ZkAuth auth) throws Exception {
        ZooKeeper zk = new ZooKeeper(server.getConnectString(), 10_000, e -> { });
        if (auth != null) {
            zk.addAuthInfo("digest", auth.digestBytes());
        }
        return zk;
    }

    /** A root with a user, a bucket, a key and a collector lock held: every kind of znode the store creates. */
    private ZkMetadataStore populated(String root) {
        ZkMetadataStore s = newStore(secured(root, IDENTITY));
        s.createUser(new UserRecord("ann", "AK" + bucket, "secret-of-ann", null, false));
        s.createBucket(new BucketRecord(bucket, "ann", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536,
                "us-east-1"));
        s.publish(bucket, draft("disk.raw", "e1"), WriteCondition.NONE);
        return s;
    }

    @Test
    void noOtherClientOfTheEnsembleCanReadOrChangeAnyZnodeTheStoreCreated() throws Exception {
        String root = "/secured-" + bucket;
        ZkMetadataStore s = populated(root);
        try (GcCoordination.CollectorLock lock = s.gc().tryLock(Duration.ofSeconds(5)).orElseThrow();
             ZooKeeper owner = rawClient(IDENTITY);
             ZooKeeper stranger = rawClient(null);
             ZooKeeper impostor = rawClient(new ZkAuth("imagegate", "not-the-password"))) {
            List<String> all = ZKUtil.listSubTreeBFS(owner, root);
            assertTrue(all.size() > 30, "expected the whole tree, got " + all);
            List<String> open = new ArrayList<>();
            for (String path : all) {
                List<ACL> acl = owner.getACL(path, new Stat());
                if (acl.size() != 1 || !acl.getFirst().getId().getScheme().equals("digest")
                        || !acl.getFirst().getId().getId().startsWith("imagegate:")
                        || acl.getFirst().getPerms() != ZooDefs.Perms.ALL) {
                    open.add(path + " " + acl);
                }
                for (ZooKeeper other : List.of(stranger, impostor)) {
                    assertThrows(KeeperException.NoAuthException.class, () -> other.getData(path, false, null), path);
                    assertThrows(KeeperException.NoAuthException.class, () -> other.getChildren(path, false), path);
                }
            }
            assertEquals(List.of(), open, "znodes not restricted to the store's identity");
            String user = s.ctxForTests().layout.user("ann");
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.setData(user, new byte[0], -1));
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.create(user + "/x", new byte[0],
                    ZooDefs.Ids.OPEN_ACL_UNSAFE, org.apache.zookeeper.CreateMode.PERSISTENT));
        }
    }

    @Test
    void everyStoreWithTheSameIdentitySeesEverything() {
        String root = "/secured-" + bucket;
        populated(root);
        ZkMetadataStore other = newStore(secured(root, IDENTITY));
        assertEquals("secret-of-ann", other.userByAccessKey("AK" + bucket).orElseThrow().secretKey());
        assertTrue(other.bucket(bucket).isPresent());
        assertEquals(Optional.of("e1"), other.list(bucket, new ListQuery(null, null, null, 10)).contents().stream()
                .map(VersionRecord::etag).findFirst());
    }

    @Test
    void aStoreWithAnotherIdentityOrNoneIsRefusedAndSaysWhy() {
        String root = "/secured-" + bucket;
        populated(root);
        for (ZkAuth wrong : new ZkAuth[] {new ZkAuth("imagegate", "not-the-password"), null}) {
            MetadataException e = assertThrows(MetadataException.Unavailable.class,
                    () -> newStore(secured(root, wrong)));
            assertTrue(e.getMessage().contains(ZkAuth.ENV) && e.getMessage().contains("NOAUTH"), e.getMessage());
        }
    }

    @Test
    void theIdentityIsParsedFromUserColonPasswordAndNeverPrinted() {
        ZkAuth a = ZkAuth.parse("gw:pass:with:colons");
        assertEquals("gw", a.user());
        assertEquals("pass:with:colons", a.password());
        assertFalse(a.toString().contains("with:colons"), a.toString());
        assertFalse(config().withAuth(a).toString().contains("colons"));
        assertThrows(IllegalArgumentException.class, () -> ZkAuth.parse("no-colon-here"));
        assertThrows(IllegalArgumentException.class, () -> ZkAuth.parse("gw:short"));
        assertEquals(null, ZkAuth.fromEnvironment(java.util.Map.of()));
        assertEquals(a, ZkAuth.fromEnvironment(java.util.Map.of(ZkAuth.ENV, "gw:pass:with:colons")));
    }
}
