package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZKUtil;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** The public lost-reply hook (for gateways under test and the chaos benchmark) loses replies both ways, and a store using it stays exact. */
class ReplyLossTest extends ZkTestSupport {

    @Test
    void aStoreFromReplyLossLosesRepliesBeforeSendingAndAfterCommitAndAcknowledgesOnlyCommittedWrites() {
        createBucket(Versioning.ENABLED);
        ReplyLoss loss = ReplyLoss.of(0.4, 3);
        List<String> acked = new ArrayList<>();
        int unknown = 0;
        try (ZkMetadataStore lossy = loss.connect(server.getConnectString(), config())) {
            for (int i = 0; i < 40; i++) {
                try {
                    acked.add(lossy.publish(bucket, draft("k", "e" + i), WriteCondition.NONE).etag());
                } catch (MetadataException.Unavailable e) {
                    unknown++;
                }
            }
        }
        VersionListPage page = store.listVersions(bucket, new VersionListQuery(null, null, null, null, 1000));
        List<String> listed = page.versions().stream().map(v -> v.version().etag()).toList();
        assertTrue(loss.lostBeforeSending() > 0 && loss.lostAfterCommit() > 0,
                loss.lostBeforeSending() + " before, " + loss.lostAfterCommit() + " after");
        assertEquals(listed.size(), new HashSet<>(listed).size(), "a publish was applied twice");
        assertTrue(new HashSet<>(listed).containsAll(acked), "an acknowledged publish is missing");
        assertTrue(listed.size() <= acked.size() + unknown);
    }

    /** Before: the store connected without the identity and could neither create nor read the secured tree. */
    @Test
    void aStoreFromReplyLossConnectsWithTheZooKeeperIdentityOfItsConfiguration() throws Exception {
        ZkAuth identity = new ZkAuth("imagegate", "a-long-zk-password");
        String root = "/lossy-secured-" + bucket;
        ZkStoreConfig secured = config().withRoot(root).withAuth(identity);
        ZkMetadataStore plain = newStore(secured);
        plain.createBucket(new BucketRecord(bucket, "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536,
                "us-east-1"));
        ReplyLoss loss = ReplyLoss.of(0.4, 5);
        List<String> acked = new ArrayList<>();
        try (ZkMetadataStore lossy = loss.connect(server.getConnectString(), secured)) {
            for (int i = 0; i < 20; i++) {
                try {
                    acked.add(lossy.publish(bucket, draft("k" + i % 3, "e" + i), WriteCondition.NONE).etag());
                } catch (MetadataException.Unavailable | MetadataException.OutcomeUnknown e) {
                    // a lost reply it could not settle: not acknowledged
                }
            }
        }
        assertTrue(loss.lostBeforeSending() + loss.lostAfterCommit() > 0, "no reply was lost");
        assertTrue(!acked.isEmpty(), "nothing was acknowledged");
        List<String> listed = plain.listVersions(bucket, new VersionListQuery(null, null, null, null, 1000)).versions()
                .stream().map(v -> v.version().etag()).toList();
        assertTrue(new HashSet<>(listed).containsAll(acked), "an acknowledged publish is missing");
        try (ZooKeeper owner = new ZooKeeper(server.getConnectString(), 10_000, e -> { });
             ZooKeeper stranger = new ZooKeeper(server.getConnectString(), 10_000, e -> { })) {
            owner.addAuthInfo("digest", identity.digestBytes());
            List<String> open = new ArrayList<>();
            List<String> all = ZKUtil.listSubTreeBFS(owner, root);
            for (String path : all) {
                List<ACL> acl = owner.getACL(path, new Stat());
                if (acl.size() != 1 || !acl.getFirst().getId().getScheme().equals("digest")
                        || acl.getFirst().getPerms() != ZooDefs.Perms.ALL) {
                    open.add(path + " " + acl);
                }
            }
            assertEquals(List.of(), open, "znodes the lossy store created are open to other clients");
            String key = plain.ctxForTests().layout.object(bucket, KeyNames.name("k0"));
            assertTrue(all.contains(key), "the key the lossy store created is not in the tree: " + all);
            assertThrows(KeeperException.NoAuthException.class, () -> stranger.getData(key, false, null));
        }
    }
}
