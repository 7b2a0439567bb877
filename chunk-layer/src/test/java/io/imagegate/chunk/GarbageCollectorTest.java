package io.imagegate.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The collector over a local store: what it deletes, rewrites and keeps, and what readers see. */
class GarbageCollectorTest {

    static final int CHUNK = 4096;

    @TempDir
    Path dir;

    LocalChunkStore local;
    DefaultChunkRepository repo;
    MemoryRoots roots;
    Map<ManifestRoot, byte[]> contents;

    @BeforeEach
    void open() throws IOException {
        local = LocalChunkStore.open(dir);
        repo = new DefaultChunkRepository(local);
        roots = new MemoryRoots();
        contents = new HashMap<>();
    }

    @AfterEach
    void close() throws IOException {
        repo.close();
    }

    GarbageCollector collector() {
        return collector(CollectorConfig.SweepHook.NONE);
    }

    GarbageCollector collector(CollectorConfig.SweepHook hook) {
        return new GarbageCollector(repo, CollectorConfig.defaults().withGrace(Duration.ZERO).withHook(hook));
    }

    ManifestRoot write(long seed, int chunks) throws IOException {
        byte[] data = Fixture.random(seed, chunks * CHUNK - 100);
        ManifestRoot root;
        try (ObjectWriter w = repo.newWriter(CHUNK, DedupIndex.NONE)) {
            w.write(data, 0, data.length);
            root = w.finish();
        }
        contents.put(root, data);
        return root;
    }

    /** The first {@code chunks} whole chunks of {@code from}, sharing them: leaves most of from's pack dead. */
    ManifestRoot prefix(ManifestRoot from, int chunks) throws IOException {
        ManifestRoot root = repo.slice(from, 0, (long) chunks * CHUNK);
        contents.put(root, java.util.Arrays.copyOf(contents.get(from), chunks * CHUNK));
        return root;
    }

    static byte[] read(DefaultChunkRepository r, ManifestRoot root) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.read(root, 0, root.size(), out);
        return out.toByteArray();
    }

    void assertReadable(DefaultChunkRepository r) throws IOException {
        for (ManifestRoot root : roots.stored()) {
            assertArrayEquals(contents.get(root), read(r, root), "content of " + root.encode());
        }
    }

    Set<String> files() throws IOException {
        try (Stream<Path> s = java.nio.file.Files.walk(dir)) {
            return s.filter(java.nio.file.Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    ReferenceAudit.Result audit() throws IOException {
        return ReferenceAudit.run(repo, roots.stored(), 0.5);
    }

    @Test
    void deletesPacksNothingLiveReaches() throws IOException {
        ManifestRoot kept = write(1, 8);
        write(2, 8);
        roots.add(kept);

        CollectionReport report = collector().collect(roots, false);

        assertEquals(1, report.packsDeleted());
        assertEquals(0, report.packsRewritten());
        assertEquals(1, local.list().count());
        assertReadable(repo);
        assertTrue(audit().clean(), audit().toString());
    }

    @Test
    void packsYoungerThanTheGracePeriodAreNotTouched() throws IOException {
        write(1, 8);
        CollectionReport report = new GarbageCollector(repo, CollectorConfig.defaults()).collect(roots, false);
        assertEquals(0, report.packsDeleted());
        assertEquals(1, local.list().count());
    }

    @Test
    void aPinnedWriteKeepsItsSourcesAndEverythingItWritesSinceItBegan() throws IOException {
        ManifestRoot base = write(1, 8);
        long pin = roots.pin(Instant.now().minusSeconds(1), List.of(base)); // a write deduplicating against base
        ManifestRoot inFlight = write(2, 8); // not published yet: no root names it

        CollectionReport report = collector().collect(roots, false);

        assertEquals(0, report.packsDeleted());
        assertEquals(2, local.list().count());
        roots.add(inFlight);
        roots.unpin(pin);
        assertReadable(repo);
        collector().collect(roots, false);
        assertEquals(1, local.list().count(), "base is garbage once the pin is gone");
    }

    @Test
    void rewritesSparsePacksAndReadersFollowTheRedirect() throws IOException {
        ManifestRoot big = write(1, 64);
        ManifestRoot small = prefix(big, 6);
        roots.add(small);
        DefaultChunkRepository warm = new DefaultChunkRepository(local);
        assertArrayEquals(contents.get(small), read(warm, small)); // pages cached before the rewrite

        CollectionReport report = collector().collect(roots, false);

        assertEquals(1, report.packsRewritten());
        assertEquals(1, report.redirectsWritten());
        assertTrue(report.bytesFreed() > report.bytesCopied());
        PackId old = big.top().pack();
        assertFalse(local.list().anyMatch(p -> p.id().equals(old)), "the sparse pack is gone");
        assertTrue(local.readRedirect(old).isPresent());
        assertReadable(repo);
        assertReadable(warm);
        try (DefaultChunkRepository cold = new DefaultChunkRepository(LocalChunkStore.open(dir))) {
            assertReadable(cold);
            // ranges that start and end inside chunks, coalesced across back-to-back entries
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            cold.read(small, 100, 3 * CHUNK, out);
            assertArrayEquals(java.util.Arrays.copyOfRange(contents.get(small), 100, 100 + 3 * CHUNK), out.toByteArray());
        }
        assertTrue(audit().clean(), audit().toString());
    }

    @Test
    void aDedupIndexBuiltOverRewrittenPacksYieldsReadableObjects() throws IOException {
        ManifestRoot big = write(1, 64);
        ManifestRoot small = prefix(big, 6);
        roots.add(small);
        collector().collect(roots, false);

        byte[] data = contents.get(small).clone();
        data[CHUNK * 2 + 7] ^= 1; // one chunk differs; the other five are taken from the base
        ManifestRoot next;
        try (ObjectWriter w = repo.newWriter(CHUNK, repo.dedupIndex(List.of(small)))) {
            w.write(data, 0, data.length);
            next = w.finish();
            assertEquals(5L * CHUNK, w.stats().dedupedBytes());
        }
        contents.put(next, data);
        roots.add(next);
        try (DefaultChunkRepository cold = new DefaultChunkRepository(LocalChunkStore.open(dir))) {
            assertReadable(cold);
        }
    }

    @Test
    void rewritesOfRewrittenPacksFormChainsThatReadersAndTheCollectorFollow() throws IOException {
        ManifestRoot big = write(1, 64);
        ManifestRoot medium = prefix(big, 20);
        roots.add(medium);
        collector().collect(roots, false); // big's pack -> P1 (20 chunks + medium's pages)
        ManifestRoot tiny = prefix(medium, 3);
        roots.add(tiny);
        roots.remove(medium);

        CollectionReport second = collector().collect(roots, false); // P1 -> P2
        assertEquals(1, second.packsRewritten());
        assertReadable(repo);
        try (DefaultChunkRepository cold = new DefaultChunkRepository(LocalChunkStore.open(dir))) {
            assertReadable(cold);
        }
        assertTrue(audit().clean(), audit().toString());

        roots.remove(tiny);
        CollectionReport last = collector().collect(roots, false);
        assertEquals(0, local.list().count());
        assertEquals(0, local.listRedirects().count(), "redirects go when nothing needs them");
        assertTrue(last.redirectsDeleted() >= 2);
    }

    @Test
    void aDryRunChangesNothingAndReportsWhatARealRunDoes() throws IOException {
        ManifestRoot big = write(1, 64);
        roots.add(prefix(big, 6));
        write(2, 8);
        Set<String> before = files();

        CollectionReport dry = collector().collect(roots, true);

        assertEquals(before, files());
        CollectionReport real = collector().collect(roots, false);
        assertEquals(real.packsDeleted(), dry.packsDeleted());
        assertEquals(real.packsRewritten(), dry.packsRewritten());
        assertEquals(real.bytesFreed(), dry.bytesFreed());
        assertEquals(real.bytesCopied(), dry.bytesCopied());
        assertTrue(dry.dryRun());
    }

    @ParameterizedTest
    @EnumSource(CollectorConfig.Step.class)
    void aCollectorKilledBeforeAnyStepLosesNothingAndTheNextRunFinishes(CollectorConfig.Step step) throws IOException {
        ManifestRoot a = write(1, 64);
        ManifestRoot b = write(2, 64);
        roots.add(prefix(a, 5));
        roots.add(prefix(b, 7));
        write(3, 8); // garbage
        if (step == CollectorConfig.Step.DELETE_REDIRECT) {
            collector().collect(roots, false);
            roots.stored().forEach(roots::remove);
            roots.add(write(4, 4));
        }
        CollectorConfig.SweepHook crash = (s, pack) -> {
            if (s == step) {
                throw new IOException("killed before " + s + " of " + pack);
            }
        };

        assertThrows(IOException.class, () -> collector(crash).collect(roots, false));

        try (DefaultChunkRepository cold = new DefaultChunkRepository(LocalChunkStore.open(dir))) {
            assertReadable(cold);
        }
        assertTrue(audit().missing().isEmpty(), audit().toString());
        collector().collect(roots, false);
        assertReadable(repo);
        ReferenceAudit.Result after = audit();
        assertTrue(after.clean(), after.toString());
    }

    @Test
    void aCollectorThatLostItsLockStopsBeforeChangingAnything() throws IOException {
        write(1, 8);
        roots.mayProceed = false;
        assertThrows(IOException.class, () -> collector().collect(roots, false));
        assertEquals(1, local.list().count());
    }

    @Test
    void reportsCountWhatWasFreedAndCopied() throws IOException {
        List<ManifestRoot> garbage = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            garbage.add(write(10 + i, 4));
        }
        long garbageBytes = local.list().mapToLong(ChunkStore.PackInfo::size).sum();
        CollectionReport report = collector().collect(roots, false);
        assertEquals(5, report.packsDeleted());
        assertEquals(garbageBytes, report.bytesFreed());
        assertEquals(0, report.bytesCopied());
        assertEquals(garbageBytes, report.netBytesFreed());
    }
}
