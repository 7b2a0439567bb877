package io.imagegate.meta;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;

/**
 * The {@link MetadataStore} on ZooKeeper, through Curator. The znode layout, record formats and
 * write protocols are in {@code docs/FORMAT-zookeeper.md}. Thread-safe; one instance per process
 * is enough, and any number of processes may share one ensemble.
 */
public final class ZkMetadataStore implements MetadataStore {

    private final CuratorFramework client;
    private final CuratorFramework rootClient;
    private final boolean ownsClient;
    private final Context ctx;
    private final Maintenance maintenance;
    private final Buckets buckets;
    private final ObjectReads reads;
    private final ObjectWrites writes;
    private final Listing listing;
    private final Multipart multipart;
    private final Users users;
    private final Pins pins;
    private final GcCoordination gc;
    private final Lifecycles lifecycles;
    private final CorsConfigs corsConfigs;
    private final Policies policies;

    /** A store on a started client, which the caller keeps and closes. */
    public ZkMetadataStore(CuratorFramework client, ZkStoreConfig config) {
        this(client, config, false, Zk::new);
    }

    /** With a custom ZooKeeper access layer: tests use it to lose replies on purpose. */
    ZkMetadataStore(CuratorFramework client, ZkStoreConfig config, boolean ownsClient,
            java.util.function.Function<CuratorFramework, Zk> zkFactory) {
        this.client = client;
        this.rootClient = client.usingNamespace(null);
        this.ownsClient = ownsClient;
        String root = ZKPaths.fixForNamespace(client.getNamespace(), config.root());
        this.ctx = new Context(zkFactory.apply(rootClient), config, root);
        ctx.zk.enableCache(config.readCacheEntries());
        initialize();
        new FormatUpgrade(ctx, rootClient).ensure();
        this.maintenance = new Maintenance(ctx);
        this.buckets = new Buckets(ctx, maintenance);
        this.reads = new ObjectReads(ctx);
        this.writes = new ObjectWrites(ctx, maintenance);
        this.listing = new Listing(ctx);
        this.multipart = new Multipart(ctx, writes, maintenance);
        this.users = new Users(ctx, rootClient);
        this.pins = new Pins(ctx, rootClient, reads);
        this.gc = new GcCoordination(ctx, rootClient, pins);
        this.lifecycles = new Lifecycles(ctx);
        this.corsConfigs = new CorsConfigs(ctx);
        this.policies = new Policies(ctx, rootClient);
    }

    /** Connects to {@code connectString} with the default settings; the store closes its client. */
    public static ZkMetadataStore connect(String connectString) {
        return connect(connectString, ZkStoreConfig.defaults());
    }

    /**
     * Connects to {@code connectString}; the store owns and closes the client. Requests fail with
     * Unavailable after {@link ZkStoreConfig#operationTimeout()} when ZooKeeper cannot be reached.
     */
    public static ZkMetadataStore connect(String connectString, ZkStoreConfig config) {
        return connect(connectString, config, Zk::new);
    }

    /**
     * {@link #connect(String, ZkStoreConfig)} with another ZooKeeper access layer ({@link ReplyLoss}'s):
     * the same client, the same identity and ACLs.
     */
    static ZkMetadataStore connect(String connectString, ZkStoreConfig config,
            java.util.function.Function<CuratorFramework, Zk> zkFactory) {
        int timeout = (int) config.operationTimeout().toMillis();
        ZKClientConfig zkConfig = new ZKClientConfig();
        zkConfig.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Integer.toString(timeout));
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                .retryPolicy(new RetryUntilElapsed(timeout, 200))
                .zkClientConfig(zkConfig);
        if (config.auth() != null) {
            builder.authorization("digest", config.auth().digestBytes())
                    .aclProvider(aclProvider(ZkAuth.acl(config.auth())));
        }
        CuratorFramework client = builder.build();
        client.start();
        try {
            if (!client.blockUntilConnected(timeout, TimeUnit.MILLISECONDS)) {
                throw new MetadataException.Unavailable("cannot connect to ZooKeeper at " + connectString, null);
            }
            return new ZkMetadataStore(client, config, true, zkFactory);
        } catch (InterruptedException e) {
            client.close();
            throw Zk.interrupted(e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    public ZkStoreConfig config() {
        return ctx.config;
    }

    // ---- buckets

    @Override
    public BucketRecord createBucket(BucketRecord bucket) {
        return guard(() -> buckets.create(bucket));
    }

    @Override
    public Optional<BucketRecord> bucket(String name) {
        return guard(() -> buckets.get(name));
    }

    @Override
    public List<BucketRecord> buckets() {
        return guard(buckets::list);
    }

    /**
     * Refuses while any key (version or delete marker) remains. Multipart uploads in progress do not
     * block it: as in AWS S3, they are discarded with the bucket.
     */
    @Override
    public void deleteBucket(String name) {
        guard(() -> {
            buckets.delete(name, null);
            return null;
        });
    }

    @Override
    public void deleteBucket(BucketRecord bucket) {
        guard(() -> {
            buckets.delete(bucket.name(), bucket.incarnation());
            return null;
        });
    }

    @Override
    public BucketRecord updateBucket(BucketRecord updated) {
        return guard(() -> buckets.update(updated));
    }

    // ---- objects

    @Override
    public Optional<VersionRecord> current(String bucket, String key) {
        return guard(() -> reads.current(bucket, key));
    }

    /** @throws MetadataException.InvalidVersionId when the version id is neither "null" nor one this store made */
    @Override
    public VersionRecord version(String bucket, String key, String versionId) {
        return guard(() -> reads.version(bucket, key, versionId));
    }

    @Override
    public VersionRecord publish(String bucket, VersionDraft draft, WriteCondition condition) {
        return guard(() -> writes.publish(bucket, null, draft, condition, null));
    }

    /** Releases a lease of this store in the publish's own multi (see docs/FORMAT-zookeeper.md). */
    @Override
    public VersionRecord publish(BucketRecord bucket, VersionDraft draft, WriteCondition condition, WriteLease lease) {
        return releasing(lease, release -> writes.publish(bucket.name(), bucket.incarnation(), draft, condition,
                release));
    }

    /**
     * A write with {@code lease}'s release among its ops. The lease is closed afterwards, which does
     * nothing unless the write needed no transaction (a repeated completion).
     *
     * @throws IllegalArgumentException for a lease that is not one of this store's open leases
     */
    private VersionRecord releasing(WriteLease lease, Function<ObjectWrites.Hook, VersionRecord> write) {
        ObjectWrites.Hook release = pins.releaseWith(lease);
        if (release == null) {
            throw new IllegalArgumentException("not a lease of this store: " + lease);
        }
        VersionRecord published = guard(() -> write.apply(release));
        lease.close();
        return published;
    }

    @Override
    public DeleteResult delete(String bucket, String key, String versionId, WriteCondition condition) {
        return delete(bucket, key, versionId, condition, null);
    }

    /**
     * In an unversioned bucket the result's version id is null. Deleting a well-formed version id
     * the key does not have succeeds and changes nothing; conditions are checked against the
     * current version.
     *
     * @throws MetadataException.InvalidVersionId when the version id is neither "null" nor one this store made
     */
    @Override
    public DeleteResult delete(String bucket, String key, String versionId, WriteCondition condition,
            String requester) {
        return guard(() -> writes.delete(bucket, null, key, versionId, condition, requester));
    }

    @Override
    public DeleteResult delete(BucketRecord bucket, String key, String versionId, WriteCondition condition,
            String requester) {
        return guard(() -> writes.delete(bucket.name(), bucket.incarnation(), key, versionId, condition, requester));
    }

    /**
     * @throws MetadataException.InvalidVersionId for a malformed version id
     * @throws MetadataException.IsDeleteMarker for a version that is a delete marker
     */
    @Override
    public VersionRecord setAcl(String bucket, String key, String versionId, CannedAcl acl) {
        return guard(() -> writes.setAcl(bucket, null, key, versionId, AccessControlList.of(acl)));
    }

    @Override
    public VersionRecord setAcl(BucketRecord bucket, String key, String versionId, CannedAcl acl) {
        return setAcl(bucket, key, versionId, AccessControlList.of(acl));
    }

    @Override
    public VersionRecord setAcl(BucketRecord bucket, String key, String versionId, AccessControlList acl) {
        return guard(() -> writes.setAcl(bucket.name(), bucket.incarnation(), key, versionId, acl));
    }

    @Override
    public ListPage list(String bucket, ListQuery query) {
        return guard(() -> listing.list(bucket, query));
    }

    @Override
    public VersionListPage listVersions(String bucket, VersionListQuery query) {
        return guard(() -> listing.listVersions(bucket, query));
    }

    // ---- multipart uploads

    @Override
    public UploadRecord createUpload(String bucket, UploadRecord upload) {
        return guard(() -> multipart.create(bucket, null, upload));
    }

    @Override
    public UploadRecord createUpload(BucketRecord bucket, UploadRecord upload) {
        return guard(() -> multipart.create(bucket.name(), bucket.incarnation(), upload));
    }

    @Override
    public UploadRecord upload(String bucket, String uploadId) {
        return guard(() -> multipart.get(bucket, uploadId));
    }

    @Override
    public void putPart(String bucket, String uploadId, PartRecord part) {
        guard(() -> {
            multipart.putPart(bucket, uploadId, part, null);
            return null;
        });
    }

    /** Records the part in a multi that fails once the session that pinned its write has ended. */
    @Override
    public void putPart(BucketRecord bucket, String uploadId, PartRecord part, WriteLease lease) {
        Op ownerCheck = pins.ownerCheck(lease);
        if (ownerCheck == null) {
            throw new IllegalArgumentException("not a lease of this store: " + lease);
        }
        guard(() -> {
            multipart.putPart(bucket.name(), uploadId, part, ownerCheck);
            return null;
        });
    }

    @Override
    public List<PartRecord> parts(String bucket, String uploadId, int afterPart, int max) {
        return guard(() -> multipart.parts(bucket, uploadId, afterPart, max));
    }

    @Override
    public UploadListPage listUploads(String bucket, UploadListQuery query) {
        return guard(() -> multipart.list(bucket, query));
    }

    /**
     * Publishes and marks the upload completed in one multi; its part znodes are removed afterwards.
     * Completing an upload that was completed with the same ETag returns the version it published.
     */
    @Override
    public VersionRecord completeUpload(String bucket, String uploadId, VersionDraft draft,
            WriteCondition condition) {
        return guard(() -> multipart.complete(bucket, null, uploadId, draft, condition, null));
    }

    /** Releases a lease of this store in the completion's own multi, as publish does. */
    @Override
    public VersionRecord completeUpload(BucketRecord bucket, String uploadId, VersionDraft draft,
            WriteCondition condition, WriteLease lease) {
        return releasing(lease, release -> multipart.complete(bucket.name(), bucket.incarnation(), uploadId, draft,
                condition, release));
    }

    @Override
    public Optional<VersionRecord> completedUpload(String bucket, String uploadId) {
        return guard(() -> multipart.completed(bucket, uploadId));
    }

    @Override
    public void abortUpload(String bucket, String uploadId) {
        guard(() -> {
            multipart.abort(bucket, uploadId);
            return null;
        });
    }

    // ---- CORS

    @Override
    public Optional<CorsConfiguration> cors(String bucket) {
        return guard(() -> corsConfigs.get(bucket));
    }

    @Override
    public void putCors(BucketRecord bucket, CorsConfiguration configuration) {
        guard(() -> {
            corsConfigs.put(bucket, configuration);
            return null;
        });
    }

    @Override
    public void deleteCors(BucketRecord bucket) {
        guard(() -> {
            corsConfigs.delete(bucket);
            return null;
        });
    }

    // ---- lifecycle

    @Override
    public Optional<LifecycleConfiguration> lifecycle(String bucket) {
        return guard(() -> lifecycles.get(bucket));
    }

    @Override
    public void putLifecycle(BucketRecord bucket, LifecycleConfiguration configuration) {
        guard(() -> {
            lifecycles.put(bucket, configuration);
            return null;
        });
    }

    @Override
    public void deleteLifecycle(BucketRecord bucket) {
        guard(() -> {
            lifecycles.delete(bucket);
            return null;
        });
    }

    /** Where the lifecycle rules' runs stand; read by the holder of the collector lock. */
    public LifecycleRunState lifecycleRunState() {
        return guard(lifecycles::runState);
    }

    /** Records where the lifecycle rules' runs stand; only the holder of the collector lock calls it. */
    public void saveLifecycleRunState(LifecycleRunState state) {
        guard(() -> {
            lifecycles.saveRunState(state);
            return null;
        });
    }

    // ---- policies

    @Override
    public Optional<PolicyDocument> bucketPolicy(String bucket) {
        return guard(() -> policies.bucketPolicy(bucket));
    }

    @Override
    public void putBucketPolicy(BucketRecord bucket, PolicyDocument policy) {
        guard(() -> {
            policies.putBucketPolicy(bucket, policy);
            return null;
        });
    }

    @Override
    public void deleteBucketPolicy(BucketRecord bucket) {
        guard(() -> {
            policies.deleteBucketPolicy(bucket);
            return null;
        });
    }

    @Override
    public Optional<PolicyDocument> userPolicy(String canonicalId) {
        return guard(() -> policies.userPolicy(canonicalId));
    }

    @Override
    public void putUserPolicy(String userName, PolicyDocument policy) {
        guard(() -> {
            policies.putUserPolicy(userName, policy);
            return null;
        });
    }

    @Override
    public boolean deleteUserPolicy(String userName) {
        return guard(() -> policies.deleteUserPolicy(userName));
    }

    // ---- users

    @Override
    public UserRecord createUser(UserRecord user) {
        return guard(() -> users.create(user));
    }

    @Override
    public Optional<UserRecord> userByAccessKey(String accessKey) {
        return guard(() -> users.byAccessKey(accessKey));
    }

    @Override
    public Optional<UserRecord> userById(String canonicalId) {
        return users.byId(canonicalId);
    }

    @Override
    public Optional<UserRecord> userByEmail(String email) {
        return users.byEmail(email);
    }

    @Override
    public Optional<UserRecord> user(String name) {
        return guard(() -> users.byName(name));
    }

    @Override
    public List<UserRecord> users() {
        return guard(users::list);
    }

    @Override
    public void deleteUser(String name) {
        guard(() -> {
            users.delete(name);
            return null;
        });
    }

    // ---- garbage collection

    @Override
    public void visitLiveRoots(String bucket, LiveRoot.Visitor visitor) {
        guard(() -> {
            new LiveRootWalk(ctx).run(bucket, visitor);
            return null;
        });
    }

    @Override
    public WriteLease openLease(Collection<String> manifests) {
        return guard(() -> pins.open(manifests));
    }

    /** The collector lock and marking protocol, for the garbage collector of the chunk store. */
    public GcCoordination gc() {
        return gc;
    }

    // ---- upkeep

    /**
     * Housekeeping for a periodic caller (one gateway at a time suffices): forgets completed uploads
     * older than the configured retention, removes part znodes a crash left behind, and finishes
     * partition splits whose process died.
     */
    public void sweep() {
        guard(() -> {
            new Sweeper(ctx, multipart, maintenance).run(Deadline.after(Duration.ofMinutes(5)));
            return null;
        });
    }

    /** Waits for queued background upkeep (splits, merges, cleanups) to finish; for tests and tools. */
    void awaitMaintenance() throws InterruptedException {
        maintenance.awaitIdle(Duration.ofSeconds(60));
    }

    Context ctxForTests() {
        return ctx;
    }

    @Override
    public void close() {
        pins.close();
        policies.close();
        users.close();
        maintenance.close();
        if (ownsClient) {
            client.close();
        }
    }

    private void initialize() {
        Deadline d = ctx.deadline();
        String root = ctx.layout.root;
        ctx.zk.read(d, zk -> {
            ZKPaths.mkdirs(zk, root, true, aclProvider(ctx.acl), false);
            FormatUpgrade.RootState format = FormatUpgrade.RootState.of(Zk.getOrNull(zk, root));
            if (format.format() > FormatUpgrade.FORMAT) {
                throw new IllegalStateException("metadata at " + root + " is of format " + format.format()
                        + ", newer than this store's " + FormatUpgrade.FORMAT + ": run a newer imagegate");
            }
            for (String child : List.of(ctx.layout.buckets(), ctx.layout.users(), ctx.layout.accessKeys(),
                    ctx.layout.userPolicies(), ctx.layout.partsRoot())) {
                createIfMissing(zk, child);
            }
            for (char shard : Layout.SHARDS.toCharArray()) {
                createIfMissing(zk, ctx.layout.partsShard(shard));
            }
            for (String gcNode : List.of(ctx.layout.gc(), ctx.layout.gcOwners(), ctx.layout.gcPins())) {
                createIfMissing(zk, gcNode);
            }
            if (Zk.getOrNull(zk, ctx.layout.gcState()) == null) {
                try {
                    zk.create(ctx.layout.gcState(), Json.write(new Pins.GcState(0, false)),
                            ctx.acl, CreateMode.PERSISTENT);
                } catch (KeeperException.NodeExistsException e) {
                    // created by another store
                }
            }
            List<String> pinShards = zk.getChildren(ctx.layout.gcPins(), false);
            for (char shard : Layout.SHARDS.toCharArray()) {
                if (!pinShards.contains(String.valueOf(shard))) {
                    createIfMissing(zk, ctx.layout.gcPinShard(shard));
                }
            }
            return null;
        });
    }

    private void createIfMissing(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
        try {
            zk.create(path, new byte[0], ctx.acl, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // created by another store
        }
    }

    /** Curator's own znodes (the collector's lock) get the store's ACL too. */
    private static ACLProvider aclProvider(List<ACL> acl) {
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return acl;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return acl;
            }
        };
    }

    private static <T> T guard(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (Listing.Stopped e) {
            throw e.byCaller(); // a listing's step stopped it: the caller's own exception, as it threw it
        } catch (MetadataException | IllegalArgumentException | NullPointerException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MetadataException.Unavailable("metadata store failure: " + e, e);
        }
    }
}
