package io.imagegate.gateway.lifecycle;

import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.UsageCounter;
import io.imagegate.gateway.lifecycle.KeyPlan.Action;
import io.imagegate.meta.LiveRoot;
import io.imagegate.meta.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a dry run's removals would free in the chunk store: the chunk and manifest-page bytes that
 * the removed versions (and aborted uploads' parts) reference and that no surviving version or part
 * of any bucket does. Versions of one image share most chunks, so this is usually far below the
 * logical bytes. One walk of every live manifest, like {@code imagegate stats}.
 */
public final class PhysicalBytes {

    private PhysicalBytes() {}

    public static LifecycleReport report(MetadataStore meta, DefaultChunkRepository chunks,
            LifecycleRunner.DryRun run) throws IOException {
        Map<String, String> doomed = new HashMap<>(); // root id -> bucket \0 rule
        Map<String, long[]> tallies = new LinkedHashMap<>();
        for (LifecycleRunner.Decided d : run.versions()) {
            Action a = d.action();
            String rule = d.bucket() + "\0" + a.rule().id();
            long[] t = tallies.computeIfAbsent(rule, k -> new long[5]);
            switch (a) {
                case KeyPlan.ExpireNoncurrent n -> t[0]++;
                case KeyPlan.ExpireCurrent c -> t[1]++;
                case KeyPlan.RemoveMarker m -> t[2]++;
            }
            t[4] += a.logicalBytesFreed();
            boolean removesData = !a.version().deleteMarker()
                    && (a instanceof KeyPlan.ExpireNoncurrent || (a instanceof KeyPlan.ExpireCurrent c && c.removes()));
            if (removesData) {
                doomed.put(versionId(d.bucket(), a.version().key(), a.version().versionId()), rule);
            }
        }
        for (LifecycleRunner.DecidedUpload u : run.uploads()) {
            String rule = u.bucket() + "\0" + u.rule().id();
            long[] t = tallies.computeIfAbsent(rule, k -> new long[5]);
            t[3]++;
            t[4] += u.bytes();
            doomed.put(uploadId(u.bucket(), u.upload().uploadId()), rule);
        }
        UsageCounter survivors = new UsageCounter(chunks);
        UsageCounter removed = new UsageCounter(chunks);
        Map<String, UsageCounter> byRule = new HashMap<>();
        try {
            meta.visitLiveRoots(null, root -> {
                String rule = doomed.get(idOf(root));
                UsageCounter c = rule == null ? survivors
                        : byRule.computeIfAbsent(rule, r -> new UsageCounter(chunks, removed));
                try {
                    c.add(ManifestRoot.decode(root.manifest()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<LifecycleReport.RuleTally> rules = new ArrayList<>();
        tallies.forEach((k, t) -> {
            int z = k.indexOf('\0');
            UsageCounter c = byRule.get(k);
            long physical = c == null ? 0 : c.notIn(survivors).bytes();
            rules.add(new LifecycleReport.RuleTally(k.substring(0, z), k.substring(z + 1), t[0], t[1], t[2], t[3], t[4],
                    physical));
        });
        return new LifecycleReport(true, run.now(), false, List.copyOf(rules), run.skipped(),
                removed.notIn(survivors).bytes());
    }

    private static String versionId(String bucket, String key, String versionId) {
        return "v\0" + bucket + "\0" + key + "\0" + versionId;
    }

    private static String uploadId(String bucket, String uploadId) {
        return "u\0" + bucket + "\0" + uploadId;
    }

    private static String idOf(LiveRoot root) {
        return root.isPart() ? uploadId(root.bucket(), root.uploadId()) : versionId(root.bucket(), root.key(), root.versionId());
    }
}
