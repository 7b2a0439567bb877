package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import io.imagegate.meta.MetadataStore.VersionEntry;
import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;

/**
 * ListObjects and ListObjectVersions. Both walk the key space from a cursor, one partition range
 * at a time, jumping past a common prefix as soon as one live key under it is seen, and read key
 * nodes in parallel for a window of keys at a time.
 */
final class Listing {

    private static final int MAX_ATTEMPTS = 16;

    private final Context ctx;

    Listing(Context ctx) {
        this.ctx = ctx;
    }

    /** A step of the walk: one key, or a common prefix with the first key seen under it. */
    private sealed interface Item {}

    private record KeyItem(KeyView.Entry entry) implements Item {}

    private record PrefixItem(byte[] prefix, KeyView.Entry probe) implements Item {}

    /** The filter both listings share. */
    private record Range(byte[] prefix, byte[] end, byte[] delimiter) {

        static Range of(String prefix, String delimiter) {
            byte[] p = prefix == null ? ByteKeys.EMPTY : KeyNames.utf8(prefix);
            byte[] dl = delimiter == null || delimiter.isEmpty() ? null : KeyNames.utf8(delimiter);
            return new Range(p, p.length == 0 ? null : ByteKeys.pastPrefix(p), dl);
        }

        /** Where to start after a marker: past its whole common prefix when it rolls up into one. */
        byte[] after(String marker) {
            if (marker == null || marker.isEmpty()) {
                return prefix;
            }
            byte[] m = KeyNames.utf8(marker);
            byte[] cp = ByteKeys.rollup(m, prefix, delimiter);
            return ByteKeys.max(prefix, cp != null ? ByteKeys.pastPrefix(cp) : ByteKeys.after(m));
        }

        boolean ended(byte[] cursor) {
            return cursor == null || (end != null && ByteKeys.compare(cursor, end) >= 0);
        }
    }

    /** What a listing attempt body does with a fresh view. */
    @FunctionalInterface
    private interface Body<T> {
        T run(KeyView view) throws KeeperException, InterruptedException;
    }

    ListPage list(String bucket, ListQuery q) {
        requireMax(q.maxKeys());
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Context.BucketNode b = ctx.bucket(d, bucket);
        if (q.maxKeys() == 0) {
            return new ListPage(List.of(), List.of(), false, null);
        }
        Range range = Range.of(q.prefix(), q.delimiter());
        return attempt(d, bucket, b.incarnation(), view -> listIn(view, range, range.after(q.startAfter()),
                q.maxKeys(), q.step()));
    }

    VersionListPage listVersions(String bucket, VersionListQuery q) {
        requireMax(q.maxKeys());
        boolean hasVersionMarker = q.versionIdMarker() != null && !q.versionIdMarker().isEmpty();
        if (hasVersionMarker && (q.keyMarker() == null || q.keyMarker().isEmpty())) {
            throw new MetadataException.InvalidArgument("A version-id marker cannot be specified without a key marker.",
                    "version-id-marker", q.versionIdMarker());
        }
        if (hasVersionMarker) {
            VersionIds.validate(q.versionIdMarker(), "version-id-marker");
        }
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Context.BucketNode b = ctx.bucket(d, bucket);
        if (q.maxKeys() == 0) {
            return new VersionListPage(List.of(), List.of(), false, null, null);
        }
        Range range = Range.of(q.prefix(), q.delimiter());
        VersionCursor start = VersionCursor.of(range, q.keyMarker(), hasVersionMarker ? q.versionIdMarker() : null);
        return attempt(d, bucket, b.incarnation(), view -> new VersionWalk(ctx, view, bucket, range, q.maxKeys(),
                q.step()).run(start));
    }

    // Runs a listing body on a view; starts over with fresh map reads when the map changed meanwhile.
    private <T> T attempt(Deadline d, String bucket, long incarnation, Body<T> body) {
        for (int attempt = 0; ; attempt++) {
            boolean fresh = attempt > 0;
            try {
                T result = ctx.zk.read(d, h -> {
                    KeyView view = new KeyView(ctx, bucket, incarnation, fresh, d, h);
                    T r = body.run(view);
                    if (!view.valid()) {
                        throw new KeyView.Stale();
                    }
                    return r;
                });
                return result;
            } catch (KeyView.Stale e) {
                ctx.maps.invalidate(bucket);
                if (attempt + 1 >= MAX_ATTEMPTS || d.expired()) {
                    throw new MetadataException.Unavailable("listing kept racing with partition splits", null);
                }
                backOff(attempt);
            }
        }
    }

    /**
     * Splits come in bursts (a busy partition splits, then its halves may too): waiting 1, 2, 4, ...
     * up to 64 ms, with jitter, between attempts lets a burst pass instead of losing every attempt
     * to it.
     */
    private static void backOff(int attempt) {
        long cap = 1L << Math.min(attempt, 6);
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetadataException.Unavailable("interrupted while listing", e);
        }
    }

    private ListPage listIn(KeyView view, Range range, byte[] cursor, int maxKeys, Runnable step)
            throws KeeperException, InterruptedException {
        List<VersionRecord> contents = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        String last = null;
        byte[] c = cursor;
        while (!range.ended(c)) {
            runStep(step);
            List<Item> items = plan(view, c, range, Math.min(1000, Math.max(16, maxKeys - contents.size()
                    - prefixes.size() + 1)));
            if (items.isEmpty()) {
                break;
            }
            Map<String, Zk.Node> nodes = view.fetch(names(items));
            for (Item item : items) {
                if (item instanceof KeyItem k) {
                    c = ByteKeys.after(k.entry().key());
                    VersionRecord v = liveCurrent(nodes.get(k.entry().name()));
                    if (v == null) {
                        continue;
                    }
                    if (contents.size() + prefixes.size() == maxKeys) {
                        return new ListPage(contents, prefixes, true, last);
                    }
                    contents.add(v);
                    last = v.key();
                } else if (item instanceof PrefixItem p) {
                    if (liveCurrent(nodes.get(p.probe().name())) == null) {
                        c = ByteKeys.after(p.probe().key());
                        break;
                    }
                    if (contents.size() + prefixes.size() == maxKeys) {
                        return new ListPage(contents, prefixes, true, last);
                    }
                    last = ByteKeys.text(p.prefix());
                    prefixes.add(last);
                    c = ByteKeys.pastPrefix(p.prefix());
                }
            }
        }
        return new ListPage(contents, prefixes, false, null);
    }

    /** Up to {@code max} items from {@code cursor} on, in key order; each common prefix is skipped in one jump. */
    private static List<Item> plan(KeyView view, byte[] cursor, Range range, int max)
            throws KeeperException, InterruptedException {
        List<Item> items = new ArrayList<>();
        byte[] c = cursor;
        KeyView.Segment seg = null;
        while (items.size() < max && !range.ended(c)) {
            if (seg == null || !seg.covers(c)) {
                seg = view.segmentAt(c);
            }
            int i = seg.lowerBound(c);
            if (i >= seg.entries().size()) {
                c = seg.hi();
                seg = null;
                continue;
            }
            KeyView.Entry e = seg.entries().get(i);
            if (range.ended(e.key())) {
                break;
            }
            byte[] cp = ByteKeys.rollup(e.key(), range.prefix(), range.delimiter());
            if (cp != null) {
                items.add(new PrefixItem(cp, e));
                c = ByteKeys.pastPrefix(cp);
            } else {
                items.add(new KeyItem(e));
                c = ByteKeys.after(e.key());
            }
        }
        return items;
    }

    private static List<String> names(List<Item> items) {
        List<String> names = new ArrayList<>(items.size());
        for (Item item : items) {
            names.add(item instanceof KeyItem k ? k.entry().name() : ((PrefixItem) item).probe().name());
        }
        return names;
    }

    private static VersionRecord liveCurrent(Zk.Node n) {
        if (n == null) {
            return null;
        }
        VersionRecord v = Stored.key(n.data()).current();
        return v.deleteMarker() ? null : v;
    }

    /** Runs a listing's step; what it throws leaves the store as it was thrown ({@link Stopped}). */
    static void runStep(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            throw new Stopped(e);
        }
    }

    /** A listing stopped by its step: carries the step's exception past the store's own error handling. */
    static final class Stopped extends RuntimeException {
        Stopped(RuntimeException byCaller) {
            super(byCaller);
        }

        RuntimeException byCaller() {
            return (RuntimeException) getCause();
        }
    }

    private static void requireMax(int max) {
        if (max < 0) {
            throw new MetadataException.InvalidArgument("max-keys must not be negative", "max-keys", String.valueOf(max));
        }
    }

    /** Where a version listing starts: a key, and for that key only versions below a marker. */
    private record VersionCursor(byte[] key, byte[] markerKey, String versionIdMarker) {

        static VersionCursor of(Range range, String keyMarker, String versionIdMarker) {
            if (keyMarker == null || keyMarker.isEmpty()) {
                return new VersionCursor(range.prefix(), null, null);
            }
            byte[] k = KeyNames.utf8(keyMarker);
            if (versionIdMarker == null || ByteKeys.rollup(k, range.prefix(), range.delimiter()) != null) {
                return new VersionCursor(range.after(keyMarker), null, null);
            }
            return new VersionCursor(ByteKeys.max(range.prefix(), k), k, versionIdMarker);
        }
    }

    /** One ListObjectVersions page being filled. */
    private static final class VersionWalk {
        private static final int PREFETCH = 16;
        private final Context ctx;
        private final KeyView view;
        private final String bucket;
        private final Range range;
        private final int max;
        private final Runnable step;
        private final List<VersionEntry> versions = new ArrayList<>();
        private final List<String> prefixes = new ArrayList<>();
        private String lastKey;
        private String lastVersion;

        VersionWalk(Context ctx, KeyView view, String bucket, Range range, int max, Runnable step) {
            this.step = step;
            this.ctx = ctx;
            this.view = view;
            this.bucket = bucket;
            this.range = range;
            this.max = max;
        }

        VersionListPage run(VersionCursor start) throws KeeperException, InterruptedException {
            byte[] c = start.key();
            while (!range.ended(c)) {
                runStep(step);
                List<Item> items = plan(view, c, range, Math.min(1000, max - count() + 1));
                if (items.isEmpty()) {
                    break;
                }
                Map<String, Zk.Node> nodes = view.fetch(names(items));
                Map<String, CompletableFuture<Keys.Batch>> history = prefetchHistory(items, nodes, start);
                for (Item item : items) {
                    if (item instanceof KeyItem k) {
                        c = ByteKeys.after(k.entry().key());
                        Zk.Node n = nodes.get(k.entry().name());
                        if (n != null && emitKey(k.entry(), Keys.parse(n), start, history.get(k.entry().name()))) {
                            return page(true);
                        }
                    } else if (item instanceof PrefixItem p) {
                        if (nodes.get(p.probe().name()) == null) {
                            c = ByteKeys.after(p.probe().key());
                            break;
                        }
                        if (count() == max) {
                            return page(true);
                        }
                        lastKey = ByteKeys.text(p.prefix());
                        lastVersion = null;
                        prefixes.add(lastKey);
                        c = ByteKeys.pastPrefix(p.prefix());
                    }
                }
            }
            return page(false);
        }

        private int count() {
            return versions.size() + prefixes.size();
        }

        private VersionListPage page(boolean truncated) {
            return truncated ? new VersionListPage(versions, prefixes, true, lastKey, lastVersion)
                    : new VersionListPage(versions, prefixes, false, null, null);
        }

        // Starts reading the newest few non-current versions of every key in the window at once.
        private Map<String, CompletableFuture<Keys.Batch>> prefetchHistory(List<Item> items, Map<String, Zk.Node> nodes,
                VersionCursor start) {
            Map<String, CompletableFuture<Keys.Batch>> out = new HashMap<>();
            for (Item item : items) {
                if (item instanceof KeyItem k && nodes.get(k.entry().name()) != null) {
                    Keys.KeyNode kn = Keys.parse(nodes.get(k.entry().name()));
                    if (kn.groups() > 0) {
                        long below = below(k.entry(), kn.state(), start);
                        out.put(k.entry().name(), ctx.keys.newest(view.handle(), bucket, k.entry().name(), below,
                                PREFETCH));
                    }
                }
            }
            return out;
        }

        /**
         * Emits a key's versions newest first; true when the page filled up with more to come. The
         * current version comes from the key read {@code kn}; the others from batches of history
         * reads, each followed by a read of the key in the same request: the key unchanged means the
         * versions emitted are the key's at the moment of {@code kn}. When it changed, what was
         * emitted for the key is taken back and the key is listed again from the later read.
         */
        private boolean emitKey(KeyView.Entry entry, Keys.KeyNode first, VersionCursor start,
                CompletableFuture<Keys.Batch> prefetched) throws KeeperException, InterruptedException {
            int mark = versions.size();
            String markKey = lastKey;
            String markVersion = lastVersion;
            Keys.KeyNode kn = first;
            CompletableFuture<Keys.Batch> next = prefetched;
            for (int attempt = 0; attempt < Keys.MAX_READS; attempt++) {
                if (kn == null) {
                    return false; // deleted meanwhile: none of its versions lasted through the listing
                }
                Boolean full = emitFrom(entry, kn, start, next);
                if (full != null) {
                    return full;
                }
                versions.subList(mark, versions.size()).clear();
                lastKey = markKey;
                lastVersion = markVersion;
                kn = Keys.parse(Zk.await(view.deadline(), ctx.zk.getAsync(view.handle(),
                        ctx.layout.object(bucket, entry.name()))));
                next = null;
            }
            throw new MetadataException.Unavailable("key " + entry.name() + " kept changing while its versions "
                    + "were listed", null);
        }

        // One pass over a key as read in kn: true (page full), false (key done), null (the key changed).
        private Boolean emitFrom(KeyView.Entry entry, Keys.KeyNode kn, VersionCursor start,
                CompletableFuture<Keys.Batch> prefetched) throws KeeperException, InterruptedException {
            KeyState s = kn.state();
            long below = below(entry, s, start);
            if (s.ordinal() < below && emit(s.current(), true)) {
                return true;
            }
            if (kn.groups() == 0) {
                return false;
            }
            int fetchSize = PREFETCH;
            CompletableFuture<Keys.Batch> pending = prefetched != null ? prefetched
                    : ctx.keys.newest(view.handle(), bucket, entry.name(), below, fetchSize);
            while (true) {
                Keys.Batch batch = Zk.await(view.deadline(), pending);
                if (!kn.sameAs(batch.keyAfter())) {
                    return null;
                }
                for (Keys.Versioned v : batch.versions()) {
                    if (emit(v.record(), false)) {
                        return true;
                    }
                }
                if (batch.exhausted()) {
                    return false;
                }
                below = batch.next();
                fetchSize = max - count() + 1;
                runStep(step);
                pending = ctx.keys.newest(view.handle(), bucket, entry.name(), below, fetchSize);
            }
        }

        private boolean emit(VersionRecord v, boolean latest) {
            if (count() == max) {
                return true;
            }
            versions.add(new VersionEntry(v, latest));
            lastKey = v.key();
            lastVersion = v.versionId();
            return false;
        }

        // Versions of the marker key are listed only below the marker; every other key from its newest.
        private static long below(KeyView.Entry entry, KeyState s, VersionCursor start) {
            if (start.markerKey() == null || ByteKeys.compare(entry.key(), start.markerKey()) != 0) {
                return Long.MAX_VALUE;
            }
            if (VersionIds.isNull(start.versionIdMarker())) {
                return s.nullOrdinal() == null ? 0 : s.nullOrdinal();
            }
            VersionIds.Parsed p = VersionIds.parse(start.versionIdMarker());
            if (p.born() != s.born()) {
                return p.born() > s.born() ? Long.MAX_VALUE : 0;
            }
            return p.ordinal();
        }
    }
}
