package io.imagegate.gateway.lifecycle;

import io.imagegate.gateway.lifecycle.KeyPlan.Action;
import io.imagegate.gateway.lifecycle.KeyPlan.ExpireCurrent;
import io.imagegate.gateway.lifecycle.KeyPlan.ExpireNoncurrent;
import io.imagegate.gateway.lifecycle.KeyPlan.RemoveMarker;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.GcCoordination;
import io.imagegate.meta.LifecycleConfiguration;
import io.imagegate.meta.LifecycleConfiguration.Rule;
import io.imagegate.meta.LifecycleRunState;
import io.imagegate.meta.LifecycleRunState.Checkpoint;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore.UploadListPage;
import io.imagegate.meta.MetadataStore.UploadListQuery;
import io.imagegate.meta.MetadataStore.VersionEntry;
import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import io.imagegate.meta.PartRecord;
import io.imagegate.meta.UploadRecord;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.Versioning;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.ZkMetadataStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the buckets' lifecycle rules: walks every key of every bucket that has rules, decides with
 * {@link KeyPlan} at one instant taken from its clock, and removes through the metadata store's own
 * delete, each removal conditioned on the key's current version still being the one the decision
 * was made on ({@link WriteCondition.IfCurrentIs}), so a version written after the decision is
 * never removed by it. Runs hold the collector lock (one at a time across gateways) and record
 * their progress in ZooKeeper after every page of keys, so a run that dies is resumed where it
 * stopped, judged at the same instant; a run repeated on the same state removes nothing more.
 */
public final class LifecycleRunner {

    private static final Logger log = LoggerFactory.getLogger(LifecycleRunner.class);

    /** Versions listed per request; progress is recorded after each such page. */
    public static final int DEFAULT_PAGE = 1000;

    /** Points tests can stop a run at, or write at. */
    public interface Hooks {
        /** After a key was decided about, before anything is done to it (not in dry runs). */
        default void beforeApply(String bucket, String key) {}

        /** After a key was decided (and acted on, unless dry). */
        default void afterKey(String bucket, String key) {}

        Hooks NONE = new Hooks() {};
    }

    /** Counters since this runner was made, for /metrics. */
    public static final class Totals {
        public final AtomicLong runs = new AtomicLong();
        public final AtomicLong versionsExpired = new AtomicLong();
        public final AtomicLong markersRemoved = new AtomicLong();
        public final AtomicLong uploadsAborted = new AtomicLong();
        public final AtomicLong logicalBytesFreed = new AtomicLong();
    }

    private final ZkMetadataStore meta;
    private final Clock clock;
    private final Hooks hooks;
    private final int page;
    private final Totals totals = new Totals();

    public LifecycleRunner(ZkMetadataStore meta, Clock clock) {
        this(meta, clock, Hooks.NONE, DEFAULT_PAGE);
    }

    /** @param page versions listed per request, and so how often progress is recorded */
    public LifecycleRunner(ZkMetadataStore meta, Clock clock, Hooks hooks, int page) {
        this.meta = meta;
        this.clock = clock;
        this.hooks = hooks;
        this.page = page;
    }

    public Totals totals() {
        return totals;
    }

    /**
     * One run, or the rest of an interrupted one, with the collector lock held by this thread: stops
     * (to be resumed) as soon as the lock may have been lost.
     */
    public LifecycleReport run(GcCoordination.CollectorLock lock) {
        LifecycleRunState state = meta.lifecycleRunState();
        boolean resumed = state.running() != null;
        Checkpoint cp = resumed ? state.running()
                : new Checkpoint(UUID.randomUUID().toString(), clock.instant(), clock.instant(), null, null, false);
        Instant lastCompleted = state.lastCompleted();
        if (!resumed) {
            meta.saveLifecycleRunState(new LifecycleRunState(lastCompleted, cp));
        }
        log.info("lifecycle run {} run={} now={}", resumed ? "resumes" : "begins", cp.run(), cp.now());
        Walk walk = new Walk(false, cp, lastCompleted, lock);
        walk.all(null);
        meta.saveLifecycleRunState(new LifecycleRunState(cp.now(), null));
        totals.runs.incrementAndGet();
        LifecycleReport report = walk.report(resumed, -1);
        log.info("lifecycle run ends run={} versionsExpired={} markersRemoved={} uploadsAborted={} logicalBytes={} skipped={}",
                cp.run(), report.versionsExpired(), report.markersRemoved(), report.uploadsAborted(),
                report.logicalBytes(), report.skipped());
        return report;
    }

    /** What a run would remove now (of one bucket, or of all when null); changes nothing. */
    public DryRun dryRun(String onlyBucket) {
        Checkpoint cp = new Checkpoint("dry-run", clock.instant(), clock.instant(), null, null, false);
        Walk walk = new Walk(true, cp, null, null);
        walk.all(onlyBucket);
        return new DryRun(cp.now(), walk.decided, walk.uploads, walk.skipped);
    }

    /** The removals a dry run decided, for counting what they free. */
    public record DryRun(Instant now, List<Decided> versions, List<DecidedUpload> uploads, long skipped) {}

    public record Decided(String bucket, Action action) {}

    public record DecidedUpload(String bucket, Rule rule, UploadRecord upload, long bytes) {}

    /** One pass over the buckets. */
    private final class Walk {
        final boolean dry;
        final GcCoordination.CollectorLock lock;
        final Instant lastCompleted;
        Checkpoint cp;
        final Map<String, long[]> tallies = new LinkedHashMap<>(); // bucket \0 rule -> counts
        final List<Decided> decided = new ArrayList<>();
        final List<DecidedUpload> uploads = new ArrayList<>();
        long skipped;

        Walk(boolean dry, Checkpoint cp, Instant lastCompleted, GcCoordination.CollectorLock lock) {
            this.dry = dry;
            this.cp = cp;
            this.lastCompleted = lastCompleted;
            this.lock = lock;
        }

        void all(String only) {
            List<BucketRecord> buckets = new ArrayList<>(only == null ? meta.buckets()
                    : meta.bucket(only).map(List::of).orElseThrow(() -> new MetadataException.NoSuchBucket(only)));
            buckets.sort((a, b) -> a.name().compareTo(b.name()));
            for (BucketRecord b : buckets) {
                if (cp.bucket() != null && (b.name().compareTo(cp.bucket()) < 0
                        || (b.name().equals(cp.bucket()) && cp.bucketDone()))) {
                    continue;
                }
                String after = b.name().equals(cp.bucket()) ? cp.afterKey() : null;
                LifecycleConfiguration config;
                try {
                    config = meta.lifecycle(b.name()).orElse(null);
                } catch (MetadataException.NoSuchBucket e) {
                    continue; // deleted meanwhile
                }
                if (config != null && config.rules().stream().anyMatch(Rule::enabled)) {
                    bucket(b, config, after);
                    progress(cp.finished(b.name()));
                } else {
                    cp = cp.finished(b.name()); // nothing to resume here: not worth a write
                }
            }
        }

        private void bucket(BucketRecord b, LifecycleConfiguration config, String after) {
            boolean versioned = b.versioning() != Versioning.UNVERSIONED;
            for (String prefix : prefixes(config, r -> r.expiration() != null || r.noncurrent() != null)) {
                String keyMarker = after; // keys up to it are done; a marker before the prefix lists all of it
                String versionMarker = null;
                String key = null;
                List<VersionRecord> versions = new ArrayList<>();
                while (true) {
                    checkLock();
                    VersionListPage page = meta.listVersions(b.name(),
                            new VersionListQuery(prefix, null, keyMarker, versionMarker, LifecycleRunner.this.page));
                    String lastDone = null;
                    for (VersionEntry e : page.versions()) {
                        if (!e.version().key().equals(key)) {
                            if (key != null) {
                                key(b, config, versioned, versions);
                                lastDone = key;
                            }
                            key = e.version().key();
                            versions = new ArrayList<>();
                        }
                        versions.add(e.version());
                    }
                    if (lastDone != null) {
                        progress(cp.at(b.name(), lastDone));
                    }
                    if (!page.truncated()) {
                        break;
                    }
                    keyMarker = page.nextKeyMarker();
                    versionMarker = page.nextVersionIdMarker();
                }
                if (key != null) {
                    key(b, config, versioned, versions);
                    progress(cp.at(b.name(), key));
                }
            }
            abortUploads(b, config);
        }

        /**
         * Decides about one key and acts. A key written (or otherwise changed) between the decision and
         * an action is left to the next run: the action's condition fails, and nothing more is done to it.
         */
        private void key(BucketRecord b, LifecycleConfiguration config, boolean versioned, List<VersionRecord> versions) {
            String key = versions.get(0).key();
            KeyPlan plan = KeyPlan.decide(config, versions, versioned, cp.now());
            if (dry) {
                plan.actions().forEach(a -> {
                    decided.add(new Decided(b.name(), a));
                    count(b.name(), a);
                });
            } else if (!plan.isEmpty()) {
                hooks.beforeApply(b.name(), key);
                try {
                    apply(b, plan);
                } catch (MetadataException.PreconditionFailed changed) {
                    skipped++;
                    log.info("lifecycle left key={} bucket={} to the next run: it changed while being decided about",
                            key, b.name());
                }
            }
            hooks.afterKey(b.name(), key);
        }

        private void apply(BucketRecord b, KeyPlan plan) {
            WriteCondition unchanged = new WriteCondition.IfCurrentIs(plan.current().versionId(),
                    plan.current().lastModified());
            for (Action a : plan.actions()) {
                checkLock();
                String versionId = switch (a) {
                    case ExpireNoncurrent n -> n.version().versionId();
                    case RemoveMarker m -> m.version().versionId();
                    case ExpireCurrent c -> null; // DeleteObject without a version id: removed, or a delete marker
                };
                meta.delete(b.name(), plan.key(), versionId, unchanged, b.owner());
                count(b.name(), a);
                if (a instanceof RemoveMarker) {
                    totals.markersRemoved.incrementAndGet();
                } else {
                    totals.versionsExpired.incrementAndGet();
                }
                totals.logicalBytesFreed.addAndGet(a.logicalBytesFreed());
                log.debug("lifecycle {} bucket={} key={} version={} rule={}", a.getClass().getSimpleName(), b.name(),
                        plan.key(), a.version().versionId(), a.rule().id());
            }
        }

        private void abortUploads(BucketRecord b, LifecycleConfiguration config) {
            Set<String> seen = new HashSet<>();
            for (Rule r : config.rules()) {
                if (!r.enabled() || r.abortDays() == null) {
                    continue;
                }
                String keyMarker = null;
                String uploadMarker = null;
                while (true) {
                    checkLock();
                    UploadListPage page = meta.listUploads(b.name(),
                            new UploadListQuery(r.filter().prefix(), null, keyMarker, uploadMarker, LifecycleRunner.this.page));
                    for (UploadRecord u : page.uploads()) {
                        if (!Expiry.after(u.initiated(), r.abortDays()).isAfter(cp.now()) && seen.add(u.uploadId())) {
                            abort(b, r, u);
                        }
                    }
                    if (!page.truncated()) {
                        break;
                    }
                    keyMarker = page.nextKeyMarker();
                    uploadMarker = page.nextUploadIdMarker();
                }
            }
        }

        private void abort(BucketRecord b, Rule r, UploadRecord u) {
            long bytes = 0;
            try {
                for (PartRecord p : meta.parts(b.name(), u.uploadId(), 0, 10_000)) {
                    bytes += p.size();
                }
                if (dry) {
                    uploads.add(new DecidedUpload(b.name(), r, u, bytes));
                } else {
                    meta.abortUpload(b.name(), u.uploadId());
                    totals.uploadsAborted.incrementAndGet();
                    totals.logicalBytesFreed.addAndGet(bytes);
                }
                long[] t = tally(b.name(), r.id());
                t[3]++;
                t[4] += bytes;
            } catch (MetadataException.NoSuchUpload gone) {
                // completed or aborted meanwhile
            }
        }

        private void count(String bucket, Action a) {
            long[] t = tally(bucket, a.rule().id());
            switch (a) {
                case ExpireNoncurrent n -> t[0]++;
                case ExpireCurrent c -> t[1]++;
                case RemoveMarker m -> t[2]++;
            }
            t[4] += a.logicalBytesFreed();
        }

        private long[] tally(String bucket, String rule) {
            return tallies.computeIfAbsent(bucket + "\0" + rule, k -> new long[5]);
        }

        private void progress(Checkpoint next) {
            cp = next;
            if (!dry) {
                meta.saveLifecycleRunState(new LifecycleRunState(lastCompleted, next));
            }
        }

        private void checkLock() {
            if (lock != null && !lock.held()) {
                throw new MetadataException.Unavailable("the collector lock may have been lost; the lifecycle run "
                        + "stops here and is resumed by the next one", null);
            }
        }

        LifecycleReport report(boolean resumed, long physical) {
            List<LifecycleReport.RuleTally> rules = new ArrayList<>();
            tallies.forEach((k, t) -> {
                int z = k.indexOf('\0');
                rules.add(new LifecycleReport.RuleTally(k.substring(0, z), k.substring(z + 1), t[0], t[1], t[2], t[3],
                        t[4], -1));
            });
            return new LifecycleReport(dry, cp.now(), resumed, List.copyOf(rules), skipped, physical);
        }
    }

    /**
     * The prefixes to walk for the rules that act on versions: each rule's prefix, without those
     * inside another; the empty prefix (the whole bucket) when any rule has it.
     */
    static List<String> prefixes(LifecycleConfiguration config, java.util.function.Predicate<Rule> acting) {
        TreeSet<String> all = new TreeSet<>();
        for (Rule r : config.rules()) {
            if (r.enabled() && acting.test(r)) {
                all.add(r.filter().prefix());
            }
        }
        List<String> out = new ArrayList<>();
        for (String p : all) {
            if (out.isEmpty() || !p.startsWith(out.get(out.size() - 1))) {
                out.add(p);
            }
        }
        return out;
    }
}
