package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public lost-reply hook (for gateways under test and the chaos benchmark) loses replies both ways, and a store using it stays exact. */
class ReplyLossTest extends ZkTestSupport {

    @Test
    void aStoreFromReplyLossLosesRepliesBeforeSendingAndAfterCommitAndAcknowledgesOnlyCommittedWrites() {
        createBucket(Versioning.ENABLED);
        ReplyLoss loss = ReplyLoss.of(0.4, 3);
        List<String> acked = new ArrayList<>();
        int unknown = 0;
        try (ZkMetadataStore lossy = loss.connect(server.getConnectString(), config())) {
            for (int i = 0; i < 40; i++) {
                try {
                    acked.add(lossy.publish(bucket, draft("k", "e" + i), WriteCondition.NONE).etag());
                } catch (MetadataException.Unavailable e) {
                    unknown++;
                }
            }
        }
        VersionListPage page = store.listVersions(bucket, new VersionListQuery(null, null, null, null, 1000));
        List<String> listed = page.versions().stream().map(v -> v.version().etag()).toList();
        assertTrue(loss.lostBeforeSending() > 0 && loss.lostAfterCommit() > 0,
                loss.lostBeforeSending() + " before, " + loss.lostAfterCommit() + " after");
        assertEquals(listed.size(), new HashSet<>(listed).size(), "a publish was applied twice");
        assertTrue(new HashSet<>(listed).containsAll(acked), "an acknowledged publish is missing");
        assertTrue(listed.size() <= acked.size() + unknown);
    }
}
