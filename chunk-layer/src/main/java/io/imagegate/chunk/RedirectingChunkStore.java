package io.imagegate.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The store as the repository's readers see it: a read of a pack the collector rewrote and then
 * deleted is served from where the pack's {@link Redirect} says its bytes went, following chains
 * of rewrites. Redirect records are immutable, so parsed ones are cached; a pack that still
 * exists is always read directly. Every reader (range reads, manifest pages, whole-tree walks, the
 * dedup index built from them) goes through here, whatever the store below (local, S3, cached).
 */
final class RedirectingChunkStore extends ForwardingChunkStore {

    /** Rewrites of rewrites; a longer chain can only come from damaged records. */
    static final int MAX_HOPS = 32;

    private final ClockCache<PackId, Redirect> redirects;

    RedirectingChunkStore(ChunkStore delegate, long cacheBytes) {
        super(delegate);
        this.redirects = new ClockCache<>(cacheBytes, Redirect::weight, r -> { });
    }

    @Override
    public void read(PackId pack, long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        int n = dst.remaining();
        PackId p = pack;
        long off = offset;
        for (int hop = 0; ; hop++) {
            try {
                super.read(p, off, dst);
                return;
            } catch (PackNotFoundException e) {
                dst.position(start);
                Redirect.Location next = hop < MAX_HOPS ? locate(p, off, n) : null;
                if (next == null) {
                    throw hop == 0 ? e : new PackNotFoundException(pack, "no redirect covers " + n + " bytes at " + off
                            + " of rewritten pack " + p + " (followed from " + pack + " at " + offset + ")");
                }
                p = next.pack();
                off = next.offset();
            }
        }
    }

    /** Drops cached bytes where they were read: in the pack named, and where its redirect leads. */
    @Override
    public void invalidate(PackId pack, long offset, long length) {
        super.invalidate(pack, offset, length);
        PackId p = pack;
        long off = offset;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            Redirect r = redirects.get(p);
            Redirect.Location next = r == null ? null : r.locate(off, length);
            if (next == null) {
                return;
            }
            super.invalidate(next.pack(), next.offset(), length);
            p = next.pack();
            off = next.offset();
        }
    }

    /** Where bytes of a pack that is gone now are, or null when it has no redirect covering them. */
    Redirect.Location locate(PackId pack, long offset, long length) throws IOException {
        Optional<Redirect> r = redirect(pack);
        return r.isEmpty() ? null : r.get().locate(offset, length);
    }

    /** The pack's redirect record, from the cache or the store; empty when it has none. */
    Optional<Redirect> redirect(PackId pack) throws IOException {
        Redirect cached = redirects.get(pack);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> raw = delegate().readRedirect(pack);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(redirects.putIfAbsent(pack, Redirect.decode(pack, raw.get())));
    }
}
