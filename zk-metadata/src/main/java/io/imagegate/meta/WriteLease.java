package io.imagegate.meta;

import java.util.Collection;

/**
 * What a write that reuses stored chunks holds while it runs, so the garbage collector can neither
 * sweep the chunks it reuses nor the packs it writes before its version is published. Obtained
 * from {@link MetadataStore#openLease}; a ZooKeeper "pin" (docs/FORMAT-zookeeper.md, "Garbage
 * collection") records when the write began and the manifest roots it reuses chunks of.
 *
 * <p>Every write path that puts references to existing chunks into a new version or part (dedup
 * against a base, copies, concatenations, the commit extension, manifest edits) follows this
 * protocol:
 * <pre>{@code
 * try (WriteLease lease = meta.openLease(List.of(base.manifest()))) {   // 1. pin the sources
 *     if (!lease.stillLive(bucket, base)) { ... do not reuse base: fail, or write without it }
 *     ... write chunks and pages, reusing the base's references ...     // 2. after the check
 *     lease.protect(List.of(composed.encode()));   // only when the result's top itself reuses
 *                                                  // references read from elsewhere (concat):
 *                                                  // then check those sources again after this
 *     lease.check();                                                     // 3. still protected?
 *     meta.publish(...);                                                 // 4. publish
 * }                                                                      // 5. release
 * }</pre>
 * The order matters: the pin must be written before the check that the sources are still live,
 * and every pack must be written after the lease was opened. A lease with no roots still protects
 * the packs the write creates. Thread-safe; closing it twice is harmless.
 */
public interface WriteLease extends AutoCloseable {

    /**
     * Adds manifest roots to the pin: the collector will keep everything they reach while the pin
     * exists. Callers then verify that whatever they took those references from is still live.
     */
    void protect(Collection<String> manifests);

    /**
     * Whether {@code version} (same id, same manifest) is still held by the store, read after
     * this lease's pin was written: if so, its chunks may be reused until the lease is closed.
     */
    boolean stillLive(String bucket, VersionRecord version);

    /**
     * Throws {@link MetadataException.Unavailable} when the lease may no longer protect the write
     * (its ZooKeeper session was lost, or it is older than {@link #MAX_AGE_MILLIS}); call it right
     * before publishing, and publish nothing if it throws. This process may not have heard yet that
     * its session ended: a publish or part under the lease (the overloads that take it) checks the
     * session again inside its own transaction, and fails the same way.
     */
    void check();

    /** Releases the pin; never throws (a release that fails is retried in the background). */
    @Override
    void close();

    /** A lease older than this refuses {@link #check()}: the collector treats older pins as abandoned. */
    long MAX_AGE_MILLIS = 12L * 60 * 60 * 1000;
}
