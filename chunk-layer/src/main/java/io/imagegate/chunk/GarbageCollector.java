package io.imagegate.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark and sweep over a {@link ChunkStore}. Marks every entry that a live manifest root reaches
 * (through redirects of packs rewritten earlier), then, among packs older than the cutoff only,
 * deletes those with nothing live, and rewrites those whose live fraction is below the threshold:
 * their live entries are copied, in order, into a new pack, a {@link Redirect} record is written,
 * and only then is the old pack deleted. Readers follow redirects, so no reader ever meets a
 * reference it cannot resolve. Every step is idempotent and ordered so that a collector killed
 * anywhere leaves nothing referenced unreachable; the next run finishes what it left. The rules
 * and their argument are in docs/FORMAT-chunks.md, section 9.
 *
 * <p>One collector at a time per store: the caller holds the lock that {@link LiveRoots} reports
 * through {@link LiveRoots.Marking#mayProceed()}.
 */
public final class GarbageCollector {

    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    /** Live entries of a pack being rewritten are read in runs of at most this many bytes. */
    private static final int MAX_COPY_READ = 8 * 1024 * 1024;

    private final DefaultChunkRepository repository;
    private final ChunkStore store;
    private final RedirectingChunkStore reads;
    private final CollectorConfig config;

    public GarbageCollector(DefaultChunkRepository repository, CollectorConfig config) {
        this.repository = repository;
        this.store = repository.store();
        this.reads = repository.redirectingStore();
        this.config = config;
    }

    public CollectorConfig config() {
        return config;
    }

    /**
     * Runs one collection. Any failure before the sweep leaves the store untouched; a failure
     * during the sweep leaves it consistent, to be finished by the next run.
     */
    public CollectionReport collect(LiveRoots live, boolean dryRun) throws IOException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Run run = new Run(started, dryRun);
        try (LiveRoots.Marking marking = live.begin(dryRun)) {
            run.inventory();
            marking.visitStored(run::markStored);
            Optional<Instant> oldestWrite = marking.visitPinned(run::markPinned);
            if (!dryRun) {
                marking.finish();
            }
            Instant byGrace = started.minus(config.grace());
            run.cutoff = oldestWrite.filter(w -> w.isBefore(byGrace)).orElse(byGrace);
            long t1 = System.nanoTime();
            run.plan();
            if (!dryRun) {
                run.execute(marking);
            }
            CollectionReport report = run.report(Duration.ofNanos(t1 - t0), Duration.ofNanos(System.nanoTime() - t1));
            log.info("collection {}", report.summary());
            return report;
        }
    }

    /** A pack to rewrite: its size and the footer entries that live references reach. */
    private record Rewrite(PackId pack, long size, List<PackReader.PackEntry> live) {}

    /** The state of one collection. */
    private final class Run {
        final Instant started;
        final boolean dryRun;
        /** Marks are kept only for packs this old: younger ones cannot be candidates. */
        final Instant recordBefore;
        final Map<PackId, Long> packs = new HashMap<>();
        final Set<PackId> redirects = new HashSet<>();
        final RefMarks marks = new RefMarks();
        final Set<ChunkHash> seenPages = new HashSet<>();
        final Set<PackId> usedRedirects = new HashSet<>();
        final Set<PackId> unknown = new HashSet<>();
        Instant cutoff;

        final List<PackId> deletes = new ArrayList<>();
        final List<PackId> retired = new ArrayList<>();
        final List<Rewrite> rewrites = new ArrayList<>();
        final List<PackId> redirectDeletes = new ArrayList<>();

        long rootsMarked;
        long pinnedRoots;
        long anomalies;
        long packsDeleted;
        long packsRewritten;
        long packsWritten;
        long bytesFreed;
        long bytesCopied;
        long redirectsWritten;
        long redirectsDeleted;

        Run(Instant started, boolean dryRun) {
            this.started = started;
            this.dryRun = dryRun;
            this.recordBefore = started.minus(config.grace());
        }

        /** Packs and redirect records as they are now; only this collector adds redirects or deletes. */
        void inventory() throws IOException {
            try (var s = store.list()) {
                s.forEach(p -> packs.put(p.id(), p.size()));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            try (var s = store.listRedirects()) {
                s.forEach(redirects::add);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        void markStored(ManifestRoot root) throws IOException {
            rootsMarked++;
            markRoot(root);
        }

        void markPinned(ManifestRoot root) throws IOException {
            pinnedRoots++;
            markRoot(root);
        }

        private void markRoot(ManifestRoot root) throws IOException {
            if (root.top() == null) {
                return;
            }
            if (root.depth() == 0) {
                if (!root.top().isZero()) {
                    markRef(root.top());
                }
                return;
            }
            try {
                repository.walkPages(root, page -> {
                    markUnchecked(page);
                    return seenPages.add(page.hash());
                }, this::markUnchecked);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        private void markUnchecked(ChunkRef ref) {
            try {
                markRef(ref);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Marks the entry a reference names, where it is now: followed through redirects. */
        private void markRef(ChunkRef ref) throws IOException {
            PackId p = ref.pack();
            long off = ref.offset();
            for (int hop = 0; hop <= RedirectingChunkStore.MAX_HOPS; hop++) {
                boolean redirected = redirects.contains(p);
                if (!redirected && packs.containsKey(p)) {
                    if (p.createdAt().isBefore(recordBefore)) {
                        marks.mark(p, off, ref.length());
                    }
                    return;
                }
                if (!redirected) {
                    unknown.add(p); // written after the listing, or missing: told apart once the cutoff is known
                    return;
                }
                usedRedirects.add(p);
                Optional<Redirect> r = reads.redirect(p);
                Redirect.Entry e = r.isEmpty() ? null : r.get().entryAt(off);
                if (e == null || e.length() != ref.length() || !e.hash().equals(ref.hash())) {
                    anomaly("a live reference to " + p + " at " + off + " is not in the pack's redirect record");
                    return;
                }
                p = r.get().to();
                off = e.newOffset();
            }
            anomaly("redirects from " + ref.pack() + " form a chain longer than " + RedirectingChunkStore.MAX_HOPS);
        }

        void plan() throws IOException {
            for (PackId p : unknown) {
                if (p.createdAt().isBefore(cutoff)) {
                    anomaly("live references name pack " + p + ", which is neither stored nor redirected");
                }
            }
            for (Map.Entry<PackId, Long> e : new TreeMap<>(packs).entrySet()) {
                PackId p = e.getKey();
                if (p.createdAt().isBefore(cutoff)) {
                    planPack(p, e.getValue());
                }
            }
            Set<PackId> retiredSet = new HashSet<>(retired);
            for (PackId r : redirects) {
                if (!usedRedirects.contains(r) && (!packs.containsKey(r) || retiredSet.contains(r))) {
                    redirectDeletes.add(r);
                }
            }
        }

        private void planPack(PackId p, long size) throws IOException {
            if (redirects.contains(p)) {
                // an earlier rewrite wrote the redirect and stopped before deleting the pack
                Optional<Redirect> r = reads.redirect(p);
                if (r.isPresent() && (packs.containsKey(r.get().to()) || redirects.contains(r.get().to()))) {
                    retired.add(p);
                } else {
                    anomaly("pack " + p + " has a redirect to " + r.map(Redirect::to).orElse(null) + ", which is gone");
                }
                return;
            }
            if (!marks.has(p)) {
                deletes.add(p);
                return;
            }
            if (marks.liveBytes(p) >= config.rewriteThreshold() * size) {
                return; // the pack's data is less than its size, so its live fraction is at least this
            }
            List<PackReader.PackEntry> entries;
            try {
                entries = PackReader.readIndex(store, new ChunkStore.PackInfo(p, size));
            } catch (CorruptPackException | java.io.EOFException e) {
                anomaly("pack " + p + " has live entries but no readable footer: " + e.getMessage());
                return;
            }
            Map<Long, PackReader.PackEntry> byOffset = new HashMap<>();
            long total = 0;
            for (PackReader.PackEntry entry : entries) {
                byOffset.put(entry.offset(), entry);
                total += entry.length();
            }
            List<PackReader.PackEntry> live = new ArrayList<>();
            long liveBytes = 0;
            for (long m : marks.marked(p)) {
                PackReader.PackEntry entry = byOffset.get(RefMarks.offset(m));
                if (entry == null || entry.length() != RefMarks.length(m)) {
                    anomaly("a live reference to " + p + " at " + RefMarks.offset(m) + " names no entry of the pack");
                    return;
                }
                live.add(entry);
                liveBytes += entry.length();
            }
            if (liveBytes < config.rewriteThreshold() * total) {
                live.sort((a, b) -> Long.compare(a.offset(), b.offset()));
                rewrites.add(new Rewrite(p, size, live));
            }
        }

        void execute(LiveRoots.Marking marking) throws IOException {
            for (PackId p : deletes) {
                deletePack(marking, p, CollectorConfig.Step.DELETE_PACK);
            }
            for (PackId p : retired) {
                deletePack(marking, p, CollectorConfig.Step.DELETE_REWRITTEN);
            }
            rewrite(marking);
            for (PackId r : redirectDeletes) {
                guard(marking);
                config.hook().before(CollectorConfig.Step.DELETE_REDIRECT, r);
                store.deleteRedirect(r);
                redirectsDeleted++;
            }
        }

        private void deletePack(LiveRoots.Marking marking, PackId p, CollectorConfig.Step step) throws IOException {
            guard(marking);
            config.hook().before(step, p);
            store.delete(p);
            packsDeleted++;
            bytesFreed += packs.get(p);
        }

        /** Copies packs' live entries into new packs, one group per new pack; see {@link #flush}. */
        private void rewrite(LiveRoots.Marking marking) throws IOException {
            Group group = new Group();
            for (Rewrite rw : rewrites) {
                guard(marking);
                List<byte[]> data = readLive(rw);
                if (data == null) {
                    continue;
                }
                long bytes = 0;
                for (PackReader.PackEntry e : rw.live()) {
                    bytes += PackFormat.ENTRY_HEADER_BYTES + e.length();
                }
                if (PackFormat.HEADER_BYTES + bytes + PackFormat.footerBytes(rw.live().size()) > config.maxPackBytes()) {
                    log.warn("collector: pack {} keeps more live bytes than a new pack may hold; not rewritten", rw.pack());
                    continue;
                }
                if (group.entries > 0 && PackFormat.HEADER_BYTES + group.bytes + bytes
                        + PackFormat.footerBytes(group.entries + rw.live().size()) > config.maxPackBytes()) {
                    flush(marking, group);
                    group = new Group();
                }
                group.add(rw, data, bytes);
            }
            if (group.entries > 0) {
                flush(marking, group);
            }
        }

        /**
         * Seals the group's new pack, then writes the redirect of every pack copied into it, then
         * deletes those packs: a crash between any two steps leaves every reference resolvable.
         */
        private void flush(LiveRoots.Marking marking, Group group) throws IOException {
            guard(marking);
            PackId target = group.target;
            try {
                config.hook().before(CollectorConfig.Step.SEAL_REWRITE, target);
                group.sink.sealAll();
            } catch (IOException | RuntimeException e) {
                group.sink.abortAll();
                throw e;
            }
            packsWritten++;
            bytesCopied += PackFormat.HEADER_BYTES + group.bytes + PackFormat.footerBytes(group.entries);
            for (int i = 0; i < group.moved.size(); i++) {
                guard(marking);
                Rewrite rw = group.moved.get(i);
                config.hook().before(CollectorConfig.Step.WRITE_REDIRECT, rw.pack());
                store.writeRedirect(rw.pack(), new Redirect(rw.pack(), target, group.entries(i)).encode());
                redirectsWritten++;
            }
            for (Rewrite rw : group.moved) {
                guard(marking);
                config.hook().before(CollectorConfig.Step.DELETE_REWRITTEN, rw.pack());
                store.delete(rw.pack());
                packsRewritten++;
                bytesFreed += rw.size();
            }
        }

        /** The pack's live entries, each checked against its hash; null (and left alone) when one is bad. */
        private List<byte[]> readLive(Rewrite rw) throws IOException {
            List<PackReader.PackEntry> live = rw.live();
            List<byte[]> out = new ArrayList<>(live.size());
            int i = 0;
            while (i < live.size()) {
                int j = i;
                long end = live.get(i).offset() + live.get(i).length();
                while (j + 1 < live.size()
                        && live.get(j + 1).offset() == end + PackFormat.ENTRY_HEADER_BYTES
                        && live.get(j + 1).offset() + live.get(j + 1).length() - live.get(i).offset() <= MAX_COPY_READ) {
                    j++;
                    end = live.get(j).offset() + live.get(j).length();
                }
                long from = live.get(i).offset();
                byte[] buf = new byte[(int) (end - from)];
                int first = i;
                int last = j;
                try {
                    VerifiedReads.read(store, rw.pack(), from, buf, buf.length, () -> {
                        for (int k = first; k <= last; k++) {
                            PackReader.PackEntry e = live.get(k);
                            if (!ChunkHash.sha256(buf, (int) (e.offset() - from), e.length()).equals(e.hash())) {
                                throw new CorruptChunkException("entry does not match its hash", rw.pack(), e.offset());
                            }
                        }
                    });
                } catch (CorruptChunkException e) {
                    anomaly("pack " + rw.pack() + " is not rewritten: " + e.getMessage());
                    return null;
                }
                for (int k = first; k <= last; k++) {
                    PackReader.PackEntry e = live.get(k);
                    int at = (int) (e.offset() - from);
                    out.add(java.util.Arrays.copyOfRange(buf, at, at + e.length()));
                }
                i = j + 1;
            }
            return out;
        }

        private void guard(LiveRoots.Marking marking) throws IOException {
            if (!marking.mayProceed()) {
                throw new IOException("the collector lost its lock; the sweep stops here and the next run finishes it");
            }
        }

        private void anomaly(String what) {
            anomalies++;
            log.error("collector: {}", what);
        }

        CollectionReport report(Duration mark, Duration sweep) {
            long deleted = packsDeleted;
            long rewritten = packsRewritten;
            long written = packsWritten;
            long freed = bytesFreed;
            long copied = bytesCopied;
            long redirectsIn = redirectsWritten;
            long redirectsOut = redirectsDeleted;
            if (dryRun) {
                deleted = deletes.size() + retired.size();
                rewritten = rewrites.size();
                freed = 0;
                copied = 0;
                for (PackId p : deletes) {
                    freed += packs.get(p);
                }
                for (PackId p : retired) {
                    freed += packs.get(p);
                }
                Group g = new Group(false);
                written = 0;
                for (Rewrite rw : rewrites) {
                    freed += rw.size();
                    long bytes = 0;
                    for (PackReader.PackEntry e : rw.live()) {
                        bytes += PackFormat.ENTRY_HEADER_BYTES + e.length();
                    }
                    if (g.entries > 0 && PackFormat.HEADER_BYTES + g.bytes + bytes
                            + PackFormat.footerBytes(g.entries + rw.live().size()) > config.maxPackBytes()) {
                        copied += PackFormat.HEADER_BYTES + g.bytes + PackFormat.footerBytes(g.entries);
                        written++;
                        g = new Group(false);
                    }
                    g.bytes += bytes;
                    g.entries += rw.live().size();
                }
                if (g.entries > 0) {
                    copied += PackFormat.HEADER_BYTES + g.bytes + PackFormat.footerBytes(g.entries);
                    written++;
                }
                redirectsIn = rewrites.size();
                redirectsOut = redirectDeletes.size();
            }
            return new CollectionReport(dryRun, started, cutoff, mark, sweep, rootsMarked, pinnedRoots,
                    seenPages.size(), packs.size(), deleted, rewritten, written, freed, copied, redirectsIn,
                    redirectsOut, anomalies);
        }
    }

    /** Packs being copied into one new pack. */
    private final class Group {
        final PackSink sink;
        final List<Rewrite> moved = new ArrayList<>();
        final List<List<Redirect.Entry>> movedEntries = new ArrayList<>();
        PackId target;
        long bytes;
        int entries;

        Group() {
            this(true);
        }

        Group(boolean writing) {
            this.sink = writing ? new PackSink(store, config.maxPackBytes(), repository.buffers()) : null;
        }

        void add(Rewrite rw, List<byte[]> data, long entryBytes) throws IOException {
            List<Redirect.Entry> out = new ArrayList<>(data.size());
            try {
                for (int i = 0; i < data.size(); i++) {
                    PackReader.PackEntry e = rw.live().get(i);
                    byte[] b = data.get(i);
                    ChunkRef ref = sink.append(e.type(), e.hash(), b, 0, b.length);
                    if (target == null) {
                        target = ref.pack();
                    } else if (!target.equals(ref.pack())) {
                        throw new IllegalStateException("a rewrite group spilled into a second pack");
                    }
                    out.add(new Redirect.Entry(e.type(), e.hash(), e.offset(), ref.offset(), e.length()));
                }
            } catch (IOException | RuntimeException ex) {
                sink.abortAll();
                throw ex;
            }
            moved.add(rw);
            movedEntries.add(out);
            bytes += entryBytes;
            entries += data.size();
        }

        List<Redirect.Entry> entries(int i) {
            return movedEntries.get(i);
        }
    }
}
