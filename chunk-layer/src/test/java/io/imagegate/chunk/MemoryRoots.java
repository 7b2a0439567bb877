package io.imagegate.chunk;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live roots held in memory, standing in for the metadata store in chunk-layer specifications
 * (the gateway's tests run the collector against ZooKeeper): roots the "metadata" holds, and
 * pins of writes in flight with the time they began.
 */
public final class MemoryRoots implements LiveRoots {

    private final Set<ManifestRoot> stored = ConcurrentHashMap.newKeySet();
    private final Map<Long, Pin> pins = new ConcurrentHashMap<>();
    private final AtomicLong pinIds = new AtomicLong();
    public volatile boolean mayProceed = true;
    public volatile int markings;

    private record Pin(Instant since, List<ManifestRoot> roots) {}

    public void add(ManifestRoot root) {
        stored.add(root);
    }

    public void remove(ManifestRoot root) {
        stored.remove(root);
    }

    public Set<ManifestRoot> stored() {
        return Set.copyOf(stored);
    }

    /** Pins roots for a write that began at {@code since}; returns the pin's id. */
    public long pin(Instant since, List<ManifestRoot> roots) {
        long id = pinIds.incrementAndGet();
        pins.put(id, new Pin(since, List.copyOf(roots)));
        return id;
    }

    public void unpin(long id) {
        pins.remove(id);
    }

    @Override
    public Marking begin(boolean dryRun) {
        markings++;
        return new Marking() {
            @Override
            public void visitStored(RootVisitor visitor) throws java.io.IOException {
                for (ManifestRoot r : new ArrayList<>(stored)) {
                    visitor.visit(r);
                }
            }

            @Override
            public Optional<Instant> visitPinned(RootVisitor visitor) throws java.io.IOException {
                Instant oldest = null;
                for (Pin p : new ArrayList<>(pins.values())) {
                    for (ManifestRoot r : p.roots()) {
                        visitor.visit(r);
                    }
                    oldest = oldest == null || p.since().isBefore(oldest) ? p.since() : oldest;
                }
                return Optional.ofNullable(oldest);
            }

            @Override
            public void finish() {
            }

            @Override
            public boolean mayProceed() {
                return mayProceed;
            }

            @Override
            public void close() {
            }
        };
    }
}
