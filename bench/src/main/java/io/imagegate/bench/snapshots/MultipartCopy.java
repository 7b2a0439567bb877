package io.imagegate.bench.snapshots;

import io.imagegate.agent.snapshot.MultipartCommitter;
import io.imagegate.agent.snapshot.MultipartCommitter.Part;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A snapshot on any S3 service, as the node agent makes one: the agent's own plan
 * ({@link MultipartCommitter#plan}: units of at least 8 MiB, a unit with any write uploaded whole,
 * runs of clean units copied with UploadPartCopy), carried out with the benchmark's client.
 */
final class MultipartCopy {

    private MultipartCopy() {}

    static Outcome run(S3Session s3, Target t, int grid) {
        long t0 = System.nanoTime();
        List<Part> parts = MultipartCommitter.plan(t.size(), grid, t.writes().changedChunks(grid));
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
