package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.Op;

/**
 * Access policies: a bucket's ({@code buckets/<bucket>/policy}) and a user's
 * ({@code userpolicies/<canonicalId>}). A bucket policy is replaced or removed as a whole, only in the
 * incarnation of the bucket the request was authorized against ({@link BucketSubresources}), and it is
 * deleted with the bucket. A user policy is keyed by the user's canonical id,
 * never by its name, so a user created later under the same name does not inherit it; every request
 * of a user looks its policy up, so {@code userpolicies} is mirrored in memory (a {@link CuratorCache}
 * whose first load every lookup waits for: a policy is never missed because the mirror was not yet
 * filled). A change through this store is seen by it before the change returns; through another
 * store, once the watch fires (milliseconds).
 */
final class Policies implements AutoCloseable {

    /** Stored policies above this are refused (ZooKeeper's limit on a znode is 1 MB). */
    static final int MAX_STORED_BYTES = 512 * 1024;

    private final Context ctx;
    private final BucketSubresources subresources;
    private final CuratorCache mirror;
    private final CountDownLatch loaded = new CountDownLatch(1);
    /** User policies by canonical id, as the mirror holds them. */
    private final ConcurrentHashMap<String, Mirrored> byId = new ConcurrentHashMap<>();

    private record Mirrored(int version, PolicyDocument policy) {}

    /** The stored form of both kinds: {@code user} names the user a user policy was set for (for people reading it). */
    @JsonPropertyOrder({"user", "document", "users", "token"})
    record Doc(@JsonProperty("user") String user,
               @JsonProperty("document") String document,
               @JsonProperty("users") Map<String, String> users,
               @JsonProperty("token") String token) implements Stored.Doc {

        PolicyDocument policy() {
            return new PolicyDocument(document, users);
        }
    }

    Policies(Context ctx, CuratorFramework client) {
        this.ctx = ctx;
        this.subresources = new BucketSubresources(ctx);
        this.mirror = CuratorCache.build(client, ctx.layout.userPolicies());
        mirror.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(this::mirrored)
                .forChanges((before, after) -> mirrored(after))
                .forDeletes(data -> byId.remove(lastSegment(data.getPath())))
                .forInitialized(loaded::countDown)
                .build());
        mirror.start();
    }

    private void mirrored(ChildData data) {
        if (data == null || data.getPath().equals(ctx.layout.userPolicies()) || data.getData() == null
                || data.getData().length == 0) {
            return;
        }
        try {
            byId.put(lastSegment(data.getPath()), new Mirrored(data.getStat().getVersion(),
                    Json.read(data.getData(), Doc.class).policy()));
        } catch (IllegalStateException unreadable) {
            // a record this store cannot read keeps its place as a document no parser accepts, so the
            // gateway denies the user everything rather than dropping the denies it may hold
            byId.put(lastSegment(data.getPath()), new Mirrored(data.getStat().getVersion(), new PolicyDocument("")));
        }
    }

    // ---- bucket policies

    Optional<PolicyDocument> bucketPolicy(String bucket) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        // the bucket and its policy in one read-only multi: the policy read is of the bucket read
        List<Zk.Node> nodes = ctx.zk.read(d, h -> Zk.await(d, ctx.zk.getManyAsync(h,
                List.of(ctx.layout.bucket(bucket), ctx.layout.bucketPolicy(bucket)))));
        if (nodes.get(0) == null) {
            throw new MetadataException.NoSuchBucket(bucket);
        }
        Zk.Node n = nodes.get(1);
        return n == null ? Optional.empty() : Optional.of(Json.read(n.data(), Doc.class).policy());
    }

    void putBucketPolicy(BucketRecord bucket, PolicyDocument policy) {
        String token = Tokens.writeToken();
        byte[] data = Json.write(new Doc(null, policy.text(), policy.users(), token));
        checkSize(data);
        subresources.put(bucket, "policy", ctx.layout.bucketPolicy(bucket.name()), data, token,
                stored -> Json.read(stored, Doc.class).token());
    }

    void deleteBucketPolicy(BucketRecord bucket) {
        subresources.delete(bucket, "policy", ctx.layout.bucketPolicy(bucket.name()));
    }

    // ---- user policies

    Optional<PolicyDocument> userPolicy(String canonicalId) {
        awaitMirror();
        Mirrored m = canonicalId == null ? null : byId.get(canonicalId);
        return m == null ? Optional.empty() : Optional.of(m.policy());
    }

    /**
     * Sets the policy of the user named {@code userName}, keyed by its canonical id. The multi also
     * rewrites the user record as it was read (same bytes, next version): a deletion of the user
     * planned before it then fails and is planned again, so it finds and removes this policy too.
     */
    void putUserPolicy(String userName, PolicyDocument policy) {
        String token = Tokens.writeToken();
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        while (true) {
            Zk.Node userNode = ctx.zk.get(d, ctx.layout.user(userName));
            if (userNode == null) {
                throw new MetadataException.NoSuchUser(userName);
            }
            String id = Stored.user(userNode.data()).record().canonicalId();
            byte[] data = Json.write(new Doc(userName, policy.text(), policy.users(), token));
            checkSize(data);
            String path = ctx.layout.userPolicy(id);
            Zk.Node existing = ctx.zk.get(d, path);
            List<Op> ops = List.of(
                    Op.setData(ctx.layout.user(userName), userNode.data(), userNode.stat().getVersion()),
                    existing == null ? ctx.create(path, data) : Op.setData(path, data, existing.stat().getVersion()));
            Zk.Outcome o = ctx.zk.multi(d, ops);
            if (o instanceof Zk.Outcome.Committed) {
                awaitMirrored(d, id, existing == null ? 0 : existing.stat().getVersion() + 1);
                return;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                Zk.Node n = Zk.settling("setting the policy of user " + userName, a, () -> ctx.zk.get(d, path));
                if (n != null && token.equals(Json.read(n.data(), Doc.class).token())) {
                    awaitMirrored(d, id, n.stat().getVersion());
                    return;
                }
                throw new MetadataException.OutcomeUnknown("connection lost while setting the policy of user "
                        + userName, a.cause());
            }
            retryOrGiveUp(d, "user " + userName + " kept changing while its policy was set");
        }
    }

    /** Removes the user's policy; false when it had none. */
    boolean deleteUserPolicy(String userName) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        while (true) {
            Zk.Node userNode = ctx.zk.get(d, ctx.layout.user(userName));
            if (userNode == null) {
                throw new MetadataException.NoSuchUser(userName);
            }
            String id = Stored.user(userNode.data()).record().canonicalId();
            String path = ctx.layout.userPolicy(id);
            if (ctx.zk.stat(d, path) == null) {
                return false;
            }
            Zk.Outcome o = ctx.zk.multi(d, List.of(Op.check(ctx.layout.user(userName), userNode.stat().getVersion()),
                    Op.delete(path, -1)));
            if (o instanceof Zk.Outcome.Committed) {
                awaitMirrored(d, id, -1);
                return true;
            }
            if (o instanceof Zk.Outcome.Ambiguous a) {
                if (Zk.settling("deleting the policy of user " + userName, a, () -> ctx.zk.stat(d, path) == null)) {
                    awaitMirrored(d, id, -1);
                    return true;
                }
                continue;
            }
            retryOrGiveUp(d, "user " + userName + " kept changing while its policy was deleted");
        }
    }

    private void awaitMirror() {
        try {
            if (!loaded.await(ctx.config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MetadataException.Unavailable("the users' policies could not be read from ZooKeeper", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataException.Unavailable("interrupted while reading the users' policies", e);
        }
    }

    /**
     * Waits (until the deadline) for the mirror to show this store's own write: the user's policy at
     * {@code version}, or none for -1. After the deadline the change still applies, once the watch fires.
     */
    private void awaitMirrored(Deadline d, String id, int version) {
        awaitMirror();
        while (!d.expired()) {
            Mirrored m = byId.get(id);
            if (version < 0 ? m == null : m != null && m.version() >= version) {
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void checkSize(byte[] data) {
        if (data.length > MAX_STORED_BYTES) {
            throw new MetadataException.RecordTooLarge("policy", data.length, MAX_STORED_BYTES);
        }
    }

    private static void retryOrGiveUp(Deadline d, String what) {
        if (d.expired()) {
            throw new MetadataException.Unavailable(what, null);
        }
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        mirror.close();
    }
}
