package io.imagegate.meta;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ZkMetadataStore}; {@link #defaults()} holds every default in one place.
 *
 * @param root                     absolute znode path under which all metadata lives
 * @param partitionSplitThreshold  keys in one key-range partition before it splits in two
 * @param pageMaxPartitions        partitions in one partition-map page before the page splits
 * @param operationTimeout         how long one operation waits for ZooKeeper before it reports
 *                                 {@link MetadataException.Unavailable}
 * @param sessionTimeout           ZooKeeper session timeout of a client the store creates itself
 * @param connectionTimeout        connection timeout of a client the store creates itself
 * @param syncReads                sync with the ZooKeeper leader before every read operation, so a
 *                                 read sees every write acknowledged through any gateway
 * @param splitStallTimeout        a partition split unfinished this long (its process died) is
 *                                 finished by the next store that notices
 * @param completedUploadRetention how long a completed multipart upload is remembered, so a
 *                                 repeated Complete returns the same result
 * @param auth                     the ZooKeeper digest identity to connect as; every znode the store
 *                                 creates is then readable and writable by that identity only. Null:
 *                                 no authentication, znodes open to every client of the ensemble
 * @param readCacheEntries         key records GET and HEAD may serve from memory (see
 *                                 {@link ZnodeCache}); 0, the default, reads ZooKeeper every time.
 *                                 Only for a store that is the only writer of its metadata
 */
public record ZkStoreConfig(
        String root,
        int partitionSplitThreshold,
        int pageMaxPartitions,
        Duration operationTimeout,
        Duration sessionTimeout,
        Duration connectionTimeout,
        boolean syncReads,
        Duration splitStallTimeout,
        Duration completedUploadRetention,
        ZkAuth auth,
        int readCacheEntries) {

    /** Keeps a partition's child list (at most ~122 bytes a name) far below ZooKeeper's 1 MB. */
    public static final int MAX_SPLIT_THRESHOLD = 4000;

    public ZkStoreConfig {
        Objects.requireNonNull(root, "root");
        if (!root.startsWith("/") || root.endsWith("/") || root.contains("//")) {
            throw new IllegalArgumentException("root must be an absolute znode path: " + root);
        }
        if (readCacheEntries < 0) {
            throw new IllegalArgumentException("readCacheEntries must not be negative");
        }
        if (partitionSplitThreshold < 4 || partitionSplitThreshold > MAX_SPLIT_THRESHOLD) {
            throw new IllegalArgumentException("partitionSplitThreshold must be in 4.." + MAX_SPLIT_THRESHOLD);
        }
        if (pageMaxPartitions < 4 || pageMaxPartitions > 1000) {
            throw new IllegalArgumentException("pageMaxPartitions must be in 4..1000");
        }
        for (Duration d : new Duration[] {operationTimeout, sessionTimeout, connectionTimeout, splitStallTimeout,
                completedUploadRetention}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("durations must be positive");
            }
        }
    }

    public static ZkStoreConfig defaults() {
        return new ZkStoreConfig("/imagegate", 2000, 128, Duration.ofSeconds(5), Duration.ofSeconds(15),
                Duration.ofSeconds(3), true, Duration.ofSeconds(10), Duration.ofHours(1), null, 0);
    }

    public ZkStoreConfig withRoot(String value) {
        return new ZkStoreConfig(value, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withPartitionSplitThreshold(int value) {
        return new ZkStoreConfig(root, value, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withPageMaxPartitions(int value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, value, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withOperationTimeout(Duration value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, value, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withSessionTimeout(Duration value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, value,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withConnectionTimeout(Duration value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                value, syncReads, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withSyncReads(boolean value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, value, splitStallTimeout, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withSplitStallTimeout(Duration value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, value, completedUploadRetention, auth, readCacheEntries);
    }

    public ZkStoreConfig withCompletedUploadRetention(Duration value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, value, auth, readCacheEntries);
    }

    public ZkStoreConfig withAuth(ZkAuth value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, value, readCacheEntries);
    }

    public ZkStoreConfig withReadCacheEntries(int value) {
        return new ZkStoreConfig(root, partitionSplitThreshold, pageMaxPartitions, operationTimeout, sessionTimeout,
                connectionTimeout, syncReads, splitStallTimeout, completedUploadRetention, auth, value);
    }
}
