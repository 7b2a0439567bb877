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
import java.util.function.Function;
import java.util.function.Predicate;

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

    /** Values by bucket name, each kept for the time-to-live from when it was read. */
    private final class Kept<V> {
        private record Entry<V>(V value, long expiresAt) {}

        private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();
        private final Predicate<V> worthKeeping;

        Kept(Predicate<V> worthKeeping) {
            this.worthKeeping = worthKeeping;
        }

        V get(String bucket, Function<String, V> read) {
            long now = System.nanoTime();
            Entry<V> e = entries.get(bucket);
            if (e != null && now - e.expiresAt < 0) {
                return e.value;
            }
            V fresh = read.apply(bucket);
            if (worthKeeping.test(fresh)) {
                entries.put(bucket, new Entry<>(fresh, now + ttlNanos));
            } else {
                entries.remove(bucket);
            }
            return fresh;
        }

        void drop(String bucket) {
            entries.remove(bucket);
        }
    }

    private final MetadataStore delegate;
    private final long ttlNanos;
    /** A missing bucket is never kept: a bucket created anywhere is visible at once. */
    private final Kept<Optional<BucketRecord>> records = new Kept<>(Optional::isPresent);
    private final Kept<Optional<LifecycleConfiguration>> lifecycles = new Kept<>(any -> true);
    private final Kept<Optional<CorsConfiguration>> corsConfigs = new Kept<>(any -> true);
    private final Kept<Optional<PolicyDocument>> policies = new Kept<>(any -> true);

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
        if (args != null && args.length == 1 && args[0] instanceof String bucket) {
            switch (name) {
                case "bucket" -> { return records.get(bucket, delegate::bucket); }
                case "lifecycle" -> { return lifecycles.get(bucket, delegate::lifecycle); }
                case "cors" -> { return corsConfigs.get(bucket, delegate::cors); }
                case "bucketPolicy" -> { return policies.get(bucket, delegate::bucketPolicy); }
                default -> { }
            }
        }
        String bucket = args != null && args.length >= 1 ? bucketName(args[0]) : null;
        if ((name.equals("createBucket") || name.equals("deleteBucket") || name.equals("updateBucket"))
                && args != null && args.length == 1) {
            records.drop(bucket);
            lifecycles.drop(bucket);
            corsConfigs.drop(bucket);
            policies.drop(bucket);
        }
        Kept<?> written = switch (name) {
            case "putLifecycle", "deleteLifecycle" -> lifecycles;
            case "putCors", "deleteCors" -> corsConfigs;
            case "putBucketPolicy", "deleteBucketPolicy" -> policies;
            default -> null;
        };
        if (written != null) {
            written.drop(bucket);
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            if (written != null) {
                written.drop(bucket); // again: a read during the write may have kept the old one
            }
        }
    }

    /** The bucket a write names: by its record (writes into the incarnation authorized) or by name. */
    private static String bucketName(Object arg) {
        return arg instanceof BucketRecord b ? b.name() : String.valueOf(arg);
    }
}
