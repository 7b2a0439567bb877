package io.imagegate.bench.agentread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.bench.BuildInfo;
import io.imagegate.bench.Machine;
import io.imagegate.bench.agentread.AgentReadReport.Ratio;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootReportTest {

    private static BootRun run(String method, int repeat, double boot, long bytes, double cpu) {
        boolean agent = !method.equals("nbdkit");
        return new BootRun(method, repeat, 0, 1.0, boot, boot - 3, bytes, bytes - 1000, 10,
                Map.of("GetObject", 10L), cpu * 0.75, cpu * 0.25, agent ? 0.1 : Double.NaN, 0.5, 0.1, 40.0,
                agent ? bytes : -1, agent ? 100 : -1, agent ? bytes / 2 : -1, agent ? 3 : -1, 0, 0, 1.0, 2.0, List.of());
    }

    private static BootReport report(List<BootRun> runs) {
        return new BootReport(Instant.EPOCH, new Machine(2, "cpu", 1L << 34, "jdk", "os", "ext4", 1.0, 100),
                new BuildInfo("abc1234", 0, "imagegate.jar", "2026-01-01T00:00:00Z"), "bench/run boot", "image", 2.5, 1.0,
                runs, List.of(), List.of());
    }

    private static Ratio ratio(BootReport r, String prefix) {
        return r.ratios().stream().filter(x -> x.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void ratiosPairBootsOfTheSameRepeatThenTakeTheMedian() {
        List<BootRun> runs = new ArrayList<>();
        runs.add(run("agent-record", -1, 99, 999_000_000, 9)); // the setup boot: in no ratio
        // repeat 1: the agent 20 s, nbdkit 30 s (1.5x); repeat 2: 40 and 30 (0.75x); repeat 3: 25 and 25 (1.0x)
        runs.add(run("agent", 0, 20, 40_000_000, 2));
        runs.add(run("nbdkit", 0, 30, 50_000_000, 1));
        runs.add(run("nbdkit", 1, 30, 50_000_000, 1));
        runs.add(run("agent", 1, 40, 60_000_000, 4));
        runs.add(run("agent", 2, 25, 50_000_000, 3));
        runs.add(run("nbdkit", 2, 25, 40_000_000, 2));
        runs.add(run("agent", 3, 10, 10_000_000, 1)); // a repeat without nbdkit: in no ratio
        BootReport r = report(runs);

        Ratio speed = ratio(r, "boot (qemu start to marker): agent's speed");
        assertEquals(1.0, speed.value().median(), 1e-9);
        assertEquals(0.75, speed.value().min(), 1e-9);
        assertEquals(1.5, speed.value().max(), 1e-9);
        assertTrue(speed.met()); // no slower: >= 1.0

        Ratio bytes = ratio(r, "bytes the gateway sent (attach and boot): agent ÷");
        assertEquals(1.2, bytes.value().median(), 1e-9); // 0.8, 1.2, 1.25
        assertFalse(bytes.met()); // more bytes than nbdkit

        Ratio cpu = ratio(r, "node CPU: agent ÷");
        assertEquals(2.0, cpu.value().median(), 1e-9); // 2, 4, 1.5
        assertNull(cpu.met()); // no target: recorded only

        Ratio withoutJit = ratio(r, "… without the agent's JIT");
        assertEquals(1.9, withoutJit.value().median(), 1e-9); // (2-0.1)/1, (4-0.1)/1, (3-0.1)/2

        // the medians per method leave the setup boot out, and so does the count of boots
        assertEquals(22.5, r.spread("agent", BootRun::bootSeconds).median(), 1e-9); // 10, 20, 25, 40
        assertEquals(4, r.of("agent").size());
        assertTrue(r.markdown().contains("| agent-record | 1 | 99.00 (99.00–99.00)"), r.markdown());
    }

    @Test
    void noRatioForAMethodThatNeverBootedBesideThePeer() {
        BootReport r = report(List.of(run("agent", 0, 20, 1, 1), run("nbdkit", 0, 30, 1, 1)));
        assertTrue(r.ratios().stream().noneMatch(x -> x.name().contains("agent-prefetch")));
        assertEquals(6, r.ratios().size());
        assertEquals(3, r.csv().lines().count()); // a header, then one line per boot
    }
}
