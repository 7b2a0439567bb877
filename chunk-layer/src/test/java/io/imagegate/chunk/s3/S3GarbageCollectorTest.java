package io.imagegate.chunk.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.CachingChunkStore;
import io.imagegate.chunk.ChunkCacheConfig;
import io.imagegate.chunk.CollectionReport;
import io.imagegate.chunk.CollectorConfig;
import io.imagegate.chunk.DedupIndex;
import io.imagegate.chunk.DefaultChunkRepository;
import io.imagegate.chunk.GarbageCollector;
import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.MemoryRoots;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.chunk.ReferenceAudit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector over S3ChunkStore on s3proxy in this JVM: redirect records as objects, readers
 * (through a cache too) following them, a dry run, and a crash between writing a redirect and
 * deleting the rewritten pack.
 */
class S3GarbageCollectorTest {

    private static final int CHUNK = 4096;

    @TempDir
    static Path serverDir;

    static S3TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static ManifestRoot write(DefaultChunkRepository r, byte[] data) throws IOException {
        try (ObjectWriter w = r.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            return w.finish();
        }
    }

    static byte[] read(DefaultChunkRepository r, ManifestRoot root) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.read(root, 0, root.size(), out);
        return out.toByteArray();
    }

    static GarbageCollector collector(DefaultChunkRepository repo, CollectorConfig.SweepHook hook) {
        return new GarbageCollector(repo, CollectorConfig.defaults().withGrace(Duration.ZERO).withHook(hook));
    }

    @Test
    void sparsePacksAreRewrittenBehindRedirectsThatEveryReaderFollows() throws Exception {
        S3StoreConfig config = server.config("gc/rewrite/");
        try (DefaultChunkRepository repo = new DefaultChunkRepository(S3ChunkStore.open(config));
             DefaultChunkRepository cached = new DefaultChunkRepository(
                     new CachingChunkStore(S3ChunkStore.open(config), ChunkCacheConfig.defaults()))) {
            byte[] data = random(1, 80 * CHUNK);
            ManifestRoot big = write(repo, data);
            ManifestRoot small = repo.slice(big, 0, 8L * CHUNK);
            ManifestRoot garbage = write(repo, random(2, 10 * CHUNK));
            MemoryRoots roots = new MemoryRoots();
            roots.add(small);
            assertArrayEquals(Arrays.copyOf(data, 8 * CHUNK), read(cached, small)); // pages cached, bytes cached

            CollectionReport dry = collector(repo, CollectorConfig.SweepHook.NONE).collect(roots, true);
            assertEquals(1, dry.packsRewritten());
            assertEquals(1, dry.packsDeleted());
            assertEquals(3, repo.store().list().count(), "a dry run changes nothing");

            CollectorConfig.SweepHook crash = (step, pack) -> {
                if (step == CollectorConfig.Step.DELETE_REWRITTEN) {
                    throw new IOException("killed after the redirect was written");
                }
            };
            assertThrows(IOException.class, () -> collector(repo, crash).collect(roots, false));
            assertTrue(repo.store().readRedirect(big.top().pack()).isPresent());
            assertArrayEquals(Arrays.copyOf(data, 8 * CHUNK), read(repo, small));

            CollectionReport report = collector(repo, CollectorConfig.SweepHook.NONE).collect(roots, false);
            assertEquals(1, report.packsDeleted(), "the interrupted rewrite is finished: " + report.summary());
            assertEquals(0, report.packsWritten(), "the redirect already leads to the pack the first attempt wrote");
            collector(repo, CollectorConfig.SweepHook.NONE).collect(roots, false);
            assertTrue(repo.store().list().noneMatch(p -> p.id().equals(big.top().pack())
                    || p.id().equals(garbage.top().pack())));

            for (DefaultChunkRepository reader : new DefaultChunkRepository[] {repo, cached,
                    new DefaultChunkRepository(S3ChunkStore.open(config))}) {
                assertArrayEquals(Arrays.copyOf(data, 8 * CHUNK), read(reader, small));
            }
            ReferenceAudit.Result audit = ReferenceAudit.run(repo, roots.stored(), 0.5);
            assertTrue(audit.clean(), audit.toString());
        }
    }
}
