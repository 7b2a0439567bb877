package io.imagegate.gateway.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Binary {@code ?manifest} pages already rendered, by everything a page's bytes follow from: the
 * manifest root (content-addressed, so immutable), the version id and ETag written into it, the
 * offset and the page size. Many nodes attaching one image at once ask for the same pages; each is
 * walked from the manifest once instead of once per node. Consulted only after the caller's read
 * access to the version was checked. Least recently used pages go first past {@code maxBytes}.
 */
final class RenderedManifests {

    record Key(String root, String versionId, String etag, long offset, int maxChunks) {}

    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<Key, byte[]> pages = new LinkedHashMap<>(16, 0.75f, true);

    RenderedManifests(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The page for {@code key}, rendered by {@code render} when not kept (pages larger than the bound are not kept). */
    byte[] get(Key key, Supplier<byte[]> render) {
        synchronized (this) {
            byte[] kept = pages.get(key);
            if (kept != null) {
                return kept;
            }
        }
        byte[] page = render.get(); // outside the lock: two renderings of one page at once are harmless
        if (page.length <= maxBytes) {
            synchronized (this) {
                byte[] before = pages.put(key, page);
                bytes += page.length - (before == null ? 0 : before.length);
                var it = pages.entrySet().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    Map.Entry<Key, byte[]> eldest = it.next();
                    bytes -= eldest.getValue().length;
                    it.remove();
                }
            }
        }
        return page;
    }
}
