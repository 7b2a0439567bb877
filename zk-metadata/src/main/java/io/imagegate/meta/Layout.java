package io.imagegate.meta;

/** Every znode path of the metadata tree in one place; docs/FORMAT-zookeeper.md describes each. */
final class Layout {

    /** Versions of one key are grouped 1024 ordinals to a group node, so no child list grows large. */
    static final int GROUP_BITS = 10;

    final String root;

    Layout(String root) {
        this.root = root;
    }

    String buckets() {
        return root + "/buckets";
    }

    String bucket(String bucket) {
        return buckets() + "/" + KeyNames.escape(bucket);
    }

    /**
     * The child that names a bucket's incarnation, created and deleted with the bucket record: a
     * write planned on one incarnation checks it, so it fails on a bucket of the same name created
     * after it. {@code ~} never starts the bucket's other children ({@code map}, {@code idx},
     * {@code obj}, {@code uploads}).
     */
    String bucketIncarnation(String bucket, String incarnation) {
        return bucket(bucket) + "/" + INCARNATION_MARK + incarnation;
    }

    String mapRoot(String bucket) {
        return bucket(bucket) + "/map";
    }

    String page(String bucket, String pageId) {
        return mapRoot(bucket) + "/" + pageId;
    }

    String index(String bucket) {
        return bucket(bucket) + "/idx";
    }

    String partition(String bucket, String partitionId) {
        return index(bucket) + "/" + partitionId;
    }

    String indexEntry(String bucket, String partitionId, String name) {
        return partition(bucket, partitionId) + "/" + name;
    }

    String objects(String bucket) {
        return bucket(bucket) + "/obj";
    }

    String object(String bucket, String name) {
        return objects(bucket) + "/" + name;
    }

    /**
     * The child that names a key's incarnation, created and deleted in the same multi as the key
     * znode; every multi that changes an existing key checks it. It never parses as a history group
     * (8 lowercase hex digits).
     */
    String keyIncarnation(String bucket, String name, String incarnation) {
        return object(bucket, name) + "/" + INCARNATION_MARK + incarnation;
    }

    String group(String bucket, String name, long group) {
        return object(bucket, name) + "/" + groupName(group);
    }

    String history(String bucket, String name, long ordinal) {
        return group(bucket, name, groupOf(ordinal)) + "/" + ordinalName(ordinal);
    }

    String uploads(String bucket) {
        return bucket(bucket) + "/uploads";
    }

    String upload(String bucket, String uploadId) {
        return uploads(bucket) + "/" + uploadId;
    }

    /** The bucket's CORS configuration; absent when it has none. */
    String cors(String bucket) {
        return bucket(bucket) + "/cors";
    }

    /** The bucket's lifecycle configuration; absent when it has none. */
    String lifecycle(String bucket) {
        return bucket(bucket) + "/lifecycle";
    }

    /**
     * The bucket's policy (PutBucketPolicy), created, replaced and deleted only in multis that check
     * the bucket's incarnation child, and deleted with the bucket.
     */
    String bucketPolicy(String bucket) {
        return bucket(bucket) + "/policy";
    }

    /** Where the lifecycle rules' runs stand (the last one finished, the one under way). */
    String lifecycleRuns() {
        return root + "/lifecycle";
    }

    String partsRoot() {
        return root + "/parts";
    }

    /** Upload ids start with one of 64 characters; sharding by it keeps each child list short. */
    static final String SHARDS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

    String partsShard(char first) {
        return partsRoot() + "/" + first;
    }

    String parts(String uploadId) {
        return partsShard(uploadId.charAt(0)) + "/" + uploadId;
    }

    String part(String uploadId, int partNumber) {
        return parts(uploadId) + "/" + String.format("%05d", partNumber);
    }

    String users() {
        return root + "/users";
    }

    String user(String name) {
        return users() + "/" + KeyNames.escape(name);
    }

    /** Users' policies, one znode per user, named by the user's canonical id. */
    String userPolicies() {
        return root + "/userpolicies";
    }

    String userPolicy(String canonicalId) {
        return userPolicies() + "/" + canonicalId;
    }

    String accessKeys() {
        return root + "/accesskeys";
    }

    String accessKey(String accessKey) {
        return accessKeys() + "/" + KeyNames.escape(accessKey);
    }

    /** Garbage collection: its state, lock, the processes that hold pins, and the pins. */
    /** The lock held while format-1 metadata is upgraded (a Curator InterProcessMutex: its children). */
    String upgradeLock() {
        return root + "/upgrade";
    }

    String gc() {
        return root + "/gc";
    }

    String gcState() {
        return gc() + "/state";
    }

    /** The collector lock: an ephemeral znode of the holder's session. */
    String gcCollector() {
        return gc() + "/collector";
    }

    String gcOwners() {
        return gc() + "/owners";
    }

    String gcOwner(String ownerId) {
        return gcOwners() + "/" + ownerId;
    }

    String gcPins() {
        return gc() + "/pins";
    }

    /** Pin ids start with one of the {@link #SHARDS} characters, like upload ids. */
    String gcPinShard(char first) {
        return gcPins() + "/" + first;
    }

    String gcPin(String pinId) {
        return gcPinShard(pinId.charAt(0)) + "/" + pinId;
    }

    /** First character of an incarnation child's name. */
    static final String INCARNATION_MARK = "~";

    /** Whether a key znode's child is a history group (and not its incarnation). */
    static boolean isGroup(String child) {
        if (child.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            char c = child.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    static long groupOf(long ordinal) {
        return ordinal >>> GROUP_BITS;
    }

    static String groupName(long group) {
        return String.format("%08x", group);
    }

    static String ordinalName(long ordinal) {
        return String.format("%010x", ordinal);
    }

    static long parseHex(String name) {
        return Long.parseLong(name, 16);
    }
}
