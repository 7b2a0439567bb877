package io.imagegate.chunk;

import java.io.IOException;
import java.security.MessageDigest;

/**
 * Manifest pages by reference: from the shared cache, or read from the store, checked against
 * their SHA-256 (always: a wrong page would misdirect every read below it), parsed and cached.
 * Concurrent misses on one page may both read it; the first parsed copy wins the cache.
 */
final class PageSource {

    private final ChunkStore store;
    private final ClockCache<ChunkHash, ManifestPage> cache;

    PageSource(ChunkStore store, long cacheBytes) {
        this.store = store;
        this.cache = new ClockCache<>(cacheBytes, ManifestPage::weight, page -> { });
    }

    /** The page a manifest root or page entry names. */
    ManifestPage get(ChunkRef ref) throws IOException {
        return get(ref.hash(), ref.pack(), ref.offset(), ref.length(), true);
    }

    /** The page entry {@code i} of {@code parent} names. */
    ManifestPage child(ManifestPage parent, int i) throws IOException {
        return get(parent.hash(i), parent.pack(i), parent.packOffset(i), parent.refLength(i), true);
    }

    /** Like {@link #get} but leaves the cache as it was: for whole-tree walks that would flush it. */
    ManifestPage getUncached(ChunkRef ref) throws IOException {
        return get(ref.hash(), ref.pack(), ref.offset(), ref.length(), false);
    }

    void clear() {
        cache.clear();
    }

    long cachedBytes() {
        return cache.weight();
    }

    private ManifestPage get(ChunkHash hash, PackId pack, long offset, int length, boolean keep) throws IOException {
        ManifestPage page = cache.get(hash);
        if (page != null) {
            return page;
        }
        page = load(hash, pack, offset, length);
        return keep ? cache.putIfAbsent(hash, page) : page;
    }

    private ManifestPage load(ChunkHash hash, PackId pack, long offset, int length) throws IOException {
        if (pack.isZero() || length < ManifestPage.HEADER_BYTES || length > ManifestPage.MAX_PAGE_BYTES) {
            throw new CorruptChunkException("not a manifest page reference: length " + length, pack, offset);
        }
        byte[] bytes = new byte[length];
        MessageDigest md = ChunkHash.newDigest();
        VerifiedReads.read(store, pack, offset, bytes, length, () -> {
            if (!ChunkHash.of(md.digest(bytes)).equals(hash)) {
                throw new CorruptChunkException("manifest page does not match its hash " + hash, pack, offset);
            }
        });
        try {
            return ManifestPage.parse(bytes);
        } catch (CorruptChunkException e) {
            throw new CorruptChunkException(e.getMessage(), pack, offset);
        }
    }
}
