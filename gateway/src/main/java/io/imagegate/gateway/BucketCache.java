package io.imagegate.gateway;

import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CorsConfiguration;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.PolicyDocument;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps bucket records a gateway read in the last moment (one second by default), so a GET costs
 * one ZooKeeper read (the key) instead of two. Objects stay strongly consistent: only bucket
 * configuration (existence, ACL, versioning state) may lag by up to the time-to-live on other
 * gateways, as bucket configuration does in S3. Writes through this gateway drop the entry at
 * once; a missing bucket is never cached, so a bucket created anywhere is visible at once; and
 * every write is handed the cached record, whose incarnation the store checks inside the write's own
 * ZooKeeper transaction: a bucket deleted and created again within the time-to-live answers
 * NoSuchBucket to a write authorized on the record kept here, never receives it.
 * Lifecycle configurations are cached the same way, their absence included (most buckets have
 * none, and GET, HEAD and PUT look for one to send {@code x-amz-expiration}).
 * CORS configurations are cached the same way (preflights and requests carrying Origin read them).
 * Bucket policies are cached the same way, their absence included (every request in a bucket
 * looks for one, and most buckets have none).
 */
public final class BucketCache implements InvocationHandler {

    private record Entry(BucketRecord record, long expiresAt) {}

    private record LifecycleEntry(Optional<LifecycleConfiguration> config, long expiresAt) {}

    private final MetadataStore delegate;
    private final long ttlNanos;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LifecycleEntry> lifecycles = new ConcurrentHashMap<>();

    private record CorsEntry(Optional<CorsConfiguration> config, long expiresAt) {}

    private final ConcurrentHashMap<String, CorsEntry> corsConfigs = new ConcurrentHashMap<>();

    private record PolicyEntry(Optional<PolicyDocument> policy, long expiresAt) {}

    private final ConcurrentHashMap<String, PolicyEntry> policies = new ConcurrentHashMap<>();

    private BucketCache(MetadataStore delegate, Duration ttl) {
        this.delegate = delegate;
        this.ttlNanos = ttl.toNanos();
    }

    /**
     * The store with bucket lookups cached; every other call goes straight to {@code delegate}
     * (a proxy, so methods added to the interface later are forwarded too).
     */
    public static MetadataStore wrap(MetadataStore delegate, Duration ttl) {
        return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
                new Class<?>[] {MetadataStore.class}, new BucketCache(delegate, ttl));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("bucket") && args != null && args.length == 1 && args[0] instanceof String bucket) {
            return lookup(bucket);
        }
        if (name.equals("lifecycle") && args != null && args.length == 1 && args[0] instanceof String bucket) {
            return lifecycle(bucket);
        }
        if (name.equals("cors") && args != null && args.length == 1 && args[0] instanceof String bucket) {
            return cors(bucket);
        }
        if (name.equals("bucketPolicy") && args != null && args.length == 1 && args[0] instanceof String bucket) {
            return policy(bucket);
        }
        if ((name.equals("createBucket") || name.equals("deleteBucket") || name.equals("updateBucket"))
                && args != null && args.length == 1) {
            String bucket = bucketName(args[0]);
            entries.remove(bucket);
            lifecycles.remove(bucket);
            corsConfigs.remove(bucket);
            policies.remove(bucket);
        }
        if ((name.equals("putLifecycle") || name.equals("deleteLifecycle")) && args != null && args.length >= 1) {
            lifecycles.remove(bucketName(args[0]));
        }
        if ((name.equals("putCors") || name.equals("deleteCors")) && args != null && args.length >= 1) {
            corsConfigs.remove(bucketName(args[0]));
        }
        boolean policyWrite = (name.equals("putBucketPolicy") || name.equals("deleteBucketPolicy"))
                && args != null && args.length >= 1;
        if (policyWrite) {
            policies.remove(bucketName(args[0]));
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            if ((name.equals("putLifecycle") || name.equals("deleteLifecycle")) && args != null && args.length >= 1) {
                lifecycles.remove(bucketName(args[0])); // again: a read during the write may have cached the old one
            }
            if (policyWrite) {
                policies.remove(bucketName(args[0])); // again: a read during the write may have cached the old one
            }
        }
    }

    /** The bucket a write names: by its record (writes into the incarnation authorized) or by name. */
    private static String bucketName(Object arg) {
        return arg instanceof BucketRecord b ? b.name() : String.valueOf(arg);
    }

    private Optional<LifecycleConfiguration> lifecycle(String bucket) {
        long now = System.nanoTime();
        LifecycleEntry e = lifecycles.get(bucket);
        if (e != null && now - e.expiresAt < 0) {
            return e.config;
        }
        Optional<LifecycleConfiguration> fresh = delegate.lifecycle(bucket);
        lifecycles.put(bucket, new LifecycleEntry(fresh, now + ttlNanos));
        return fresh;
    }

    private Optional<CorsConfiguration> cors(String bucket) {
        long now = System.nanoTime();
        CorsEntry e = corsConfigs.get(bucket);
        if (e != null && now - e.expiresAt < 0) {
            return e.config;
        }
        Optional<CorsConfiguration> fresh = delegate.cors(bucket);
        corsConfigs.put(bucket, new CorsEntry(fresh, now + ttlNanos));
        return fresh;
    }

    private Optional<PolicyDocument> policy(String bucket) {
        long now = System.nanoTime();
        PolicyEntry e = policies.get(bucket);
        if (e != null && now - e.expiresAt < 0) {
            return e.policy;
        }
        Optional<PolicyDocument> fresh = delegate.bucketPolicy(bucket);
        policies.put(bucket, new PolicyEntry(fresh, now + ttlNanos));
        return fresh;
    }

    private Optional<BucketRecord> lookup(String bucket) {
        long now = System.nanoTime();
        Entry e = entries.get(bucket);
        if (e != null && now - e.expiresAt < 0) {
            return Optional.of(e.record);
        }
        Optional<BucketRecord> fresh = delegate.bucket(bucket);
        if (fresh.isPresent()) {
            entries.put(bucket, new Entry(fresh.get(), now + ttlNanos));
        } else {
            entries.remove(bucket);
        }
        return fresh;
    }
}
