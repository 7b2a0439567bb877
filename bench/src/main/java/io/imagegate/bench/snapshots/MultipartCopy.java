package io.imagegate.bench.snapshots;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A snapshot on any S3 service, as the node agent's MultipartCommitter makes one: a multipart
 * upload of the whole image cut into units of at least 8 MiB (S3's minimum part is 5 MiB, at
 * most 10,000 parts); a unit with any write is uploaded whole, a run of clean units is one
 * UploadPartCopy of the base (up to 5 GiB). The plan is the agent's, restated here because the
 * benchmark does not depend on the agent module.
 */
final class MultipartCopy {

    static final long MIN_UNIT = 8L << 20;
    static final long MAX_PART = 5L << 30;
    static final int MAX_PARTS = 10_000;

    private MultipartCopy() {}

    /** A part: bytes {@code [first, end)} of the image, uploaded or copied. */
    record Part(int number, long first, long end, boolean upload) {
        long length() {
            return end - first;
        }
    }

    static List<Part> plan(WriteSet writes, long size, int grid) {
        long unit = Math.max(MIN_UNIT, (size + MAX_PARTS - 1) / MAX_PARTS);
        unit = (unit + grid - 1) / grid * grid;
        long maxCopyUnits = Math.max(1, MAX_PART / unit);
        List<Part> parts = new ArrayList<>();
        long pos = 0;
        while (pos < size) {
            long end = Math.min(size, pos + unit);
            boolean dirty = writes.touches(pos, end);
            if (!dirty) {
                for (long units = 1; end < size && units < maxCopyUnits; units++) {
                    long next = Math.min(size, end + unit);
                    if (writes.touches(end, next)) {
                        break;
                    }
                    end = next;
                }
            }
            parts.add(new Part(parts.size() + 1, pos, end, dirty));
            pos = end;
        }
        return parts;
    }

    static Outcome run(S3Session s3, Target t, int grid) {
        long t0 = System.nanoTime();
        List<Part> parts = plan(t.writes(), t.size(), grid);
        String uploadId = s3.createMultipart(t.bucket(), t.key());
        List<CompletedPart> done = new ArrayList<>(parts.size());
        long uploaded = 0;
        long copied = 0;
        for (Part p : parts) {
            if (p.upload()) {
                done.add(s3.uploadPart(t.bucket(), t.key(), uploadId, p.number(), p.length(),
                        () -> t.image().stream(p.first(), p.end())));
                uploaded += p.length();
            } else {
                done.add(s3.uploadPartCopy(t.bucket(), t.key(), uploadId, p.number(), t.bucket(), t.copySourceKey(),
                        t.copySourceVersion(), p.first(), p.end() - 1));
                copied += p.length();
            }
        }
        String version = s3.completeMultipart(t.bucket(), t.key(), uploadId, done);
        return Outcome.of(t.snapshot(), version, System.nanoTime() - t0, uploaded, copied, parts.size());
    }
}
