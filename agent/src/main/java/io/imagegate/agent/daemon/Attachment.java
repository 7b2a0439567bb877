package io.imagegate.agent.daemon;

import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.BaseImage;
import io.imagegate.agent.image.ExportStats;
import io.imagegate.agent.image.FetchLimits;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.image.LayeredDisk;
import io.imagegate.agent.image.OverlayLayer;
import io.imagegate.agent.nbd.NbdExport;
import io.imagegate.agent.nbd.NbdServer;
import io.imagegate.agent.prefetch.BootProfile;
import io.imagegate.agent.prefetch.Hydrator;
import io.imagegate.agent.prefetch.Prefetcher;
import io.imagegate.agent.prefetch.ProfileRecorder;
import io.imagegate.agent.remote.ExtensionClient;
import io.imagegate.agent.remote.Manifest;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.RemoteException;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.agent.snapshot.Committed;
import io.imagegate.agent.snapshot.Committer;
import io.imagegate.agent.snapshot.ExtensionCommitter;
import io.imagegate.agent.snapshot.MultipartCommitter;
import io.imagegate.agent.snapshot.VersionLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attached image: its store connection, the layered disk it serves, its counters, its boot
 * profile, and its snapshots (one at a time). Its record on disk follows every change of layers or
 * base version, so a restarted agent serves exactly what the guest last flushed.
 */
final class Attachment {

    private static final Logger log = LoggerFactory.getLogger(Attachment.class);
    private static final Duration SNAPSHOT_CLOSE_WAIT = Duration.ofSeconds(60);

    private final Path dir;
    private final S3Access s3;
    private final ExtensionClient extensions;
    private final NodeCache cache;
    private final FetchLimits limits;
    private final AgentConfig config;
    private final ExportStats stats = new ExportStats();
    private final LayeredDisk disk;
    private final Semaphore snapshotting = new Semaphore(1);
    private volatile AttachmentRecord record;
    private volatile NbdServer server;
    private volatile String url;
    private volatile ProfileRecorder recorder;
    private volatile Prefetcher prefetcher;
    private volatile Hydrator hydrator;
    private volatile String profileState = "off";
    private volatile String snapshotState = "none";
    private volatile String lastSnapshotVersion;
    private volatile String lastError;

    private Attachment(Path dir, AttachmentRecord record, S3Access s3, NodeCache cache, FetchLimits limits,
                       AgentConfig config, ImageVersion version) throws IOException {
        this.dir = dir;
        this.record = record;
        this.s3 = s3;
        this.extensions = new ExtensionClient(s3);
        this.cache = cache;
        this.limits = limits;
        this.config = config;
        BaseImage base = new BaseImage(version, s3, cache, limits, stats);
        List<OverlayLayer> opened = new ArrayList<>();
        try {
            for (long g : record.layers()) {
                opened.add(OverlayLayer.open(dir, g, record.size()));
            }
        } catch (IOException | RuntimeException e) {
            for (OverlayLayer l : opened) {
                l.close();
            }
            throw e;
        }
        OverlayLayer active = opened.getLast();
        List<OverlayLayer> frozen = new ArrayList<>(opened.subList(0, opened.size() - 1));
        java.util.Collections.reverse(frozen);
        this.disk = new LayeredDisk(base, active, frozen, record.readOnly(), stats);
    }

    /** A new attachment: layer 0 created and the record written before anything is served. */
    static Attachment create(Path dir, AttachmentRecord record, S3Access s3, NodeCache cache, FetchLimits limits,
                             AgentConfig config, ImageVersion version) throws IOException {
        OverlayLayer.create(dir, 0, record.size()).close();
        saveManifest(dir, version);
        record.write(dir);
        return new Attachment(dir, record, s3, cache, limits, config, version);
    }

    private static final String MANIFEST = "manifest.bin";

    /** The base version's manifest beside the record: a restart needs no store to serve what is cached. */
    private static void saveManifest(Path dir, ImageVersion v) throws IOException {
        if (v instanceof ImageVersion.Chunked c) {
            java.nio.file.Files.createDirectories(dir);
            c.manifest().write(dir.resolve(MANIFEST));
        }
    }

    /** An attachment left on disk by an earlier agent process (or a crash). */
    static Attachment reopen(Path dir, AttachmentRecord record, S3Access s3, NodeCache cache, FetchLimits limits,
                             AgentConfig config) throws IOException {
        return new Attachment(dir, record, s3, cache, limits, config, loadVersion(dir, record, s3));
    }

    /** Version ids compare with S3's spelling of "no version" ("null") and Java's null as one. */
    private static boolean sameVersion(String a, String b) {
        return java.util.Objects.equals(a == null ? "null" : a, b == null ? "null" : b);
    }

    private static ImageVersion loadVersion(Path dir, AttachmentRecord r, S3Access s3) throws IOException {
        ObjectRef ref = new ObjectRef(r.bucket(), r.key(), r.versionId());
        if (r.mode().equals("manifest")) {
            Path saved = dir.resolve(MANIFEST);
            if (Files.exists(saved)) {
                try {
                    Manifest m = Manifest.read(saved);
                    if (sameVersion(m.versionId(), r.versionId()) && m.size() == r.size()) {
                        return new ImageVersion.Chunked(ref, m);
                    }
                } catch (IOException e) {
                    log.warn("saved manifest unusable, asking the store dir={} error={}", dir, e.getMessage());
                }
            }
            Manifest m = new ExtensionClient(s3).manifest(ref);
            m.write(saved);
            return new ImageVersion.Chunked(ref, m);
        }
        return new ImageVersion.Plain(s3.endpoint().identity(), ref, r.etag(), r.size(), r.chunkSize());
    }

    String name() {
        return record.name();
    }

    AttachmentRecord record() {
        return record;
    }

    LayeredDisk disk() {
        return disk;
    }

    ExportStats stats() {
        return stats;
    }

    S3Access s3() {
        return s3;
    }

    NbdExport export() {
        ImageVersion v = disk.base().version();
        return new NbdExport(record.name(), v.ref() + " (" + v.mode() + ")",
                io.imagegate.agent.nbd.RequestTrace.wrap(record.name(), disk));
    }

    void servedBy(NbdServer s, String u) {
        this.server = s;
        this.url = u;
    }

    NbdServer server() {
        return server;
    }

    String url() {
        return url;
    }

    // ---- boot profile

    /** Prefetches from KEY.profile when there is one (mode auto); records one otherwise (or in mode record). */
    void startProfile(String mode) {
        if (mode == null || mode.equals("off")) {
            profileState = "off";
            return;
        }
        ImageVersion v = disk.base().version();
        Optional<BootProfile> existing = Optional.empty();
        if (mode.equals("auto")) {
            try {
                Optional<byte[]> b = s3.getSmall(v.ref().bucket(), BootProfile.keyFor(v.ref().key()), 64 << 20);
                if (b.isPresent()) {
                    existing = Optional.of(BootProfile.parse(b.get()));
                }
            } catch (IOException e) {
                log.info("no usable boot profile object={} reason={}", v.ref(), e.getMessage());
            }
        }
        if (existing.isPresent()) {
            Prefetcher p = new Prefetcher(disk.base(), existing.get(), stats);
            prefetcher = p;
            profileState = "prefetching";
            p.start();
            return;
        }
        ProfileRecorder r = new ProfileRecorder();
        recorder = r;
        disk.base().observe(r);
        profileState = "recording";
        Thread.ofVirtual().name("profile-window").start(() -> {
            try {
                Thread.sleep(config.profileWindow());
            } catch (InterruptedException e) {
                return;
            }
            saveProfile();
        });
    }

    /** Ends recording and stores the profile beside the image (once). */
    void saveProfile() {
        ProfileRecorder r = recorder;
        if (r == null || r.stopped()) {
            return;
        }
        ImageVersion v = disk.base().version();
        BootProfile p = r.stop(v.ref().withVersion(null).toString(), v.ref().versionId());
        disk.base().observe(null);
        if (p.offsets().length == 0) {
            profileState = "recorded nothing";
            return;
        }
        String key = BootProfile.keyFor(v.ref().key());
        try {
            s3.putSmall(v.ref().bucket(), key, p.toJson(), "application/json");
            profileState = "recorded " + p.offsets().length + " chunks";
            log.info("boot profile stored object=s3://{}/{} chunks={}", v.ref().bucket(), key, p.offsets().length);
        } catch (RemoteException e) {
            profileState = "not stored: " + e.getMessage();
            log.warn("boot profile not stored object=s3://{}/{} error={}", v.ref().bucket(), key, e.getMessage());
        }
    }

    Prefetcher prefetcher() {
        return prefetcher;
    }

    // ---- hydration

    /**
     * Fetches the whole version into the node cache in the background at {@code rate} bytes a
     * second (after the boot profile's prefetch), replacing a hydration already running; null stops
     * it. Kept in the record, so that a restarted agent goes on.
     */
    void hydrate(Long rate) throws IOException {
        synchronized (this) {
            record = record.withHydrateRate(rate);
            record.write(dir);
        }
        resumeHydration();
    }

    /** Starts (or restarts) hydration as the record says. */
    void resumeHydration() {
        Hydrator old = hydrator;
        if (old != null) {
            old.stop();
            try {
                old.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Long rate = record.hydrateRate();
        if (rate == null) {
            hydrator = null;
            return;
        }
        Hydrator h = new Hydrator(name(), disk::base, cache, limits, rate, prefetcher);
        hydrator = h;
        h.start();
    }

    // ---- snapshots

    /**
     * Freezes the overlay now (the guest's next writes go to a new layer) and commits it. With
     * {@code wait} the call returns the new version; otherwise it returns once frozen.
     */
    SnapshotResult snapshot(boolean wait) throws AgentException {
        if (record.readOnly()) {
            throw new AgentException("export " + name() + " is read-only: nothing to snapshot");
        }
        if (!snapshotting.tryAcquire()) {
            throw new AgentException("a snapshot of " + name() + " is already running");
        }
        LayeredDisk.Frozen frozen;
        try {
            frozen = freeze();
        } catch (IOException | RuntimeException e) {
            snapshotting.release();
            throw new AgentException("cannot freeze " + name() + ": " + e.getMessage(), e);
        }
        snapshotState = "committing";
        if (!wait) {
            Thread.ofVirtual().name("snapshot-" + name()).start(() -> {
                try {
                    commit(frozen);
                } catch (AgentException e) {
                    log.warn("snapshot failed export={} error={}", name(), e.getMessage());
                }
            });
            return new SnapshotResult(name(), "started", null, null, null, 0, 0, 0);
        }
        return commit(frozen);
    }

    private synchronized LayeredDisk.Frozen freeze() throws IOException {
        AttachmentRecord r = record;
        long gen = r.nextGeneration();
        OverlayLayer next = OverlayLayer.create(dir, gen, r.size());
        List<Long> layers = new ArrayList<>(r.layers());
        layers.add(gen);
        AttachmentRecord updated = r.withLayers(layers, gen + 1);
        try {
            updated.write(dir);
        } catch (IOException e) {
            next.delete();
            throw e;
        }
        record = updated;
        return disk.freeze(next);
    }

    private SnapshotResult commit(LayeredDisk.Frozen frozen) throws AgentException {
        try {
            Committed c = committer(frozen.base().version()).commit(frozen);
            if (c.method().equals("unchanged")) {
                log.info("snapshot found no change export={} version={}", name(), c.version().ref().versionId());
            }
            BaseImage next = new BaseImage(c.version(), s3, cache, limits, stats);
            ProfileRecorder r = recorder;
            if (r != null && !r.stopped()) {
                next.observe(r);
            }
            BaseImage previous = disk.base();
            disk.rebase(next, frozen.layers());
            previous.close();
            List<Long> left = new ArrayList<>(record.layers());
            frozen.layers().forEach(l -> left.remove(l.generation()));
            ImageVersion v = c.version();
            saveManifest(dir, v);
            synchronized (this) {
                record = record.withVersion(v.ref().versionId(), v.etag(), left,
                        c.method().equals("unchanged") ? null : v.ref().versionId());
                record.write(dir);
            }
            for (var l : frozen.layers()) {
                l.delete();
            }
            stats.snapshots.incrementAndGet();
            lastSnapshotVersion = v.ref().versionId();
            snapshotState = "done";
            return new SnapshotResult(name(), "done", v.ref().versionId(), v.etag(), c.method(), c.changedChunks(),
                    c.uploadedBytes(), c.copiedBytes());
        } catch (IOException | RuntimeException e) {
            snapshotState = "failed: " + e.getMessage();
            lastError = e.getMessage();
            throw new AgentException("snapshot of " + name() + " failed (the frozen writes stay and go into the next "
                    + "snapshot): " + e.getMessage(), e);
        } finally {
            snapshotting.release();
        }
    }

    private Committer committer(ImageVersion base) {
        VersionLoader loader = (b, head) -> {
            ObjectRef ref = b.ref().withVersion(head.versionId());
            if (b instanceof ImageVersion.Plain p) {
                return new ImageVersion.Plain(p.service(), ref, head.etag(), p.size(), p.chunkSize());
            }
            return new ImageVersion.Chunked(ref, extensions.manifest(ref));
        };
        MultipartCommitter multipart = new MultipartCommitter(s3, cache, 4, loader);
        if (!(base instanceof ImageVersion.Chunked)) {
            return multipart;
        }
        ExtensionCommitter ext = new ExtensionCommitter(extensions, cache, 8);
        return frozen -> {
            try {
                return ext.commit(frozen);
            } catch (RemoteException e) {
                if (e.status() == 501 || "NotImplemented".equals(e.code())) {
                    log.info("commit extension not available, snapshot through multipart export={}", name());
                    return multipart.commit(frozen);
                }
                throw e;
            }
        };
    }

    boolean snapshotRunning() {
        return snapshotting.availablePermits() == 0;
    }

    // ---- status and end

    ExportStatus status() {
        ImageVersion v = disk.base().version();
        Hydrator h = hydrator;
        Hydrator.Progress hp = h == null ? null : h.progress();
        NbdServer s = server;
        return new ExportStatus(name(), url, v.ref().withVersion(null).toString(), v.ref().versionId(), v.mode(),
                v.size(), record.readOnly(), s == null ? 0 : s.connectionCount(name()), stats.guestReadBytes.get(),
                stats.guestWriteBytes.get(), stats.fetchedBytes.get(), stats.fetchRequests.get(),
                stats.fetchedChunks.get(), stats.cacheHits.get(), stats.sharedFetches.get(), stats.readAheadChunks.get(),
                stats.fetchRetries.get(), stats.fetchFailures.get(), stats.hashMismatches.get(), disk.dirtyBytes(),
                stats.prefetchDone.get(), stats.prefetchTotal.get(), profileState, snapshotState, stats.snapshots.get(),
                lastSnapshotVersion, lastError, hp == null ? null : hp.state(), hp == null ? 0 : hp.bytes(),
                hp == null ? 0 : hp.totalBytes(), h == null ? 0 : h.rate(), hp == null ? -1 : hp.etaSeconds());
    }

    /**
     * Stops background work and closes the layers; the files stay (a restart serves them again). A
     * snapshot being committed gets up to {@link #SNAPSHOT_CLOSE_WAIT} to finish; past that it is
     * abandoned, and its frozen writes stay in the overlay for the next snapshot.
     */
    void close() {
        try {
            if (snapshotting.tryAcquire(SNAPSHOT_CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                snapshotting.release();
            } else {
                log.warn("closing export={} while its snapshot is still committing; the snapshot is abandoned", name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Prefetcher p = prefetcher;
        if (p != null) {
            p.stop();
            try {
                p.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Hydrator h = hydrator;
        if (h != null) {
            h.stop();
            try {
                h.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        disk.base().close();
        try {
            disk.active().flush();
        } catch (IOException e) {
            log.warn("final flush failed export={} error={}", name(), e.getMessage());
        }
        closeLayers();
        s3.close();
    }

    private void closeLayers() {
        List<OverlayLayer> all = new ArrayList<>(disk.frozen());
        all.add(disk.active());
        for (OverlayLayer l : all) {
            try {
                l.close();
            } catch (IOException e) {
                log.debug("closing layer {}: {}", l.generation(), e.toString());
            }
        }
    }

    /** Detach: like close, then the overlay and record are removed. */
    void destroy() throws IOException {
        close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
