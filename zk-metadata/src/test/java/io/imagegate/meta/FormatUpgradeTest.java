package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Metadata of format 1 (no incarnations) is upgraded to format 2 when a store starts on it, once,
 * before the store serves anything; a store refuses a format newer than its own.
 */
class FormatUpgradeTest extends ZkTestSupport {

    private static final AtomicInteger ROOTS = new AtomicInteger();

    private static Deadline soon() {
        return Deadline.after(Duration.ofSeconds(10));
    }

    private ZkStoreConfig freshRoot() {
        return config().withRoot("/upgrade-" + ROOTS.incrementAndGet());
    }

    /** Turns {@code s}'s tree into format 1: no incarnation in any record, no incarnation child, root format 1. */
    private static void downgrade(ZkMetadataStore s, boolean upgrading) {
        Context ctx = s.ctxForTests();
        for (String bucket : ctx.zk.children(soon(), ctx.layout.buckets())) {
            String bucketPath = ctx.layout.buckets() + "/" + bucket;
            strip(ctx, bucketPath);
            for (String partition : ctx.zk.children(soon(), bucketPath + "/idx")) {
                for (String name : ctx.zk.children(soon(), bucketPath + "/idx/" + partition)) {
                    strip(ctx, bucketPath + "/obj/" + name);
                }
            }
        }
        byte[] root = upgrading ? Stored.root(2, true) : Stored.root(1, false);
        ctx.zk.read(soon(), zk -> zk.setData(ctx.layout.root, root, -1));
    }

    private static void strip(Context ctx, String path) {
        Zk.Node n = ctx.zk.get(soon(), path);
        ObjectNode json = (ObjectNode) readTree(n.data());
        String incarnation = json.remove("incarnation").asText();
        ctx.zk.read(soon(), zk -> {
            zk.delete(path + "/~" + incarnation, -1);
            return zk.setData(path, Json.write(json), n.stat().getVersion());
        });
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] data) {
        try {
            return Json.MAPPER.readTree(data);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> versionIds(MetadataStore s, String key) {
        return s.listVersions(bucket, new VersionListQuery(key, null, null, null, 1000)).versions().stream()
                .map(v -> v.version().versionId()).toList();
    }

    /** Every key record and bucket record of the tree has its incarnation and the child it names. */
    private static int incarnations(ZkMetadataStore s) {
        Context ctx = s.ctxForTests();
        int keys = 0;
        for (String bucket : ctx.zk.children(soon(), ctx.layout.buckets())) {
            String bucketPath = ctx.layout.buckets() + "/" + bucket;
            assertHasIncarnation(ctx, bucketPath);
            for (String partition : ctx.zk.children(soon(), bucketPath + "/idx")) {
                for (String name : ctx.zk.children(soon(), bucketPath + "/idx/" + partition)) {
                    assertHasIncarnation(ctx, bucketPath + "/obj/" + name);
                    keys++;
                }
            }
        }
        return keys;
    }

    private static void assertHasIncarnation(Context ctx, String path) {
        String incarnation = readTree(ctx.zk.get(soon(), path).data()).path("incarnation").asText(null);
        assertNotNull(incarnation, path + " has no incarnation");
        assertNotNull(ctx.zk.stat(soon(), path + "/~" + incarnation), path + " has no incarnation child");
    }

    @Test
    void aStoreStartingOnFormatOneUpgradesItAndEverythingStillWorks() {
        ZkStoreConfig config = freshRoot();
        ZkMetadataStore old = newStore(config);
        old.createBucket(new BucketRecord(bucket, "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536,
                "us-east-1"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(0, old.publish(bucket, draft("disk.raw", "e" + i), WriteCondition.NONE).versionId());
        }
        for (int i = 0; i < 30; i++) {
            old.publish(bucket, draft("k/" + i, "x"), WriteCondition.NONE);
        }
        downgrade(old, false);

        ZkMetadataStore upgraded = newStore(config);
        assertEquals(31, incarnations(upgraded));
        assertEquals("{\"format\":2}", new String(upgraded.ctxForTests().zk.get(soon(),
                upgraded.ctxForTests().layout.root).data(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(ids, versionIds(upgraded, "disk.raw"));
        assertEquals("e1", upgraded.version(bucket, "disk.raw", ids.get(3)).etag());
        upgraded.delete(bucket, "disk.raw", ids.get(0), WriteCondition.NONE);
        assertEquals("e3", upgraded.current(bucket, "disk.raw").orElseThrow().etag(), "promoted");
        VersionRecord again = upgraded.publish(bucket, draft("disk.raw", "e5"), WriteCondition.NONE);
        assertEquals(again.versionId(), versionIds(upgraded, "disk.raw").get(0));
        upgraded.updateBucket(upgraded.bucket(bucket).orElseThrow().withAcl(CannedAcl.PUBLIC_READ));
        assertEquals(CannedAcl.PUBLIC_READ, upgraded.bucket(bucket).orElseThrow().acl());
        for (int i = 0; i < 30; i++) {
            String id = upgraded.current(bucket, "k/" + i).orElseThrow().versionId();
            upgraded.delete(bucket, "k/" + i, id, WriteCondition.NONE); // the last version: the key goes
        }
        assertEquals(1, incarnations(upgraded), "upgraded keys are removed whole, incarnation included");
    }

    @Test
    void anUpgradeLeftUnfinishedIsFinishedByTheNextStore() {
        ZkStoreConfig config = freshRoot();
        ZkMetadataStore old = newStore(config);
        old.createBucket(new BucketRecord(bucket, "alice", null, CannedAcl.PRIVATE, Versioning.UNVERSIONED, 65536,
                "us-east-1"));
        for (int i = 0; i < 10; i++) {
            old.publish(bucket, draft("k" + i, "x"), WriteCondition.NONE);
        }
        downgrade(old, true); // as a store that died while upgrading leaves it
        ZkMetadataStore next = newStore(config);
        assertEquals(10, incarnations(next));
        for (int i = 0; i < 10; i++) {
            next.delete(bucket, "k" + i, null, WriteCondition.NONE);
        }
        next.deleteBucket(bucket);
    }

    @Test
    void aStoreRefusesANewerFormat() {
        ZkStoreConfig config = freshRoot();
        ZkMetadataStore first = newStore(config);
        Context ctx = first.ctxForTests();
        ctx.zk.read(soon(), zk -> zk.setData(ctx.layout.root, Stored.root(3, false), -1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> newStore(config));
        assertTrue(e.getMessage().contains("format 3"), e.getMessage());
    }
}
