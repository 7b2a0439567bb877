package io.imagegate.agent.snapshot;

import io.imagegate.agent.cache.NodeCache;
import io.imagegate.agent.image.ImageVersion;
import io.imagegate.agent.image.LayeredDisk;
import io.imagegate.agent.remote.ObjectHead;
import io.imagegate.agent.remote.ObjectRef;
import io.imagegate.agent.remote.S3Access;
import io.imagegate.chunk.ChunkHash;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Snapshots on any S3 service: one multipart upload of the whole image, where ranges the guest did
 * not touch are UploadPartCopy'd server-side from the base version and ranges it changed are
 * uploaded. The image is cut into units of at least 8 MiB (S3's minimum part is 5 MiB, at most
 * 10,000 parts); a unit with any change is uploaded whole, runs of clean units are copied as one
 * part of up to 5 GiB.
 */
public final class MultipartCommitter implements Committer {

    private static final Logger log = LoggerFactory.getLogger(MultipartCommitter.class);
    static final long MIN_UNIT = 8L * 1024 * 1024;
    static final long MAX_PART = 5L * 1024 * 1024 * 1024;
    static final int MAX_PARTS = 10000;

    private final S3Access s3;
    private final NodeCache cache;
    private final int parallel;
    private final VersionLoader loader;

    public MultipartCommitter(S3Access s3, NodeCache cache, int parallel, VersionLoader loader) {
        this.s3 = s3;
        this.cache = cache;
        this.parallel = parallel;
        this.loader = loader;
    }

    /** A part: bytes [first, end) of the image, copied or uploaded. */
    public record Part(int number, long first, long end, boolean upload) {
        public long length() {
            return end - first;
        }
    }

    /**
     * Cuts an image of {@code size} bytes with the given changed grid chunks into parts (public for
     * the multisnapshot benchmark, which measures exactly this plan).
     */
    public static List<Part> plan(long size, int grid, BitSet changed) {
        long unit = Math.max(MIN_UNIT, (size + MAX_PARTS - 1) / MAX_PARTS);
        unit = (unit + grid - 1) / grid * grid;
        long maxCopyUnits = Math.max(1, MAX_PART / unit);
        List<Part> parts = new ArrayList<>();
        long pos = 0;
        while (pos < size) {
            long end = Math.min(size, pos + unit);
            boolean dirty = anyChanged(changed, pos, end, grid);
            if (!dirty) {
                long units = 1;
                while (end < size && units < maxCopyUnits) {
                    long next = Math.min(size, end + unit);
                    if (anyChanged(changed, end, next, grid)) {
                        break;
                    }
                    end = next;
                    units++;
                }
            }
            parts.add(new Part(parts.size() + 1, pos, end, dirty));
            pos = end;
        }
        return parts;
    }

    private static boolean anyChanged(BitSet changed, long from, long to, int grid) {
        int first = (int) (from / grid);
        int last = (int) ((to - 1) / grid);
        int next = changed.nextSetBit(first);
        return next >= 0 && next <= last;
    }

    @Override
    public Committed commit(LayeredDisk.Frozen frozen) throws IOException {
        ImageVersion base = frozen.base().version();
        int grid = base.gridSize();
        long size = base.size();
        BitSet changed = frozen.changedChunks(grid);
        if (changed.isEmpty()) {
            return new Committed(base, "unchanged", 0, 0, 0);
        }
        List<Part> parts = plan(size, grid, changed);
        ObjectRef target = base.ref().withVersion(null);
        String uploadId = s3.createMultipart(target, "application/octet-stream");
        AtomicLong uploaded = new AtomicLong();
        AtomicLong copied = new AtomicLong();
        ObjectHead head;
        try {
            List<Integer> numbers = parts.stream().map(p -> p.number() - 1).toList();
            List<CompletedPart> done = ChunkedReads.map(numbers, parallel, k -> {
                Part p = parts.get(k);
                if (p.upload()) {
                    byte[] data = ExtensionCommitter.read(frozen, p.first(), (int) p.length());
                    CompletedPart cp = s3.uploadPart(target, uploadId, p.number(), data);
                    uploaded.addAndGet(data.length);
                    return cp;
                }
                copied.addAndGet(p.length());
                return s3.uploadPartCopy(target, uploadId, p.number(), base.ref(), base.etag(), p.first(), p.end() - 1);
            });
            head = s3.completeMultipart(target, uploadId, done, size);
        } catch (IOException | RuntimeException e) {
            s3.abortMultipart(target, uploadId);
            throw e;
        }
        ImageVersion next = loader.load(base, head);
        carryCache(frozen, base, next, changed, grid);
        log.info("snapshot committed object={} base={} version={} etag={} parts={} uploadedBytes={} copiedBytes={}",
                target, base.ref().versionId(), head.versionId(), head.etag(), parts.size(), uploaded.get(), copied.get());
        return new Committed(next, "multipart", changed.cardinality(), uploaded.get(), copied.get());
    }

    /**
     * The new version's chunks are the old ones except where the guest wrote: link the cached old
     * entries under the new names, and store the changed chunks, so nothing is fetched again.
     */
    private void carryCache(LayeredDisk.Frozen frozen, ImageVersion base, ImageVersion next, BitSet changed, int grid) {
        for (int i = 0; i < next.count(); i++) {
            long off = next.offset(i);
            int len = next.length(i);
            try {
                if (next.zero(i)) {
                    continue;
                }
                if (anyChanged(changed, off, off + len, grid)) {
                    byte[] b = ExtensionCommitter.read(frozen, off, len);
                    ChunkHash expected = next.expected(i);
                    if (expected == null || expected.equals(ChunkHash.sha256(b, 0, b.length))) {
                        cache.put(next.cacheKey(i), b);
                    }
                    continue;
                }
                int j = base.indexOf(off);
                if (base.offset(j) == off && base.length(j) == len && !base.zero(j)) {
                    cache.link(base.cacheKey(j), next.cacheKey(i));
                }
            } catch (IOException e) {
                log.debug("chunk {} not carried into the cache: {}", i, e.toString());
            }
        }
    }
}
