package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {

    @TempDir
    Path dir;

    private static BucketRecord bucket(String name) {
        return new BucketRecord(name, "alice", null, CannedAcl.PRIVATE, Versioning.ENABLED, 65536, "r");
    }

    @Test
    void restartOnTheSameDirectoryKeepsAllData() throws Exception {
        VersionRecord published;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
             ZkMetadataStore store = ZkMetadataStore.connect(zk.connectString())) {
            store.createBucket(bucket("images"));
            published = store.publish("images", ZkTestSupport.draft("debian.raw", "e1"), WriteCondition.NONE);
            store.createUser(new UserRecord("ann", "AKANN", "secret", null, true));
        }
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
             ZkMetadataStore store = ZkMetadataStore.connect(zk.connectString())) {
            assertEquals(published, store.current("images", "debian.raw").orElseThrow());
            assertTrue(store.userByAccessKey("AKANN").orElseThrow().admin());
        }
    }

    @Test
    void connectFileNamesTheRunningServerAndGoesAwayWithIt() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0)) {
            assertTrue(zk.port() > 0);
            assertTrue(zk.connectString().startsWith("127.0.0.1:"));
            assertEquals(Optional.of(zk.connectString()), EmbeddedZooKeeper.runningOn(dir));
        }
        assertFalse(Files.exists(dir.resolve(EmbeddedZooKeeper.CONNECT_FILE)));
        assertEquals(Optional.empty(), EmbeddedZooKeeper.runningOn(dir));
    }

    @Test
    void aSecondServerOnTheSameDirectoryIsRefused() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0)) {
            assertThrows(IllegalStateException.class, () -> EmbeddedZooKeeper.start(dir, 0));
            assertNotNull(zk);
        }
        EmbeddedZooKeeper.start(dir, 0).close();
    }

    @Test
    void toolsAttachToARunningServerOrStartTheirOwn() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0);
             EmbeddedZooKeeper.Connection c = EmbeddedZooKeeper.attach(dir)) {
            assertEquals(zk.connectString(), c.connectString());
        }
        try (EmbeddedZooKeeper.Connection c = EmbeddedZooKeeper.attach(dir);
             ZkMetadataStore store = ZkMetadataStore.connect(c.connectString())) {
            store.createBucket(bucket("tools"));
            assertTrue(Files.exists(dir.resolve(EmbeddedZooKeeper.CONNECT_FILE)));
        }
        assertFalse(Files.exists(dir.resolve(EmbeddedZooKeeper.CONNECT_FILE)));
    }
}
