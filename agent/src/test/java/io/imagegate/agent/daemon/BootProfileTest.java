package io.imagegate.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.agent.AgentHarness;
import io.imagegate.agent.Images;
import io.imagegate.agent.QemuIo;
import io.imagegate.agent.S3ProxyFixture;
import io.imagegate.agent.Tools;
import io.imagegate.agent.prefetch.BootProfile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** A boot is recorded into KEY.profile; the next attachment prefetches in that order. */
class BootProfileTest {

    @Test
    void aRecordedBootIsPrefetchedByTheNextAttachment(@TempDir Path dir) throws Exception {
        Tools.require("qemu-io");
        int size = 16 * 1024 * 1024;
        try (S3ProxyFixture store = S3ProxyFixture.inMemory(); S3Client s3 = store.client()) {
            Images.bucket(s3, "boot", true);
            byte[] image = Images.disk(size, 8);
            Images.put(s3, "boot", "vm.raw", image);
            // the "boot": scattered reads, the way a kernel and init touch a disk
            String[] boot = {"read 10485760 4096", "read 0 512", "read 3145728 131072", "read 15728640 65536",
                    "read 7340032 8192"};
            try (Agent agent = Agent.start(AgentHarness.config(dir.resolve("node1")).withReadAheadBytes(0))) {
                AttachResult a = agent.attach(AgentHarness.attach(store.endpoint(), "s3://boot/vm.raw",
                        S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withProfile("auto"));
                assertTrue(AgentHarness.export(agent, a.export()).profile().equals("recording"));
                QemuIo.run(a.url(), boot);
                agent.saveProfile(a.export());
                assertTrue(AgentHarness.export(agent, a.export()).profile().startsWith("recorded"));
            }
            BootProfile p = BootProfile.parse(Images.get(s3, "boot", "vm.raw.profile", null));
            assertArrayEquals(new long[] {10485760, 0, 3145728, 3211264, 15728640, 7340032}, p.offsets());

            // another node, an empty cache: the profile is fetched ahead of the guest
            try (Agent agent = Agent.start(AgentHarness.config(dir.resolve("node2")).withReadAheadBytes(0))) {
                AttachResult a = agent.attach(AgentHarness.attach(store.endpoint(), "s3://boot/vm.raw",
                        S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withProfile("auto"));
                agent.awaitPrefetch(a.export());
                ExportStatus st = AgentHarness.export(agent, a.export());
                assertEquals("prefetching", st.profile());
                assertEquals(6, st.prefetchTotal());
                assertEquals(6, st.prefetchDone());
                long requests = st.fetchRequests();
                System.out.printf("prefetch: %d chunks in %d requests before the guest asked%n", st.fetchedChunks(),
                        requests);
                QemuIo.run(a.url(), boot);
                assertEquals(requests, AgentHarness.export(agent, a.export()).fetchRequests(),
                        "the boot read nothing the prefetch had not brought");
            }
        }
    }
}
