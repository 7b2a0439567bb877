package io.imagegate.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a store against the roots that are live, independently of the collector's own
 * bookkeeping: every reference must resolve (directly, or through redirects) to an entry that
 * exists, and it reports how much stored data nothing references. For tests and operators;
 * only meaningful while nothing writes or collects.
 */
public final class ReferenceAudit {

    /**
     * @param missing          references that resolve to no stored entry (data loss)
     * @param packs            packs in the store
     * @param deadPacks        packs no live reference reaches
     * @param sparsePacks      packs holding unreferenced entries whose live fraction is below the threshold asked
     * @param unusedRedirects  redirect records no live reference needs
     * @param liveBytes        data bytes of referenced entries
     * @param deadBytes        data bytes of unreferenced entries
     */
    public record Result(List<String> missing, int packs, List<PackId> deadPacks, List<PackId> sparsePacks,
                         List<PackId> unusedRedirects, long liveBytes, long deadBytes) {

        public boolean clean() {
            return missing.isEmpty() && deadPacks.isEmpty() && sparsePacks.isEmpty() && unusedRedirects.isEmpty();
        }
    }

    private ReferenceAudit() {}

    public static Result run(DefaultChunkRepository repository, Iterable<ManifestRoot> roots, double threshold)
            throws IOException {
        ChunkStore store = repository.store();
        Map<PackId, Long> packs = new HashMap<>();
        Set<PackId> redirects = new HashSet<>();
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
        RefMarks live = new RefMarks();
        Set<PackId> usedRedirects = new HashSet<>();
        List<String> missing = new ArrayList<>();
        Set<ChunkHash> pages = new HashSet<>();
        for (ManifestRoot root : roots) {
            try {
                if (root.top() != null && root.depth() == 0) {
                    resolve(repository, root.top(), packs, redirects, usedRedirects, live, missing);
                } else if (root.top() != null) {
                    repository.walkPages(root, page -> {
                        resolveUnchecked(repository, page, packs, redirects, usedRedirects, live, missing);
                        return pages.add(page.hash());
                    }, ref -> resolveUnchecked(repository, ref, packs, redirects, usedRedirects, live, missing));
                }
            } catch (PackNotFoundException | UncheckedIOException e) {
                missing.add("root " + root.encode() + ": " + e.getMessage());
            }
        }
        List<PackId> dead = new ArrayList<>();
        List<PackId> sparse = new ArrayList<>();
        long liveBytes = 0;
        long deadBytes = 0;
        for (Map.Entry<PackId, Long> p : packs.entrySet()) {
            long[] marked = live.marked(p.getKey());
            Set<Long> offsets = new HashSet<>();
            for (long m : marked) {
                offsets.add(RefMarks.offset(m));
            }
            long packLive = 0;
            long packDead = 0;
            for (PackReader.PackEntry e : PackReader.readIndex(store, new ChunkStore.PackInfo(p.getKey(), p.getValue()))) {
                if (offsets.contains(e.offset())) {
                    packLive += e.length();
                } else {
                    packDead += e.length();
                }
            }
            liveBytes += packLive;
            deadBytes += packDead;
            if (packLive == 0) {
                dead.add(p.getKey());
            } else if (packDead > 0 && packLive < threshold * (packLive + packDead)) {
                sparse.add(p.getKey());
            }
        }
        List<PackId> unused = redirects.stream().filter(r -> !usedRedirects.contains(r)).toList();
        return new Result(missing, packs.size(), dead, sparse, unused, liveBytes, deadBytes);
    }

    private static void resolveUnchecked(DefaultChunkRepository repository, ChunkRef ref, Map<PackId, Long> packs,
            Set<PackId> redirects, Set<PackId> used, RefMarks live, List<String> missing) {
        try {
            resolve(repository, ref, packs, redirects, used, live, missing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void resolve(DefaultChunkRepository repository, ChunkRef ref, Map<PackId, Long> packs,
            Set<PackId> redirects, Set<PackId> used, RefMarks live, List<String> missing) throws IOException {
        PackId p = ref.pack();
        long off = ref.offset();
        for (int hop = 0; hop <= RedirectingChunkStore.MAX_HOPS; hop++) {
            if (packs.containsKey(p)) {
                live.mark(p, off, ref.length());
                if (redirects.contains(p)) {
                    used.add(p);
                }
                return;
            }
            Optional<Redirect> r = redirects.contains(p) ? repository.redirectingStore().redirect(p) : Optional.empty();
            Redirect.Entry e = r.isEmpty() ? null : r.get().entryAt(off);
            if (e == null) {
                missing.add(ref.hash() + " at " + off + " of " + p);
                return;
            }
            used.add(p);
            p = r.get().to();
            off = e.newOffset();
        }
        missing.add(ref.hash() + ": redirect chain too long from " + ref.pack());
    }
}
