package io.imagegate.meta;

import java.util.Collection;

/**
 * What a write that reuses stored chunks holds while it runs, so the garbage collector can neither
 * sweep the chunks it reuses nor the packs it writes before its version is published. Obtained
 * from {@link MetadataStore#openLease}; a ZooKeeper "pin" (docs/FORMAT-zookeeper.md, "Garbage
 * collection") records when the write began and the manifest roots it reuses chunks of.
 *
 * <p>Every write that puts references to existing chunks into a new version or part (dedup against
 * a base, copies, concatenations, the commit extension, manifest edits), or writes packs at all,
 * follows this protocol:
 * <ol>
 * <li>open the lease, pinning the roots whose references the write will reuse ({@link
 *     MetadataStore#openLease}); every pack the write makes must be written after this;</li>
 * <li>check, after the pin, that what those roots came from is still held ({@link #stillLive});
 *     reuse nothing that is not;</li>
 * <li>write packs and pages;</li>
 * <li>if the result's top reuses references read from elsewhere (a concatenation of parts),
 *     {@link #protect} the composed root, and only then check those sources again;</li>
 * <li>{@link #check()}, then publish (or put the part) under the lease
 *     ({@link MetadataStore#publish(BucketRecord, VersionDraft, WriteCondition, WriteLease)} and its
 *     kin), which checks the owner's session in the same transaction and, for a publish, releases the pin there;</li>
 * <li>close: releases the pin if the publish did not.</li>
 * </ol>
 * The gateway does all of this in one place, {@code io.imagegate.gateway.write.GuardedWrite}, which
 * every write operation goes through and nothing else calls these methods (a test reads the
 * gateway's classes to make sure). Thread-safe; closing it twice is harmless.
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
